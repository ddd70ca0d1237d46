import type { Status } from '../controls/types.js';
import type { SecretState } from '../model/index.js';

/** A control's status per control id, as vigil last judged the secret. */
export type ControlStatuses = Record<string, Status>;

/**
 * What vigil remembers of one secret (`SECRET#<arn>`): its last known state, never a value, and how it came to know it.
 * Times are epoch seconds.
 */
export interface SecretRecord {
  arn: string;
  state: SecretState;
  /** Status of each control judged for the secret; a control not here is unknown. */
  statuses: ControlStatuses;
  /** The time the state is true as of: an event's time, or the time a sweep read it. Never goes back. */
  observedAt: number;
  /** AWS's LastChangedDate when the secret was last read in full: the sweep re-reads a secret when it moves. */
  lastChangedDate: number | null;
  /** When the per-secret reads (resource policy, key) were last made; null when the state came from events alone. */
  readAt: number | null;
  /** Set by events the state cannot follow exactly: the next sweep reads the secret again. */
  dirty: boolean;
  dirtyReason?: string;
  /** Set by the store, one more at every write; a writer that read version n may ask to write only over n (PutOptions). */
  version: number;
  /**
   * The last event applied, and the statuses before it: a redelivered event is judged against what came before it,
   * so an alert lost to a crash after the write is sent on retry (and the idempotency table stops a second send).
   */
  lastEvent?: { eventId: string; statusesBefore: ControlStatuses | null };
}

/** A secret as the key index holds it: enough to name it in a KMS alert without reading its record. */
export interface KeyIndexEntry {
  arn: string;
  name: string;
  kmsKeyId: string | null;
  kmsKeyArn: string | null;
}

/** The access baseline of one principal on one secret (`READER#<secretArn>#<principal>`). */
export interface ReaderBaseline {
  secretArn: string;
  principal: string;
  principalAccount: string | null;
  firstSeen: number;
  lastSeen: number;
  reads: number;
  denied: number;
  sourceIps: string[];
  vpcEndpoints: string[];
  userAgents: string[];
}

/** What a batch of read events adds to a baseline; merged by `mergeReader`. */
export type ReaderObservation = ReaderBaseline;

/** An audit item as stored, and the version the store gave it (one more at every write; 0 for one written without). */
export interface AuditItem {
  item: unknown;
  version: number;
}

/**
 * Per secret, what the access audit saw of all its readers (`WATCH#<secretArn>`). Principals judged at once share it, so
 * it is only ever merged: each fact in it stays true whoever adds more.
 */
export interface SecretWatchRecord {
  secretArn: string;
  /** Epoch milliseconds of the first read of it vigil saw. */
  firstRead: number;
  accounts: string[];
  readOutsideVpc: boolean;
}

/** What a writer merges into a secret's watch. */
export interface SecretWatchMerge extends SecretWatchRecord {
  /**
   * The writer loaded a later first read, or no watch (a backfill, a secret first read): the DynamoDB store lowers it in
   * the same write, under a condition, instead of a second one. Either way the earliest first read is kept.
   */
  lowersFirstRead?: boolean;
}

/** Where a checkpointed sweep stands; what it has read is in the secret records, not here. */
export interface SweepProgress {
  runId: string;
  /** Evaluation time of the whole run, epoch seconds. */
  startedAt: number;
  account: string;
  regions: string[];
  regionIndex: number;
  nextToken?: string;
  /** True for a full refresh: every secret is read again, whatever the store holds. */
  full: boolean;
  invocations: number;
  /** Per region so far: secrets read from AWS, secrets whose stored state was reused, and when the oldest of those was read. */
  freshness: Record<string, { readFresh: number; fromStore: number; oldestStoredAt: number | null }>;
  dropped: { arn: string; note: string }[];
  /** Operations an endpoint did not know, once per region. */
  unsupported?: { region: string; operation: string; consequence: string }[];
}

/** Facts about the store as a whole. */
export interface StoreMeta {
  /** When a sweep last completed: until then the store cannot answer "which secrets does this key protect". */
  filledAt: number | null;
  /** When a full refresh last completed. */
  lastFullAt: number | null;
}

export interface PutOptions {
  /**
   * Optimistic lock: write only over this version (null: only when nothing is stored). Without it, any older state is
   * replaced. Either way a state never replaces one observed later.
   */
  expectedVersion?: number | null;
}

/** `written`, or why not: a later state is stored (`stale`), or another writer came first (`conflict`). */
export type PutOutcome = 'written' | 'stale' | 'conflict';

/** vigil's memory: DynamoDB in AWS, a local file for the CLI. Every method is safe to retry. */
export interface StateStore {
  getSecret(arn: string): Promise<SecretRecord | undefined>;
  /** Records of these ARNs (those stored); for one ListSecrets page at a time. */
  getSecrets(arns: readonly string[]): Promise<Map<string, SecretRecord>>;
  /** Writes `record` (the store sets its version); refuses a state observed before the stored one. */
  putSecret(record: SecretRecord, options?: PutOptions): Promise<PutOutcome>;
  /** Forgets a secret (force-deleted), with its key index entries. */
  deleteSecret(arn: string): Promise<void>;
  /** Marks a stored secret for re-reading by the next sweep; nothing when it is not stored (a sweep reads it anyway). */
  markDirty(arn: string, reason: string): Promise<void>;
  /** The secrets encrypted under a key of any of these names (key ARN, key id, alias, multi-Region key id). */
  secretsByKey(keyNames: Iterable<string>): Promise<KeyIndexEntry[]>;
  /** Every stored secret record, a page at a time (the CLI's offline sweep). */
  allSecrets(): AsyncIterable<SecretRecord>;

  getReaders(secretArn: string): Promise<ReaderBaseline[]>;
  getReader(secretArn: string, principal: string): Promise<ReaderBaseline | undefined>;
  /** Merges observations into the stored baselines (first/last seen, counts, networks, agents) and returns the results. */
  updateReaders(observations: readonly ReaderObservation[]): Promise<ReaderBaseline[]>;
  /** The stored baselines of these secret+principal pairs, read in batches (one batch of read events needs them all). */
  getReadersOf(pairs: readonly { secretArn: string; principal: string }[]): Promise<ReaderBaseline[]>;

  /** The access audit's own items by key (`WINDOW#<principal>`), as the audit wrote them, each with its version. */
  getAuditItems(keys: readonly string[]): Promise<Map<string, AuditItem>>;
  /**
   * Writes an audit item only over the version read (null: only when nothing is stored), so two batches judged at once
   * never overwrite each other's window: the one that comes second is told `conflict` and judges again.
   */
  putAuditItem(key: string, item: unknown, expectedVersion: number | null): Promise<'written' | 'conflict'>;
  /** The stored watches of these secrets (`WATCH#<secretArn>`). */
  getSecretWatches(secretArns: readonly string[]): Promise<SecretWatchRecord[]>;
  /** Merges into the stored watches, never replacing one: the earliest first read, every account, read outside a VPC once. */
  mergeSecretWatches(watches: readonly SecretWatchMerge[]): Promise<void>;

  getSweepProgress(runId: string): Promise<SweepProgress | undefined>;
  putSweepProgress(progress: SweepProgress): Promise<void>;
  deleteSweepProgress(runId: string): Promise<void>;

  getMeta(): Promise<StoreMeta>;
  putMeta(meta: Partial<StoreMeta>): Promise<void>;
}
