import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// vigil's schemas use zod/mini: the validation core of zod's classic API, with schemas that are cheaper to build at a
// Lambda's cold start. Unlike the classic API it loads no locale; vigil's errors quote zod's English messages ("expected
// string, received undefined"), and every module that parses imports its errors from here, so English is set here.
z.config(en());

/** Input vigil cannot read. `path` names where, e.g. `detail.requestParameters.secretId`; `problem` says what is wrong. */
export class InputError extends Error {
  override readonly name: string = 'InputError';
  constructor(
    readonly path: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${path || '(root)'}: ${problem}`, options);
  }

  /** The same error one level deeper in a container (a log file's `Records[3]`, an array's `[0]`). */
  within(prefix: string): this {
    const path = this.path ? (this.path.startsWith('[') ? `${prefix}${this.path}` : `${prefix}.${this.path}`) : prefix;
    const Kind = this.constructor as new (path: string, problem: string, options?: { cause?: unknown }) => this;
    return new Kind(path, this.problem, { cause: this.cause });
  }
}

/** Input vigil cannot read as any event shape it knows. */
export class InvalidEventError extends InputError {
  override readonly name: string = 'InvalidEventError';
}

export function joinPath(base: string, segments: readonly PropertyKey[]): string {
  let path = base;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path ? `.${String(segment)}` : String(segment);
  }
  return path;
}

/** The first zod issue as an InvalidEventError naming its path. */
export function fromZodError(error: z.core.$ZodError, base = ''): InvalidEventError {
  const issue = error.issues[0];
  if (!issue) return new InvalidEventError(base, 'invalid input');
  const problem = issue.message.replace(/^Invalid input: /, '');
  return new InvalidEventError(joinPath(base, issue.path), problem, { cause: error });
}
