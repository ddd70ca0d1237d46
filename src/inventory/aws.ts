import { DescribeKeyCommand, ListAliasesCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, GetResourcePolicyCommand, ListSecretsCommand, type SecretListEntry, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pLimit from 'p-limit';
import pThrottle from 'p-throttle';
import { SecretsManagerCallError, secretsManager2026, type Bridge, type RawDescribeSecret } from '../aws/secrets-manager-2026.js';
import type { KmsKeyState, SecretState } from '../model/index.js';
import type { SecretRecord, StateStore } from '../state/index.js';
import { fromDescribeSecret } from './state.js';

/**
 * Secrets Manager allows 50 requests a second per region for each of DescribeSecret, ListResourcePolicies and
 * GetResourcePolicy, each its own quota; vigil keeps one limiter per operation, a little under, so they run side by side.
 */
export const DEFAULT_POLICY_RATE_PER_SECOND = 45;
export const DEFAULT_CONCURRENCY = 16;

export interface InventoryOptions {
  secretsManager: SecretsManagerClient;
  kms: KMSClient;
  /** Calls per second of each per-secret operation (one client-side limiter each). */
  policyRatePerSecond?: number;
  /** Secrets read at once. */
  concurrency?: number;
  /** The calls the SDK lacks; built from `secretsManager` when absent. */
  bridge?: Bridge;
  /** The bridge for another region's client (a replica's policies live in its primary's region). */
  bridgeIn?: (client: SecretsManagerClient) => Bridge;
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

/** An operation the endpoint does not know, said once per region: what the sweep could therefore not read. */
export interface UnsupportedRead {
  region: string;
  operation: string;
  consequence: string;
}

/** One secret as read, in DESIGN.md's snapshot shape (what `vigil snapshot` writes). */
export interface CapturedSecret {
  /** DescribeSecret output as the service sent it (dates as epoch seconds), or the ListSecrets entry when it could not be read. */
  describe: SecretListEntry | RawDescribeSecret;
  resourcePolicy: string | null;
  /** Every resource policy by name, `default` included. */
  resourcePolicies: Record<string, string>;
  /** `Aliases` only when kms:ListAliases was read (older snapshots lack it). */
  kmsKey: CapturedKey | null;
  unreadable: SecretState['unreadable'];
}

/** A key as a snapshot records it: DescribeKey's fields, and the key's alias names from ListAliases. */
export interface CapturedKey {
  KeyId: string | null;
  Arn: string | null;
  KeyManager: string | null;
  KeyState: string | null;
  Aliases?: string[];
}

export interface Inventory {
  states: SecretState[];
  captured: CapturedSecret[];
  /** Secrets listed but gone before they could be read (deleted mid-sweep). */
  dropped: InventoryNote[];
  /** Where to continue, when shouldStop cut the listing short. */
  nextToken?: string;
  /** Operations the endpoint does not know, once each. */
  unsupported: UnsupportedRead[];
  apiCalls: ApiCalls;
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

export interface ApiCalls {
  listSecrets: number;
  describeSecret: number;
  listResourcePolicies: number;
  getResourcePolicy: number;
  describeKey: number;
  listAliases: number;
}

const AWS_MANAGED_ALIAS = 'alias/aws/secretsmanager';

/** Every secret of one region, as SecretStates, without ever asking for a value. */
export async function readInventory(options: InventoryOptions): Promise<Inventory> {
  const calls: ApiCalls = { listSecrets: 0, describeSecret: 0, listResourcePolicies: 0, getResourcePolicy: 0, describeKey: 0, listAliases: 0 };
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
  // One limiter per operation, each its own quota, so reads of different operations run side by side. strict: no
  // 1-second span ever holds more than `rate` calls (the windowed default can bunch two windows' calls together).
  const limiter = () => pThrottle({ limit: rate, interval: 1000, strict: true });
  const limits = { describe: limiter(), list: limiter(), get: limiter() };
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  const keys = new Map<string, Promise<KeyLookup>>();
  const dropped: InventoryNote[] = [];
  const unsupported = new Map<string, UnsupportedRead>();
  let done = 0;
  const region = (arn: string) => arn.split(':')[3] as string;
  const bridgeOf = options.bridgeIn ?? secretsManager2026;
  const home = { client: options.secretsManager, bridge: options.bridge ?? bridgeOf(options.secretsManager) };
  const elsewhere = new Map<string, typeof home>();
  // AWS answers resource-policy reads for a replica only in the primary's region, where the policies live.
  const policyHome = (entry: SecretListEntry): { where: typeof home; arn: string } => {
    const arn = entry.ARN as string;
    const own = region(arn);
    const primary = entry.PrimaryRegion && entry.PrimaryRegion !== own ? entry.PrimaryRegion : undefined;
    if (!primary || !options.secretsManagerIn) return { where: home, arn };
    let where = elsewhere.get(primary);
    if (!where) {
      const client = options.secretsManagerIn(primary);
      where = { client, bridge: bridgeOf(client) };
      elsewhere.set(primary, where);
    }
    return { where, arn: arn.replace(`:${own}:`, `:${primary}:`) };
  };
  const note = (at: string, operation: string, consequence: string) => {
    if (!unsupported.has(`${at} ${operation}`)) unsupported.set(`${at} ${operation}`, { region: at, operation, consequence });
  };

  // Once an endpoint has said it does not know an operation, the answer stands without a call or a wait for the limiter.
  const describeLimited = limits.describe((arn: string) => {
    calls.describeSecret += 1;
    return home.bridge.describeSecret(arn);
  });
  const describe = (arn: string) => {
    const known = home.bridge.unsupported('DescribeSecret');
    return known ? Promise.resolve(known) : describeLimited(arn);
  };
  const listLimited = limits.list((bridge: Bridge, arn: string) => {
    calls.listResourcePolicies += 1;
    return bridge.listResourcePolicies(arn);
  });
  const listPolicies = (bridge: Bridge, arn: string) => {
    const known = bridge.unsupported('ListResourcePolicies');
    return known ? Promise.resolve(known) : listLimited(bridge, arn);
  };
  const getNamedPolicy = limits.get((bridge: Bridge, arn: string, name: string) => {
    calls.getResourcePolicy += 1;
    return bridge.getResourcePolicy(arn, name);
  });
  const getDefaultPolicy = limits.get(async (client: SecretsManagerClient, arn: string) => {
    calls.getResourcePolicy += 1;
    return (await client.send(new GetResourcePolicyCommand({ SecretId: arn }))).ResourcePolicy ?? null;
  });

  const readPolicies = async (entry: SecretListEntry): Promise<Record<string, string>> => {
    const { where, arn } = policyHome(entry);
    const names = await listPolicies(where.bridge, arn);
    if (!names.supported) {
      note(region(arn), 'ListResourcePolicies', 'only each secret\'s default resource policy was read; a policy Secrets Manager attaches itself (cross-account-replication) was not');
      const text = await getDefaultPolicy(where.client, arn);
      return text === null ? {} : { default: text };
    }
    const read = await Promise.all(names.value.map(async (name) => [name, await getNamedPolicy(where.bridge, arn, name)] as const));
    const policies: Record<string, string> = {};
    for (const [name, answer] of read) {
      if (!answer.supported) throw new Error(`${answer.why}, though it listed the policy ${name}`);
      if (answer.value !== null) Object.defineProperty(policies, name, { value: answer.value, enumerable: true, writable: true, configurable: true });
    }
    return policies;
  };

  // The region's aliases, listed once (paged) when the first key is described: an alias in allowedKmsKeyArns resolves through them.
  let aliases: Promise<KeyAliases> | undefined;
  const describeKey = (keyId: string): Promise<KeyLookup> => {
    let lookup = keys.get(keyId);
    if (!lookup) {
      calls.describeKey += 1;
      aliases ??= listKeyAliases(options.kms, (n) => (calls.listAliases += n));
      const listed = aliases;
      lookup = options.kms.send(new DescribeKeyCommand({ KeyId: keyId })).then(
        async (r): Promise<KeyLookup> => ({ key: withAliases({ arn: r.KeyMetadata?.Arn ?? null, keyManager: r.KeyMetadata?.KeyManager ?? null, keyState: r.KeyMetadata?.KeyState ?? null }, await listed) }),
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
          const otherResourcePolicies = { ...(known.state.otherResourcePolicies ?? {}) };
          if (known.state.unreadable.replication) unreadable.replication = known.state.unreadable.replication;
          // What only DescribeSecret shows is kept from the stored read (replication status can move without LastChangedDate: the full refresh rereads it).
          const state: SecretState = {
            ...fromDescribeSecret(entry, { resourcePolicy, otherResourcePolicies, kmsKey, unreadable }, `ListSecrets ${arn}`),
            regionReplicas: known.state.regionReplicas ?? [],
            crossAccountReplicas: known.state.crossAccountReplicas ?? [],
            crossAccountPrimary: known.state.crossAccountPrimary ?? null,
            secretType: known.state.secretType ?? null,
            externalRotationRoleArn: known.state.externalRotationRoleArn ?? null,
          };
          const key = capturedKey(entry.KmsKeyId, kmsKey);
          const resourcePolicies = resourcePolicy === null ? { ...otherResourcePolicies } : { ...otherResourcePolicies, default: resourcePolicy };
          return { state, captured: { describe: entry, resourcePolicy, resourcePolicies, kmsKey: key, unreadable } };
        }
        fresh.add(arn);
        const unreadable: SecretState['unreadable'] = {};
        const [described, policies] = await Promise.all([
          describe(arn).then(
            (answer) => answer,
            (error: unknown) => ({ error }),
          ),
          readPolicies(entry).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          ),
        ]);
        if (('error' in described && isNotFound(described.error)) || ('error' in policies && isNotFound(policies.error))) {
          dropped.push({ arn, note: 'deleted while the sweep ran; not evaluated' });
          return undefined;
        }
        let describeOutput: SecretListEntry | RawDescribeSecret = entry;
        if ('error' in described) unreadable.replication = describeError(described.error, 'secretsmanager:DescribeSecret');
        else if (!described.supported) note(region(arn), 'DescribeSecret', 'replication was judged from ListSecrets, which does not show cross-account replicas');
        else describeOutput = described.value;
        let resourcePolicies: Record<string, string> = {};
        if ('error' in policies) unreadable.resourcePolicy = describeError(policies.error, policyAction(policies.error));
        else resourcePolicies = policies.value;
        let kmsKey: KmsKeyState | null = null;
        if (entry.KmsKeyId && entry.KmsKeyId !== AWS_MANAGED_ALIAS && !entry.KmsKeyId.endsWith(`:${AWS_MANAGED_ALIAS}`)) {
          const lookup = await describeKey(entry.KmsKeyId);
          if (lookup.key) kmsKey = lookup.key;
          else unreadable.kmsKey = lookup.unreadable;
        }
        options.onSecret?.(++done, entries.length);
        const { default: resourcePolicy = null, ...otherResourcePolicies } = resourcePolicies;
        const state = fromDescribeSecret(describeOutput, { resourcePolicy, otherResourcePolicies, kmsKey, unreadable }, `DescribeSecret ${arn}`);
        options.onState?.(state);
        const key = capturedKey(entry.KmsKeyId, kmsKey);
        return { state, captured: { describe: describeOutput, resourcePolicy, resourcePolicies, kmsKey: key, unreadable } };
      }),
    ),
  );
  const kept = read.filter((r) => r !== undefined);
  const inventory: Inventory = { states: kept.map((r) => r.state), captured: kept.map((r) => r.captured), dropped, unsupported: [...unsupported.values()], apiCalls: calls, ...(options.store ? { memory: { stored, fresh } } : {}) };
  if (token) inventory.nextToken = token;
  return inventory;
}

