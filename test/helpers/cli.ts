import { execute } from '../../src/cli/main.js';

export interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs the vigil CLI in-process, as a user would from a shell, and captures what it prints and its exit code. */
export async function runCli(args: string[], clock = () => Date.UTC(2026, 10, 23, 12) / 1000, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const exitCode = await execute(['node', 'vigil', ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), clock, env }, (line) => (stdout += `${line}\n`));
  return { stdout, stderr, exitCode };
}
