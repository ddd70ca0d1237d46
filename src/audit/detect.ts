import type { Severity } from '../controls/types.js';
import { accountOfArn, looksLikeFullSecretArn } from '../events/references.js';
import {
  accessDeniedProbing,
  batchRetrieval,
  bulkRetrieval,
  burstCounter,
  honeytokenRead,
  newAccountOf,
  newNetworkPath,
  newReader,
  newReaderAccount,
  outsideVpc,
  pruneBursts,
  pruneProbing,
  rootRead,
  storedBurst,
  type AuditParams,
  type BurstCounter,
  type Probing,
  type RaisedNear,
  type SecretRead,
  type Signal,
} from './detections/index.js';
import { renderDetection, type OpenDetection } from './messages.js';
import { RecentReads, hash53 } from './recent.js';
import { readerKey, type AuditState, type Detection, type DetectionKind, type PendingReads, type PrincipalWindow, type ReadEvent, type ReaderBaseline, type WatchChange } from './types.js';

export type { AuditParams } from './detections/index.js';

/** What vigil knows of the secrets themselves: their ARNs by name, and which are honeytokens. */
export interface SecretDirectory {
  /** The full ARN of the secret a request named (name, partial or full ARN), when known. */
  resolve(secretId: string, account: string, region: string): string | undefined;
  /** Whether the secret (its ARN, or a name as called in that account and region) is a decoy. */
  isHoneytoken(secret: string, account: string, region: string): boolean;
}

export interface AuditContext {
  params: AuditParams;
  directory?: SecretDirectory;
  /** Write every baseline touched (the CLI's local file), instead of only those due (the Lambda's DynamoDB table). */
  writeAll?: boolean;
}

/** What one run changed: the items to write back (one per secret+principal, secret and principal at most). */
export interface AuditChanges {
  /** The readers written, as they now are. */
  readers: ReaderBaseline[];
  /** What each written reader gained in this run and before it: what the store merges into its item. */
  observations: ReaderBaseline[];
  /** Per principal and secret, what its reads add to the secret's watch. */
  watches: WatchChange[];
  windows: PrincipalWindow[];
}

export interface AuditRun {
  detections: Detection[];
  changes: AuditChanges;
  /** Read events judged (duplicates by event ID dropped). */
  judged: number;
  /** The same, per principal. */
  judgedBy: Map<string, number>;
  /** Read events dropped because their event ID was already counted, in this input or an earlier one. */
  duplicates: number;
}

/** A reader's baseline is written when it is new, reads through a new VPC endpoint, gains older reads (a backfill), or once per this interval (refreshSlot). */
export const BASELINE_WRITE_INTERVAL_MS = 15 * 60_000;

const SEVERITY_RANK: Record<Severity, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
const MAX_LIST = 20;

/**
 * Judges read events in event time against the baselines and windows in `state`, which it updates in place: each read
 * goes through the detection functions of src/audit/detections/, whose signals of one kind and key within a window of each
 * other make one detection, then teaches the secret's watch and the reader's baseline what it showed.
 * Pure: time comes from the events, the baselines from `state`, which the caller loads and saves.
 */
