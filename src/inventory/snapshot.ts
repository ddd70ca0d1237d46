import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as z from 'zod/mini';
import { InputError, parseAwsDate, toIso } from '../events/index.js';
import type { SecretState, UnreadableField } from '../model/index.js';
import { JsonStreamError, jsonFileValues } from './json-stream.js';
import { SecretStateError, fromDescribeSecret } from './state.js';

/** A snapshot file that cannot be read, naming what and where (`acme.json: secrets[3].describe.ARN: …`). */
export class SnapshotError extends InputError {
  override readonly name: string = 'SnapshotError';
}

const UNREADABLE_FIELDS = ['resourcePolicy', 'kmsKey', 'lastAccessedAt', 'lastRotatedAt', 'nextRotationAt', 'rotationSchedule', 'replication'] as const satisfies readonly UnreadableField[];

const kmsKeySchema = z.looseObject({
  KeyId: z.optional(z.string()),
  Arn: z.optional(z.string()),
  KeyManager: z.optional(z.string()),
  KeyState: z.optional(z.string()),
  /** The key's alias names (kms:ListAliases); snapshots before 2026-12-05 lack it. */
  Aliases: z.optional(z.array(z.string())),
});

const snapshotSecretSchema = z.looseObject({
  describe: z.unknown().check(z.refine((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected DescribeSecret output (an object)')),
  resourcePolicy: z.nullish(z.string()),
  /** Every resource policy by name; where both are given it wins, and `resourcePolicy` is read as its `default`. */
  resourcePolicies: z.nullish(z.record(z.string().check(z.minLength(1)), z.string())),
  kmsKey: z.nullish(kmsKeySchema),
  versions: z.optional(z.unknown()),
  unreadable: z.optional(z.partialRecord(z.enum(UNREADABLE_FIELDS), z.string())),
});

const headerShape = {
  snapshotVersion: z.literal(1, 'expected snapshotVersion 1'),
  account: z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account ID as a string')),
  region: z.string().check(z.minLength(1)),
  capturedAt: z.union([z.string(), z.number()]),
};

/** A snapshot's fields beside its secrets. */
export const snapshotHeaderSchema = z.looseObject(headerShape);

export const snapshotSchema = z.looseObject({ ...headerShape, secrets: z.array(snapshotSecretSchema) });

export interface Snapshot {
  account: string;
  region: string;
  /** ISO-8601 UTC. */
  capturedAt: string;
  secrets: SecretState[];
}

export type SnapshotDocument = z.input<typeof snapshotSchema>;

/** A zod failure as a SnapshotError naming the path (`acme.json.secrets[3].describe`). */
function schemaError(where: string, error: z.core.$ZodError): SnapshotError {
  const issue = error.issues[0];
  const path = [where, ...(issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[');
  return new SnapshotError(path, (issue?.message ?? 'invalid').replace(/^Invalid input: /, ''), { cause: error });
}

/** Runs `read`, turning a bad secret or date into a SnapshotError naming where it is. */
function located<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SecretStateError || error instanceof InputError) throw new SnapshotError(error.path, error.problem, { cause: error });
    throw error;
  }
}

/** One validated entry of a snapshot's `secrets` as a SecretState; `at` is where it is (`acme.json.secrets[3]`). */
function snapshotSecret(secret: z.infer<typeof snapshotSecretSchema>, at: string): SecretState {
  const key = secret.kmsKey;
  const { default: byName, ...otherResourcePolicies } = secret.resourcePolicies ?? {};
  return fromDescribeSecret(
    secret.describe,
    {
      resourcePolicy: secret.resourcePolicies ? (byName ?? null) : (secret.resourcePolicy ?? null),
      otherResourcePolicies,
      kmsKey: key ? { arn: key.Arn ?? null, keyManager: key.KeyManager ?? null, keyState: key.KeyState ?? null, ...(key.Aliases ? { aliases: key.Aliases } : {}) } : null,
      versions: secret.versions,
      unreadable: secret.unreadable ?? {},
    },
    `${at}.describe`,
  );
}

/** A parsed snapshot document (DESIGN.md's format) as SecretStates. */
export function parseSnapshot(input: unknown, where = 'snapshot'): Snapshot {
  const parsed = snapshotSchema.safeParse(input);
  if (!parsed.success) throw schemaError(where, parsed.error);
  const doc = parsed.data;
  return located(() => ({
    account: doc.account,
    region: doc.region,
    capturedAt: toIso(parseAwsDate(doc.capturedAt, `${where}.capturedAt`)),
    secrets: doc.secrets.map((secret, i) => snapshotSecret(secret, `${where}.secrets[${i}]`)),
  }));
}

export type SnapshotHeader = Omit<Snapshot, 'secrets'>;

/** A snapshot read as a stream: its secrets one at a time, its header once known (before the first secret in vigil's own files). */
export interface SnapshotStream {
  secrets: AsyncGenerator<SecretState>;
  /** The account, region and capture time; throws before they were read (call it after the secrets). */
  header(): SnapshotHeader;
}

const HEADER_KEYS = Object.keys(headerShape);

/**
 * A snapshot file (JSON, optionally gzipped) read a chunk at a time: memory holds one secret's JSON, never the file. Each
 * secret is validated as it arrives, with the same errors as `readSnapshot`. `onHeader` is called as soon as the header
 * is known, so a caller can refuse a snapshot of the wrong account before judging it.
 */
export function streamSnapshot(file: string, where = file, onHeader?: (header: SnapshotHeader) => void): SnapshotStream {
  const fields: Record<string, unknown> = {};
  let header: SnapshotHeader | undefined;
  const readHeader = (): SnapshotHeader => {
    if (header) return header;
    const parsed = snapshotHeaderSchema.safeParse(fields);
    if (!parsed.success) throw schemaError(where, parsed.error);
    const doc = parsed.data;
    header = located(() => ({ account: doc.account, region: doc.region, capturedAt: toIso(parseAwsDate(doc.capturedAt, `${where}.capturedAt`)) }));
    onHeader?.(header);
    return header;
  };
  async function* secrets(): AsyncGenerator<SecretState> {
    let count = 0;
    try {
      for await (const { key, depth, value } of jsonFileValues(file, HEADER_KEYS.map((k) => `$.${k}`).concat('$.secrets.*'))) {
        if (depth === 1) {
          fields[String(key)] = value;
          continue;
        }
        if (typeof key !== 'number') throw new SnapshotError(`${where}.secrets`, 'expected an array');
        if (HEADER_KEYS.every((k) => k in fields)) readHeader();
        const at = `${where}.secrets[${key}]`;
        const parsed = snapshotSecretSchema.safeParse(value);
        if (!parsed.success) throw schemaError(at, parsed.error);
        count += 1;
        yield located(() => snapshotSecret(parsed.data, at));
      }
    } catch (cause) {
      if (cause instanceof JsonStreamError) throw new SnapshotError(where, cause.problem, { cause });
      throw cause;
    }
    // No secret came: an empty list, or no list at all. The file is then small: read it whole for the same errors as readSnapshot.
    if (count === 0) readSnapshot(readFileSync(file), where);
    readHeader();
  }
  return { secrets: secrets(), header: readHeader };
}

/** A snapshot file's bytes (JSON, optionally gzipped) as a Snapshot. */
export function readSnapshot(bytes: Uint8Array, where: string): Snapshot {
  let text: string;
  try {
    text = Buffer.from(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (cause) {
    throw new SnapshotError(where, 'not a readable gzip file', { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new SnapshotError(where, `not JSON (${(cause as Error).message})`, { cause });
  }
  return parseSnapshot(value, where);
}
