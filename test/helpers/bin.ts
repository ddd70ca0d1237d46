import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliRun } from './cli.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs a program as a child process, as a shell or CI job would, and captures what it prints and its exit code. */
export function runProcess(file: string, args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env['PATH'], HOME: process.env['HOME'], ...options.env };
    execFile(file, args, { env, cwd: options.cwd ?? ROOT, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ stdout, stderr, exitCode: typeof error?.code === 'number' ? error.code : 0 });
    });
  });
}

/** The `vigil` bin from the sources (src/cli/bin.ts through tsx), as a child process: no build needed. */
export function runVigil(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runProcess(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), ...args], { env });
}