export function auditReads(reads: readonly ReadEvent[], state: AuditState, context: AuditContext): AuditRun {
  const params = context.params;
  const directory = context.directory;
  const windowMs = params.bulkWindowMinutes * 60_000;
  const trusted = new Set(params.trustedAccounts);
  const trustedIn = new Map<string, Set<string>>();
  // Whom a secret's account trusts: its own entry in `accounts`, else the document's list.
  const trusts = (account: string, reader: string): boolean => {
    const own = params.accounts?.[account]?.trustedAccounts;
    if (!own) return trusted.has(reader);
    let set = trustedIn.get(account);
    if (!set) trustedIn.set(account, (set = new Set(own)));
    return set.has(reader);
  };
  const open = new Map<string, OpenDetection>();
  const detections: OpenDetection[] = [];
  const touchedPairs: Pair[] = [];
  const watchChanges: WatchChange[] = [];
  // Per secret, its first read as loaded (Infinity: its watch begins in this run): each principal reading it earlier (a
  // backfill) adds its own first read to the watch.
  const firstReadBefore = new Map<string, number>();
  const changeOf = (pair: Pair, read: ReadEvent): WatchChange => {
    if (!pair.watchChange) watchChanges.push((pair.watchChange = { secretArn: pair.secret, principal: read.principal, firstRead: read.time, accounts: [], readOutsideVpc: false }));
    return pair.watchChange;
  };
  const live = new Map<string, LiveWindow>();

  // A signal joins the detection of its kind and key within a window of it, else raises a new one.
  const raise = (signal: Signal | undefined, read: ReadEvent): void => {
    if (!signal) return;
    const id = `${signal.kind}#${signal.key}`;
    const events = signal.events ?? [[read.eventId, read.time]];
    let current = open.get(id);
    if (current && near(current, read.time, windowMs)) {
      extend(current, signal.joinOnly ? current.severity : signal.severity, read, signal.secrets, events);
    } else if (!signal.joinOnly) {
      const fresh: OpenDetection = { kind: signal.kind, severity: signal.severity, principal: read.principal, secrets: new Set(), events: new Map(), eventCount: 0, first: read.time, last: read.time, sourceIps: new Set(), vpcEndpoints: new Set(), userAgents: new Set(), filters: [] };
      if (read.principalAccount !== undefined) fresh.principalAccount = read.principalAccount;
      extend(fresh, signal.severity, read, signal.secrets, events);
      open.set(id, fresh);
      detections.push(fresh);
      current = fresh;
    } else return;
    if (signal.filters) current.filters.push(...signal.filters);
  };

  const raisedNear =
    (kind: DetectionKind, principal: string): RaisedNear =>
    (time) => {
      const raised = open.get(`${kind}#${principal}`);
      return raised !== undefined && near(raised, time, windowMs);
    };

  let judged = 0;
  let duplicates = 0;
  for (const read of inEventTime(reads)) {
    let window = live.get(read.principal);
    if (!window) {
      window = liveWindow(windowOf(state, read.principal), state, directory, windowMs, raisedNear('bulk-retrieval', read.principal), raisedNear('access-denied-probing', read.principal));
      live.set(read.principal, window);
    }
    if (!window.recent.firstDelivery(read)) {
      duplicates++;
      continue;
    }
    judged++;
    window.judged++;
    window.newest = read.time;

    if (read.eventName === 'BatchGetSecretValue') {
      const secrets = read.secretIds.map((id) => secretKeyOf(id, read, directory));
      for (const signal of honeytokenRead(read, secrets.filter((secret, i) => isHoneytoken(directory, secret, read.secretIds[i] as string, read)))) raise(signal, read);
      // Secrets Manager also logs a GetSecretValue per secret a batch returns; those count the reads, this judges the call.
      raise(batchRetrieval(read, secrets, params), read);
      continue;
    }
    const secretId = read.secretIds[0];
    if (secretId === undefined) continue;
    const pair = pairOf(window, secretId, read);
    const secret = pair.secret;
    for (const signal of honeytokenRead(read, pair.honeytoken ? [secret] : [])) raise(signal, read);
    // A call that failed but was not denied (ResourceNotFoundException, DecryptionFailure, throttling) returned no value and
    // was refused by no policy: it is neither a read nor a denial, in the baseline or a burst.
    if (read.errorCode !== undefined && !read.denied) continue;
    let watch = state.secrets.get(secret);
    let firstRead = firstReadBefore.get(secret);
    if (firstRead === undefined) firstReadBefore.set(secret, (firstRead = watch?.firstRead ?? Infinity));
    const watchedBefore = watch !== undefined;
    if (!watch) {
      watch = { secretArn: secret, firstRead: read.time, accounts: [], readOutsideVpc: false };
      state.secrets.set(secret, watch);
    } else if (read.time < watch.firstRead) watch.firstRead = read.time;
    // A pair's first read in the run is its earliest: the watch change it makes carries it.
    if (!pair.touched && read.time < firstRead) changeOf(pair, read).lowersFirstRead = true;
    const stored = pair.stored;
    const pending = window.pending.get(secret);
    const everRead = (stored?.reads ?? 0) + (pending?.reads ?? 0) > 0;
    if (read.vpcEndpointId !== undefined && !(stored?.vpcEndpoints.includes(read.vpcEndpointId) ?? false)) pair.newVpce = true;
    addPending(window.pending, pending, secret, read);
    if (!pair.touched) {
      pair.touched = true;
      touchedPairs.push(pair);
    }

    if (read.denied) {
      raise(accessDeniedProbing(window.probing, read, secret, params, window.raisedProbe), read);
      continue;
    }
    const judgedRead: SecretRead = { read, secret, ownAccount: pair.ownAccount, watch, watchedBefore, everRead };
    raise(rootRead(judgedRead), read);
    raise(accessDeniedProbing(window.probing, read, secret, params, window.raisedProbe), read);
    raise(bulkRetrieval(window.reads, read, secret, params, window.raisedBulk), read);
    raise(newReaderAccount(judgedRead, trusts), read);
    raise(newReader(judgedRead, params), read);
    raise(newNetworkPath(judgedRead, params), read);

    // What the read teaches the secret's watch, once every detection judged it against what the watch knew.
    const account = newAccountOf(judgedRead);
    if (account !== undefined && watch.accounts.length < 100) {
      watch.accounts.push(account);
      changeOf(pair, read).accounts.push(account);
    }
    if (outsideVpc(read) && !watch.readOutsideVpc) {
      watch.readOutsideVpc = true;
      changeOf(pair, read).readOutsideVpc = true;
    }
  }

  const changes: AuditChanges = { readers: [], observations: [], watches: watchChanges, windows: [] };
  for (const pair of touchedPairs) {
    const window = live.get(pair.principal) as LiveWindow;
    const pending = window.pending.get(pair.secret);
    if (!pending) continue;
    const key = readerKey(pair.secret, pair.principal);
    const stored = state.readers.get(key);
    const due = context.writeAll || !stored || pair.newVpce || stored.reads + stored.denied === 0 || pending.firstSeen < stored.firstSeen || refreshSlot(key, pending.lastSeen) > refreshSlot(key, stored.lastSeen);
    if (!due) continue;
    const merged = mergeReader(stored, pending, pair.secret, pair.principal, pair.principalAccount);
    state.readers.set(key, merged);
    window.pending.delete(pair.secret);
    changes.readers.push(merged);
    changes.observations.push(mergeReader(undefined, pending, pair.secret, pair.principal, pair.principalAccount));
  }
  const judgedBy = new Map<string, number>();
  for (const [principal, window] of live) {
    changes.windows.push(storeWindow(window, windowMs));
    judgedBy.set(principal, window.judged);
  }
  return { detections: detections.map(renderDetection), changes, judged, judgedBy, duplicates };
}

