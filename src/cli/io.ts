import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { DEFAULT_PARAMS, parseParamsText, type ControlParams } from '../controls/index.js';
import { decodeEventFile, InputError, InvalidEventError } from '../events/index.js';

/** A usage or input problem the CLI reports in one line and exits 2 for (no stack trace: it is the user's to fix). */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly exitCode: number = 2;
}

/** AWS refused a call or could not be reached: one line, exit 3. */
export class AwsUnavailableError extends CliError {
  override readonly name = 'AwsUnavailableError';
  override readonly exitCode = 3;
}

/** Why a file could not be read, in the words a shell uses (ENOENT, EACCES, EISDIR). */
export function readProblem(cause: unknown): string {
  return (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
}

export function readFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    throw new CliError(`${file}: cannot read (${readProblem(cause)})`);
  }
}

/** Refuses a file that cannot be read (missing, a folder, no permission) before it is read as a stream. */
export function checkReadable(file: string): void {
  try {
    const fd = openSync(file, 'r');
    try {
      readSync(fd, Buffer.alloc(1), 0, 1, 0);
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    throw new CliError(`${file}: cannot read (${readProblem(cause)})`);
  }
}

/** A text file (params, state), or a CliError naming it. */
export function readText(file: string): string {
  return readFile(file).toString('utf8');
}

/** A JSON file's value; unreadable or not JSON is a usage error naming the file. */
export function readJsonFile(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not JSON (${(error as Error).message})`);
  }
}

export function readEventFile(file: string): unknown {
  const bytes = readFile(file);
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
    throw asCliError(error);
  }
}

/** `guard` for work that reads its input as it goes (a streamed snapshot). */
export async function guardAsync<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw asCliError(error);
  }
}

function asCliError(error: unknown): unknown {
  if (error instanceof InputError) return new CliError(error.message, { cause: error });
  if (error instanceof Error && ['ENOENT', 'EACCES', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return new CliError(error.message, { cause: error });
  return error;
}

/** `--params FILE`, validated; the defaults without one. */
export function loadParams(file: string | undefined): ControlParams {
  return file ? guard(() => parseParamsText(readText(file), file)) : DEFAULT_PARAMS;
}
