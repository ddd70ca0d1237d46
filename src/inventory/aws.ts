import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, GetResourcePolicyCommand, ListSecretsCommand, type SecretListEntry, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pLimit from 'p-limit';
import pThrottle from 'p-throttle';
import type { KmsKeyState, SecretState } from '../model/index.js';
import type { SecretRecord, StateStore } from '../state/index.js';
import { fromDescribeSecret } from './state.js';

/** Secrets Manager allows 50 GetResourcePolicy requests a second per region; vigil stays a little under by default. */
export const DEFAULT_POLICY_RATE_PER_SECOND = 45;
export const DEFAULT_CONCURRENCY = 16;

export interface InventoryOptions {
  secretsManager: SecretsManagerClient;
  kms: KMSClient;
  /** GetResourcePolicy calls per second (the client-side limiter). */
  policyRatePerSecond?: number;
  /** GetResourcePolicy calls in flight at once. */
  concurrency?: number;
  /** Resume a region's listing where an earlier run stopped. */
  startToken?: string;
  /** Stop listing further pages once this returns true (the Lambda's remaining time); the next token is returned. */
  shouldStop?: () => boolean;
  /** List at most this many pages (of `pageSize` secrets) in this call; the next token is returned. */
  maxPages?: number;
  /** ListSecrets page size, 1 to 100. */
  pageSize?: number;
  /** Told of each secret as it is read (for a progress bar). */
  onSecret?: (done: number, total: number) => void;
  /** Handed each secret as soon as it is read, so a caller can judge it while the rest are read. */
  onState?: (state: SecretState) => void;
  /** Secrets Manager in another region: a replica's resource policy is read from its primary. */
  secretsManagerIn?: (region: string) => SecretsManagerClient;
  /** The state store: a secret whose LastChangedDate has not moved since it was read, and that no event marked, is not read again. */
  store?: StateStore;
  /** Read every secret again, whatever the store holds (the full refresh). */
  full?: boolean;
}

export interface InventoryNote {
  arn: string;
  note: string;
}

/** One secret as read, in DESIGN.md's snapshot shape (what `vigil snapshot` writes). */
export interface CapturedSecret {
  describe: SecretListEntry;
  resourcePolicy: string | null;
  kmsKey: { KeyId: string | null; Arn: string | null; KeyManager: string | null; KeyState: string | null } | null;
  unreadable: SecretState['unreadable'];
}

export interface Inventory {
  states: SecretState[];
  captured: CapturedSecret[];
  /** Secrets listed but gone before they could be read (deleted mid-sweep). */
  dropped: InventoryNote[];
  /** Where to continue, when shouldStop cut the listing short. */
  nextToken?: string;
  apiCalls: { listSecrets: number; getResourcePolicy: number; describeKey: number };
  /** With a store: the records found for the listed secrets, and which secrets were read fresh (the rest came from the store). */
  memory?: { stored: Map<string, SecretRecord>; fresh: Set<string> };
}

/**
 * A stored secret need not be read again when it was read in full, no event marked it, and AWS's LastChangedDate is the
 * one it had then. The key's state can change without it, so a key that is not Enabled is read again too.
 */
export function unchangedSince(stored: SecretRecord | undefined, entry: SecretListEntry): stored is SecretRecord {
  if (!stored || stored.dirty || stored.readAt === null || stored.lastChangedDate === null || !entry.LastChangedDate) return false;
  if (stored.state.kmsKey && stored.state.kmsKey.keyState !== 'Enabled') return false;
  return Math.floor(new Date(entry.LastChangedDate).getTime() / 1000) === Math.floor(stored.lastChangedDate) && (entry.KmsKeyId ?? null) === stored.state.kmsKeyId;
}

const AWS_MANAGED_ALIAS = 'alias/aws/secretsmanager';