/**
 * The refresh slot of a reader's baseline at `time`: a reader item is written again once its reads reach a later slot.
 * Slots are BASELINE_WRITE_INTERVAL_MS long and offset per reader by a hash of its key, so the readers one batch learned
 * are refreshed spread over the interval, not all in the batch that crosses it.
 */
export function refreshSlot(readerKey: string, time: number): number {
  return Math.floor((time + (hash53(readerKey) % BASELINE_WRITE_INTERVAL_MS)) / BASELINE_WRITE_INTERVAL_MS);
}

/** One principal's reads of one secret as called, worked out once per run: the secret, its baseline, whether it is a decoy. */
interface Pair {
  secret: string;
  principal: string;
  principalAccount?: string;
  recipientAccount: string;
  region: string;
  /** The account the secret belongs to. */
  ownAccount: string;
  honeytoken: boolean;
  stored: ReaderBaseline | undefined;
  newVpce: boolean;
  touched: boolean;
  /** What this principal's reads add to the secret's watch, once they add anything. */
  watchChange?: WatchChange;
}

/** A principal's window while a run judges it: the stored window's entries by secret, in event time. */
interface LiveWindow {
  stored: PrincipalWindow;
  recent: RecentReads;
  /** Successful reads, for bulk-retrieval (and probing followed by a success). */
  reads: BurstCounter;
  probing: Probing;
  /** Secret -> reader additions not yet written (a Map: a secret may be called anything, `__proto__` too). */
  pending: Map<string, PendingReads>;
  /** Secret as called -> its pair (a principal calls its secrets the same way every time). */
  pairs: Map<string, Pair>;
  /** Reads of the principal judged in this run, and the time of the newest (they come in event time). */
  judged: number;
  newest: number;
  /** Whether this run raised a bulk-retrieval or access-denied-probing of the principal within a window of a time. */
  raisedBulk: RaisedNear;
  raisedProbe: RaisedNear;
  state: AuditState;
  directory: SecretDirectory | undefined;
}