type KeyLookup = { key: KmsKeyState; unreadable?: undefined } | { key?: undefined; unreadable: string };

/** Alias names by the id of the key they point to; undefined when kms:ListAliases could not be read. */
type KeyAliases = Map<string, string[]> | undefined;

/**
 * The aliases of a region's keys (kms:ListAliases, 100 a page), or of one key with `keyId`. Undefined when they cannot be
 * read (AccessDenied): the key control then says that an alias entry matched only the alias a secret names.
 */
export async function listKeyAliases(kms: KMSClient, counted: (calls: number) => void = () => undefined, keyId?: string): Promise<KeyAliases> {
  const byKey = new Map<string, string[]>();
  let marker: string | undefined;
  try {
    do {
      counted(1);
      const page = await kms.send(new ListAliasesCommand({ Limit: 100, ...(keyId ? { KeyId: keyId } : {}), ...(marker ? { Marker: marker } : {}) }));
      for (const alias of page.Aliases ?? []) {
        if (!alias.TargetKeyId || !alias.AliasName) continue;
        byKey.set(alias.TargetKeyId, [...(byKey.get(alias.TargetKeyId) ?? []), alias.AliasName]);
      }
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
  } catch {
    return undefined;
  }
  return byKey;
}

/** The key with its aliases, sorted, when they were listed. */
function withAliases(key: KmsKeyState, aliases: KeyAliases): KmsKeyState {
  const id = key.arn?.split(':key/')[1];
  return aliases && id !== undefined ? { ...key, aliases: [...(aliases.get(id) ?? [])].sort() } : key;
}

/** The key as a snapshot records it. */
function capturedKey(keyId: string | undefined, key: KmsKeyState | null): CapturedKey | null {
  if (!key) return null;
  return { KeyId: keyId ?? null, Arn: key.arn, KeyManager: key.keyManager, KeyState: key.keyState, ...(key.aliases ? { Aliases: key.aliases } : {}) };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

const isNotFound = (error: unknown) => errorName(error) === 'ResourceNotFoundException';

const policyAction = (error: unknown) => (error instanceof SecretsManagerCallError ? `secretsmanager:${error.operation}` : 'secretsmanager:GetResourcePolicy');

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
 * One secret, read now: DescribeSecret (through the bridge, which keeps the 2026 fields), every resource policy, its key.
 * Undefined when the secret no longer exists. What cannot be read is marked unreadable, as in a sweep.
 */
export async function readSecret(secretId: string, clients: { secretsManager: SecretsManagerClient; kms: KMSClient; bridge?: Bridge }): Promise<SecretState | undefined> {
  const bridge = clients.bridge ?? secretsManager2026(clients.secretsManager);
  let described: SecretListEntry | RawDescribeSecret;
  try {
    const answer = await bridge.describeSecret(secretId);
    described = answer.supported ? answer.value : await clients.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const arn = described.ARN as string;
  const unreadable: SecretState['unreadable'] = {};
  const policies: Record<string, string> = {};
  try {
    const names = await bridge.listResourcePolicies(arn);
    if (names.supported) {
      for (const name of names.value) {
        const text = await bridge.getResourcePolicy(arn, name);
        if (text.supported && text.value !== null) Object.defineProperty(policies, name, { value: text.value, enumerable: true, writable: true, configurable: true });
      }
    } else {
      const text = (await clients.secretsManager.send(new GetResourcePolicyCommand({ SecretId: arn }))).ResourcePolicy;
      if (text) policies['default'] = text;
    }
  } catch (error) {
    unreadable.resourcePolicy = describeError(error, policyAction(error));
  }
  let kmsKey: KmsKeyState | null = null;
  const keyId = described.KmsKeyId;
  if (keyId && keyId !== AWS_MANAGED_ALIAS && !keyId.endsWith(`:${AWS_MANAGED_ALIAS}`)) {
    try {
      const m = (await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
      kmsKey = { arn: m?.Arn ?? null, keyManager: m?.KeyManager ?? null, keyState: m?.KeyState ?? null };
      // This key's aliases alone (ListAliases by KeyId): the event Lambda and the Config rule judge an alias entry as the sweep does.
      if (m?.KeyId) kmsKey = withAliases(kmsKey, await listKeyAliases(clients.kms, undefined, m.KeyId));
    } catch (error) {
      unreadable.kmsKey = describeError(error, 'kms:DescribeKey');
    }
  }
  const { default: resourcePolicy = null, ...otherResourcePolicies } = policies;
  return fromDescribeSecret(described, { resourcePolicy, otherResourcePolicies, kmsKey, unreadable }, `DescribeSecret ${arn}`);
}