/** Every secret of one region, as SecretStates, without ever asking for a value. */
export async function readInventory(options: InventoryOptions): Promise<Inventory> {
  const calls = { listSecrets: 0, getResourcePolicy: 0, describeKey: 0 };
  const entries: SecretListEntry[] = [];
  let token = options.startToken;
  do {
    calls.listSecrets += 1;
    const page = await options.secretsManager.send(new ListSecretsCommand({ IncludePlannedDeletion: true, MaxResults: options.pageSize ?? 100, NextToken: token }));
    entries.push(...(page.SecretList ?? []));
    token = page.NextToken;
  } while (token && calls.listSecrets < (options.maxPages ?? Number.POSITIVE_INFINITY) && !options.shouldStop?.());

  const stored = options.store ? await options.store.getSecrets(entries.map((e) => e.ARN as string)) : new Map<string, SecretRecord>();
  const fresh = new Set<string>();
  const rate = options.policyRatePerSecond ?? DEFAULT_POLICY_RATE_PER_SECOND;
  // strict: no 1-second span ever holds more than `rate` calls (the windowed default can bunch two windows' calls together).
  const throttle = pThrottle({ limit: rate, interval: 1000, strict: true });
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  const keys = new Map<string, Promise<KeyLookup>>();
  const dropped: InventoryNote[] = [];
  let done = 0;

  const getPolicy = throttle(async (entry: SecretListEntry) => {
    calls.getResourcePolicy += 1;
    const arn = entry.ARN as string;
    const region = arn.split(':')[3] as string;
    // AWS answers GetResourcePolicy for a replica only in the primary's region, where the policy lives.
    const primary = entry.PrimaryRegion && entry.PrimaryRegion !== region ? entry.PrimaryRegion : undefined;
    if (primary && options.secretsManagerIn) {
      return options.secretsManagerIn(primary).send(new GetResourcePolicyCommand({ SecretId: arn.replace(`:${region}:`, `:${primary}:`) }));
    }
    return options.secretsManager.send(new GetResourcePolicyCommand({ SecretId: arn }));
  });

  const describeKey = (keyId: string): Promise<KeyLookup> => {
    let lookup = keys.get(keyId);
    if (!lookup) {
      calls.describeKey += 1;
      lookup = options.kms.send(new DescribeKeyCommand({ KeyId: keyId })).then(
        (r): KeyLookup => ({ key: { arn: r.KeyMetadata?.Arn ?? null, keyManager: r.KeyMetadata?.KeyManager ?? null, keyState: r.KeyMetadata?.KeyState ?? null } }),
        (error: unknown): KeyLookup => ({ unreadable: describeError(error, 'kms:DescribeKey') }),
      );
      keys.set(keyId, lookup);
    }
    return lookup;
  };

  const read = await Promise.all(
    entries.map((entry) =>
      limit(async (): Promise<{ state: SecretState; captured: CapturedSecret } | undefined> => {
        const arn = entry.ARN as string;
        const known = stored.get(arn);
        if (!options.full && unchangedSince(known, entry)) {
          options.onSecret?.(++done, entries.length);
          const { resourcePolicy, kmsKey } = known.state;
          const unreadable: SecretState['unreadable'] = {};
          for (const field of ['resourcePolicy', 'kmsKey'] as const) if (known.state.unreadable[field]) unreadable[field] = known.state.unreadable[field];
          const state = fromDescribeSecret(entry, { resourcePolicy, kmsKey, unreadable }, `ListSecrets ${arn}`);
          const key = kmsKey ? { KeyId: entry.KmsKeyId ?? null, Arn: kmsKey.arn, KeyManager: kmsKey.keyManager, KeyState: kmsKey.keyState } : null;
          return { state, captured: { describe: entry, resourcePolicy, kmsKey: key, unreadable } };
        }
        fresh.add(arn);
        const unreadable: SecretState['unreadable'] = {};
        let resourcePolicy: string | null = null;
        try {
          resourcePolicy = (await getPolicy(entry)).ResourcePolicy ?? null;
        } catch (error) {
          if (errorName(error) === 'ResourceNotFoundException') {
            dropped.push({ arn, note: 'deleted while the sweep ran; not evaluated' });
            return undefined;
          }
          unreadable.resourcePolicy = describeError(error, 'secretsmanager:GetResourcePolicy');
        }
        let kmsKey: KmsKeyState | null = null;
        if (entry.KmsKeyId && entry.KmsKeyId !== AWS_MANAGED_ALIAS && !entry.KmsKeyId.endsWith(`:${AWS_MANAGED_ALIAS}`)) {
          const lookup = await describeKey(entry.KmsKeyId);
          if (lookup.key) kmsKey = lookup.key;
          else unreadable.kmsKey = lookup.unreadable;
        }
        options.onSecret?.(++done, entries.length);
        const state = fromDescribeSecret(entry, { resourcePolicy, kmsKey, unreadable }, `ListSecrets ${arn}`);
        options.onState?.(state);
        const key = kmsKey ? { KeyId: entry.KmsKeyId ?? null, Arn: kmsKey.arn, KeyManager: kmsKey.keyManager, KeyState: kmsKey.keyState } : null;
        return { state, captured: { describe: entry, resourcePolicy, kmsKey: key, unreadable } };
      }),
    ),
  );
  const kept = read.filter((r) => r !== undefined);
  const inventory: Inventory = { states: kept.map((r) => r.state), captured: kept.map((r) => r.captured), dropped, apiCalls: calls, ...(options.store ? { memory: { stored, fresh } } : {}) };
  if (token) inventory.nextToken = token;
  return inventory;
}

