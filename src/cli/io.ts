import { readFileSync } from 'node:fs';
import { decodeEventFile, InputError, InvalidEventError } from '../events/index.js';

/** A usage or input problem the CLI reports in one line and exits 2 for (no stack trace: it is the user's to fix). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** A text file (params, state), or a CliError naming it. */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new CliError(`${file}: cannot read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
}

export function readEventFile(file: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    throw new CliError(`${file}: cannot read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
  try {
    return decodeEventFile(bytes, file);
  } catch (error) {
    if (error instanceof InvalidEventError) throw new CliError(error.message);
    throw error;
  }
}

/** Bad input (a snapshot, params, date or event file vigil cannot read) is the user's to fix: one line, exit 2. */
export function guard<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof InputError) throw new CliError(error.message, { cause: error });
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(error.message, { cause: error });
    throw error;
  }
}
