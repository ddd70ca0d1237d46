import { gunzipSync } from 'node:zlib';
import * as z from 'zod/mini';
import { InputError, parseAwsDate, toIso } from '../events/index.js';
import type { SecretState, UnreadableField } from '../model/index.js';
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

export const snapshotSchema = z.looseObject({
  snapshotVersion: z.literal(1, 'expected snapshotVersion 1'),
  account: z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account ID as a string')),
  region: z.string().check(z.minLength(1)),
  capturedAt: z.union([z.string(), z.number()]),
  secrets: z.array(snapshotSecretSchema),
});

export interface Snapshot {
  account: string;
  region: string;
  /** ISO-8601 UTC. */
  capturedAt: string;
  secrets: SecretState[];
}

export type SnapshotDocument = z.input<typeof snapshotSchema>;

/** A parsed snapshot document (DESIGN.md's format) as SecretStates. */
export function parseSnapshot(input: unknown, where = 'snapshot'): Snapshot {
  const parsed = snapshotSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = [where, ...(issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[');
    throw new SnapshotError(path, (issue?.message ?? 'invalid').replace(/^Invalid input: /, ''), { cause: parsed.error });
  }
  const doc = parsed.data;
  try {
    const capturedAt = toIso(parseAwsDate(doc.capturedAt, `${where}.capturedAt`));
    const secrets = doc.secrets.map((secret, i) => {
      const at = `${where}.secrets[${i}]`;
      const key = secret.kmsKey;
      const { default: byName, ...otherResourcePolicies } = secret.resourcePolicies ?? {};
      return fromDescribeSecret(
        secret.describe,
        {
          resourcePolicy: secret.resourcePolicies ? (byName ?? null) : (secret.resourcePolicy ?? null),
          otherResourcePolicies,
          kmsKey: key ? { arn: key.Arn ?? null, keyManager: key.KeyManager ?? null, keyState: key.KeyState ?? null } : null,
          versions: secret.versions,
          unreadable: secret.unreadable ?? {},
        },
        `${at}.describe`,
      );
    });
    return { account: doc.account, region: doc.region, capturedAt, secrets };
  } catch (error) {
    if (error instanceof SecretStateError || error instanceof InputError) throw new SnapshotError(error.path, error.problem, { cause: error });
    throw error;
  }
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