function liveWindow(stored: PrincipalWindow, state: AuditState, directory: SecretDirectory | undefined, windowMs: number, raisedBulk: RaisedNear, raisedProbe: RaisedNear): LiveWindow {
  const probing: Probing = { denials: burstCounter(stored.denials, stored.probeBurst, windowMs), successes: stored.successes ?? [] };
  if (stored.probedAt !== undefined) probing.probedAt = stored.probedAt;
  return {
    stored,
    recent: new RecentReads(stored.recent),
    reads: burstCounter(stored.reads, stored.bulkBurst, windowMs),
    probing,
    pending: new Map(Object.entries(stored.pending)),
    pairs: new Map(),
    judged: 0,
    newest: -Infinity,
    raisedBulk,
    raisedProbe,
    state,
    directory,
  };
}

/** Whether a read at `time` is within a window of a detection's events, before or after them. */
function near(detection: OpenDetection, time: number, windowMs: number): boolean {
  return time >= detection.first - windowMs && time <= detection.last + windowMs;
}

function pairOf(window: LiveWindow, secretId: string, read: ReadEvent): Pair {
  const first = window.pairs.get(secretId);
  // The same name called in another account or region is another secret: its pair is kept under a longer key.
  const key = !first || (first.region === read.region && first.recipientAccount === read.recipientAccount) ? secretId : `${read.recipientAccount}:${read.region}:${secretId}`;
  const known = key === secretId ? first : window.pairs.get(key);
  if (known) return known;
  const secret = secretKeyOf(secretId, read, window.directory);
  const pair: Pair = {
    secret,
    principal: read.principal,
    ...(read.principalAccount ? { principalAccount: read.principalAccount } : {}),
    recipientAccount: read.recipientAccount,
    region: read.region,
    ownAccount: (looksLikeFullSecretArn(secret) ? accountOfArn(secret) : undefined) ?? read.recipientAccount,
    honeytoken: isHoneytoken(window.directory, secret, secretId, read),
    stored: window.state.readers.get(readerKey(secret, read.principal)),
    newVpce: false,
    touched: false,
  };
  window.pairs.set(key, pair);
  return pair;
}

function storeWindow(window: LiveWindow, windowMs: number): PrincipalWindow {
  // What no read from the newest on can be in a window with is not kept (the detections prune what they count as they go).
  prune(window, window.newest - windowMs);
  const stored = window.stored;
  stored.reads = window.reads.times.toStored();
  stored.denials = window.probing.denials.times.toStored();
  stored.pending = Object.fromEntries(window.pending);
  stored.recent = window.recent.toStored();
  const bulkBurst = storedBurst(window.reads);
  const probeBurst = storedBurst(window.probing.denials);
  if (bulkBurst) stored.bulkBurst = bulkBurst;
  else delete stored.bulkBurst;
  if (probeBurst) stored.probeBurst = probeBurst;
  else delete stored.probeBurst;
  if (window.probing.probedAt !== undefined) stored.probedAt = window.probing.probedAt;
  else delete stored.probedAt;
  if (window.probing.successes.length) stored.successes = window.probing.successes;
  else delete stored.successes;
  return stored;
}

/** Forgets what ended before `since`: the reads, the bursts and the probing no read from then on can be in a window with. */
function prune(window: LiveWindow, since: number): void {
  pruneBursts(window.reads, since);
  pruneProbing(window.probing, since);
}

/** The reads in event time: as given when they already are (CloudTrail files mostly are), else a sorted copy. */
function inEventTime(reads: readonly ReadEvent[]): readonly ReadEvent[] {
  for (let i = 1; i < reads.length; i++) if ((reads[i] as ReadEvent).time < (reads[i - 1] as ReadEvent).time) return [...reads].sort((a, b) => a.time - b.time);
  return reads;
}

function isHoneytoken(directory: SecretDirectory | undefined, secret: string, asCalled: string, read: Pick<ReadEvent, 'recipientAccount' | 'region'>): boolean {
  if (!directory) return false;
  return directory.isHoneytoken(secret, read.recipientAccount, read.region) || (asCalled !== secret && directory.isHoneytoken(asCalled, read.recipientAccount, read.region));
}