type KeyLookup = { key: KmsKeyState; unreadable?: undefined } | { key?: undefined; unreadable: string };

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** What a person needs from a failed read: the error's name and message, never a request's payload. */
function describeError(error: unknown, action: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return `${errorName(error)} on ${action}: ${message}`.slice(0, 300);
}

/**
 * The secrets of one region encrypted under a key, from ListSecrets pages alone (100 secrets a call): a key event needs each
 * secret's KmsKeyId, never its policy or its key's metadata, and keeps only the secrets under the key. (Once the state store
 * holds its key index, that index answers first.)
 */
export async function listSecretsUnderKey(secretsManager: SecretsManagerClient, underKey: (state: SecretState) => boolean): Promise<{ states: SecretState[]; listSecretsCalls: number }> {
  const states: SecretState[] = [];
  let calls = 0;
  let token: string | undefined;
  do {
    calls += 1;
    const page = await secretsManager.send(new ListSecretsCommand({ IncludePlannedDeletion: true, MaxResults: 100, NextToken: token }));
    for (const entry of page.SecretList ?? []) {
      const state = fromDescribeSecret(entry, { resourcePolicy: null, kmsKey: null, unreadable: { resourcePolicy: 'not read: a key event needs only the key id', kmsKey: 'not read: a key event needs only the key id' } }, `ListSecrets ${entry.ARN ?? ''}`);
      if (underKey(state)) states.push(state);
    }
    token = page.NextToken;
  } while (token);
  return { states, listSecretsCalls: calls };
}

/**
 * One secret, read now: DescribeSecret, its resource policy, its key. Undefined when the secret no longer exists.
 * What cannot be read is marked unreadable, as in a sweep.
 */
export async function readSecret(secretId: string, clients: { secretsManager: SecretsManagerClient; kms: KMSClient }): Promise<SecretState | undefined> {
  let described;
  try {
    described = await clients.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
  const unreadable: SecretState['unreadable'] = {};
  let resourcePolicy: string | null = null;
  try {
    resourcePolicy = (await clients.secretsManager.send(new GetResourcePolicyCommand({ SecretId: described.ARN }))).ResourcePolicy ?? null;
  } catch (error) {
    unreadable.resourcePolicy = describeError(error, 'secretsmanager:GetResourcePolicy');
  }
  let kmsKey: KmsKeyState | null = null;
  const keyId = described.KmsKeyId;
  if (keyId && keyId !== AWS_MANAGED_ALIAS && !keyId.endsWith(`:${AWS_MANAGED_ALIAS}`)) {
    try {
      const m = (await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
      kmsKey = { arn: m?.Arn ?? null, keyManager: m?.KeyManager ?? null, keyState: m?.KeyState ?? null };
    } catch (error) {
      unreadable.kmsKey = describeError(error, 'kms:DescribeKey');
    }
  }
  return fromDescribeSecret(described, { resourcePolicy, kmsKey, unreadable }, `DescribeSecret ${described.ARN}`);
}
