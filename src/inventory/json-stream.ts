import { createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { JSONParser } from '@streamparser/json';

/** A JSON file (optionally gzipped) that cannot be read as one: `problem` says why, in words for a user. */
export class JsonStreamError extends Error {
  override readonly name = 'JsonStreamError';
  constructor(
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(problem, options);
  }
}

/** One value found at one of the paths asked for: its key in its parent, and how deep the parent is (1: the top object). */
export interface JsonPathValue {
  key: string | number | undefined;
  depth: number;
  value: unknown;
}

/**
 * The values at `paths` (JSONPath as @streamparser/json reads it: `$.account`, `$.secrets.*`) of a JSON file, gzipped or
 * not, read a chunk at a time: memory holds the values of one chunk, never the file. Name each path to keep: an ancestor
 * path (`$.secrets` beside `$.secrets.*`) would keep every child in memory until its end. A file that is not JSON or not
 * readable gzip throws a JsonStreamError; one that cannot be opened, the error of `open`.
 */
export async function* jsonFileValues(file: string, paths: readonly string[]): AsyncGenerator<JsonPathValue> {
  const fd = openSync(file, 'r');
  const magic = Buffer.alloc(2);
  readSync(fd, magic, 0, 2, 0);
  const raw = createReadStream(file, { fd, start: 0 });
  const bytes: AsyncIterable<Buffer> = magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  const parser = new JSONParser({ paths: [...paths], keepStack: false });
  const ready: JsonPathValue[] = [];
  parser.onValue = ({ value, key, stack }) => void ready.push({ key, depth: stack.length, value });
  try {
    for await (const chunk of bytes) {
      try {
        parser.write(chunk);
      } catch (cause) {
        throw new JsonStreamError(`not JSON (${(cause as Error).message})`, { cause });
      }
      // Handed on outside the parser's callback: what the caller throws for a value is its own error, not a parse error.
      yield* ready.splice(0);
    }
    if (!parser.isEnded) {
      try {
        parser.end();
      } catch (cause) {
        throw new JsonStreamError(`not JSON (${(cause as Error).message})`, { cause });
      }
    }
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new JsonStreamError('not a readable gzip file', { cause });
    throw cause;
  } finally {
    raw.destroy();
  }
  yield* ready.splice(0);
}