function addPending(pendings: Map<string, PendingReads>, known: PendingReads | undefined, secret: string, read: ReadEvent): void {
  let p = known;
  if (!p) pendings.set(secret, (p = { reads: 0, denied: 0, firstSeen: read.time, lastSeen: read.time, sourceIps: [], vpcEndpoints: [], userAgents: [] }));
  if (read.denied) p.denied++;
  else p.reads++;
  if (read.time > p.lastSeen) p.lastSeen = read.time;
  if (read.time < p.firstSeen) p.firstSeen = read.time;
  if (read.sourceIp) addRecent(p.sourceIps, read.sourceIp);
  if (read.vpcEndpointId) addRecent(p.vpcEndpoints, read.vpcEndpointId);
  if (read.userAgent) addRecent(p.userAgents, read.userAgent);
}

/** The stored baseline with the additions of its pending reads: what the reader item holds once written. */
export function mergeReader(stored: ReaderBaseline | undefined, pending: PendingReads | undefined, secret: string, principal: string, principalAccount?: string): ReaderBaseline {
  const reader: ReaderBaseline = stored
    ? { ...stored, sourceIps: [...stored.sourceIps], vpcEndpoints: [...stored.vpcEndpoints], userAgents: [...stored.userAgents] }
    : { secretArn: secret, principal, firstSeen: pending?.firstSeen ?? 0, lastSeen: pending?.lastSeen ?? 0, reads: 0, denied: 0, sourceIps: [], vpcEndpoints: [], userAgents: [] };
  if (principalAccount !== undefined && reader.principalAccount === undefined) reader.principalAccount = principalAccount;
  if (!pending) return reader;
  reader.reads += pending.reads;
  reader.denied += pending.denied;
  reader.firstSeen = Math.min(reader.firstSeen, pending.firstSeen);
  reader.lastSeen = Math.max(reader.lastSeen, pending.lastSeen);
  for (const ip of pending.sourceIps) addRecent(reader.sourceIps, ip);
  for (const vpce of pending.vpcEndpoints) addRecent(reader.vpcEndpoints, vpce);
  for (const ua of pending.userAgents) addRecent(reader.userAgents, ua);
  return reader;
}

/** Keeps the most recent distinct values, at most MAX_LIST: an application's changing addresses stay bounded. */
function addRecent(list: string[], value: string): void {
  const at = list.indexOf(value);
  if (at === list.length - 1 && at >= 0) return;
  if (at >= 0) list.splice(at, 1);
  list.push(value);
  if (list.length > MAX_LIST) list.shift();
}

function windowOf(state: AuditState, principal: string): PrincipalWindow {
  let window = state.windows.get(principal);
  if (!window) {
    window = { principal, reads: {}, denials: {}, pending: {} };
    state.windows.set(principal, window);
  }
  return window;
}

/** The secret a request named: its ARN when known, else the identifier as called. */
export function secretKeyOf(secretId: string, read: Pick<ReadEvent, 'recipientAccount' | 'region'>, directory: SecretDirectory | undefined): string {
  return directory?.resolve(secretId, read.recipientAccount, read.region) ?? secretId;
}

function extend(detection: OpenDetection, severity: Severity, read: ReadEvent, secrets: readonly string[], events: readonly [string, number][]): void {
  if (SEVERITY_RANK[severity] > SEVERITY_RANK[detection.severity]) detection.severity = severity;
  for (const s of secrets) detection.secrets.add(s);
  for (const [id, time] of events) {
    if (detection.events.has(id)) continue;
    detection.eventCount++;
    if (detection.events.size < 200) detection.events.set(id, time);
    if (time < detection.first) detection.first = time;
    if (time > detection.last) detection.last = time;
  }
  if (read.time > detection.last) detection.last = read.time;
  if (read.sourceIp && detection.sourceIps.size < MAX_LIST) detection.sourceIps.add(read.sourceIp);
  if (read.vpcEndpointId && detection.vpcEndpoints.size < MAX_LIST) detection.vpcEndpoints.add(read.vpcEndpointId);
  if (read.userAgent && detection.userAgents.size < MAX_LIST) detection.userAgents.add(read.userAgent);
}
