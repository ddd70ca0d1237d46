import { buildProgram } from '../../src/cli/main.js';
import { CliError } from '../../src/cli/io.js';

export interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs the vigil CLI in-process, as a user would from a shell, and captures what it prints and its exit code. */
export async function runCli(args: string[], clock = () => Date.UTC(2026, 10, 23, 12) / 1000, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const program = buildProgram(
    (line) => (stdout += `${line}\n`),
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), clock, env },
    (code) => (exitCode = code),
  );
  program.configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  try {
    await program.parseAsync(['node', 'vigil', ...args]);
  } catch (error) {
    if (error instanceof CliError) return { stdout, stderr: stderr + `vigil: ${error.message}\n`, exitCode: 2 };
    if (error instanceof Error && 'exitCode' in error) return { stdout, stderr, exitCode: Number((error as { exitCode: number }).exitCode) };
    throw error;
  }
  return { stdout, stderr, exitCode };
}
