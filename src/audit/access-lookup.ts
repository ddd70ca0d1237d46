import pLimit from 'p-limit';
import { AccessTally, type AccessPeriod, type AccessSummary, type LastReader, type SecretAccess } from '../reports/access.js';
import type { ReaderBaseline, StateStore } from '../state/index.js';
import { BASELINE_WRITE_INTERVAL_MS } from './detect.js';
import { fromStored, withPendingReads } from './store.js';
import { readerKey } from './types.js';
import { readerView } from './views.js';

/** Reader lookups in flight at once (the CLI looks up a chunk of secrets; the sweep Lambda a page, or a continued run's region at its end). */
export const ACCESS_LOOKUPS_IN_FLIGHT = 16;

const DAY_SECONDS = 86_400;

const NO_ACCESS: SecretAccess = { readers: [], newReaders: [], goneReaders: [] };

/** The period of an access report at `now`: `accessReportDays` back; new since the previous report, else `learningDays`. */
export function accessPeriod(now: number, params: { accessReportDays: number; learningDays: number }, previousAt?: number): AccessPeriod {
  return previousAt !== undefined && Number.isFinite(previousAt)
    ? { now, days: params.accessReportDays, newSince: previousAt, newSinceBasis: 'previous-report' }
    : { now, days: params.accessReportDays, newSince: now - params.learningDays * DAY_SECONDS, newSinceBasis: 'learningDays' };
}

/** What the state store knows of who read each of these secrets. */
export interface SecretsReaders {
  /** Per secret ARN: its baselines last seen within the period, or within the previous report's (those that stopped). */
  readers: Map<string, ReaderBaseline[]>;
  /** Per secret ARN read at least once, whenever: the principal that read it last. */
  lastReaders: Map<string, LastReader>;
}

/**
 * The readers of each secret, one lookup per secret (`READER#<arn>`, a query in DynamoDB, never a scan), at most
 * ACCESS_LOOKUPS_IN_FLIGHT at once. The caller hands a chunk of secrets at a time, so memory holds that chunk's readers.
 */
export async function readersOfSecrets(store: Pick<StateStore, 'getReaders' | 'getAuditItems'>, secretArns: readonly string[], period: AccessPeriod): Promise<SecretsReaders> {
  const limit = pLimit(ACCESS_LOOKUPS_IN_FLIGHT);
  const unique = [...new Set(secretArns)];
  const found = await Promise.all(unique.map((arn) => limit(() => store.getReaders(arn))));
  const { previousFrom } = bounds(period);
  // A reader's newest reads may not be in its item yet (they ride in its principal's window): one batch of lookups for the
  // readers the report may list.
  const listable = found.flat().filter((r) => r.lastSeen >= previousFrom - BASELINE_WRITE_INTERVAL_MS / 1000);
  const exact = new Map((await withPendingReads(store, listable)).map((r) => [readerKey(r.secretArn, r.principal), r]));
  const out: SecretsReaders = { readers: new Map(), lastReaders: new Map() };
  unique.forEach((arn, i) => {
    const readers = (found[i] ?? []).map((r) => exact.get(readerKey(r.secretArn, r.principal)) ?? r);
    out.readers.set(
      arn,
      readers.filter((r) => r.lastSeen >= previousFrom && r.firstSeen <= period.now),
    );
    const last = lastReaderOf(readers);
    if (last) out.lastReaders.set(arn, last);
  });
  return out;
}

/** The access view of each secret: `readersOfSecrets`, then each secret's readers as the report lists them. */
export async function accessOfSecrets(store: Pick<StateStore, 'getReaders' | 'getAuditItems'>, secretArns: readonly string[], period: AccessPeriod): Promise<{ access: Map<string, SecretAccess>; lastReaders: Map<string, LastReader> }> {
  const seen = await readersOfSecrets(store, secretArns, period);
  return { access: new Map([...seen.readers].map(([arn, readers]) => [arn, secretAccess(readers, period)])), lastReaders: seen.lastReaders };
}

/**
 * Where the period starts, and where the period of the report `newSince` stands for started: a reader last seen between
 * the two was listed then and is not now (it stopped reading).
 */
function bounds(period: AccessPeriod): { from: number; previousFrom: number } {
  const from = period.now - period.days * DAY_SECONDS;
  return { from, previousFrom: Math.min(from, period.newSince - period.days * DAY_SECONDS) };
}

/**
 * A secret's readers in the period, most recently seen first, and how they changed since `newSince`: the principals first
 * seen since (new), and those that were readers then and have not read since the period began (gone).
 */
export function secretAccess(readers: readonly ReaderBaseline[], period: AccessPeriod): SecretAccess {
  const { from } = bounds(period);
  const sorted = [...readers].sort((a, b) => b.lastSeen - a.lastSeen || (a.principal < b.principal ? -1 : 1));
  const current = sorted.filter((r) => r.lastSeen >= from);
  return {
    readers: current.map((r) => readerView(fromStored(r))),
    // Only a principal that read the secret is a reader that can be new or gone: one only ever denied is listed, with its denials.
    newReaders: current.filter((r) => r.reads > 0 && r.firstSeen >= period.newSince).map((r) => r.principal),
    goneReaders: sorted.filter((r) => r.reads > 0 && r.lastSeen < from && r.firstSeen <= period.newSince).map((r) => ({ principal: r.principal, lastSeen: new Date(r.lastSeen * 1000).toISOString() })),
  };
}

/** The principal whose successful read is the latest (a principal only ever denied read nothing). */
function lastReaderOf(readers: readonly ReaderBaseline[]): LastReader | undefined {
  let last: ReaderBaseline | undefined;
  for (const r of readers) if (r.reads > 0 && (!last || r.lastSeen > last.lastSeen)) last = r;
  return last ? { principal: last.principal, lastSeen: last.lastSeen } : undefined;
}

/** The access view a streamed report asks for each secret, and its summary once every secret passed. */
export interface AccessView {
  /** The secret's readers; undefined when the sweep has no access view. */
  of(arn: string): SecretAccess | undefined;
  summary(): AccessSummary;
}

/** A sweep with no reads to show (a snapshot), saying so in every format instead of showing nothing. */
export function accessNotAudited(reason: string): AccessView {
  return { of: () => undefined, summary: () => ({ audited: false, reason }) };
}

/**
 * The access view of a streamed sweep from the state store: `look` is given each chunk of secrets before it is judged
 * (it returns their last readers, for the `unused` control), and holds that chunk's readers only until the next.
 */
export function storeAccess(store: Pick<StateStore, 'getReaders' | 'getAuditItems'>, period: AccessPeriod): AccessView & { look(secrets: readonly { arn: string; name: string }[]): Promise<Map<string, LastReader>> } {
  const tally = new AccessTally(period);
  let chunk = new Map<string, SecretAccess>();
  return {
    async look(secrets) {
      const seen = await accessOfSecrets(
        store,
        secrets.map((s) => s.arn),
        period,
      );
      chunk = seen.access;
      for (const s of secrets) tally.add(s, chunk.get(s.arn) ?? NO_ACCESS);
      return seen.lastReaders;
    },
    of: (arn) => chunk.get(arn),
    summary: () => tally.summary(),
  };
}

/** The access view of a report held in memory (the sweep Lambda's): each secret with its readers, and the summary. */
export function heldAccess<S extends { arn: string; name: string }>(states: readonly S[], readers: ReadonlyMap<string, readonly ReaderBaseline[]>, period: AccessPeriod): { secrets: Map<string, S & { access: SecretAccess }>; summary: AccessSummary } {
  const tally = new AccessTally(period);
  const secrets = new Map<string, S & { access: SecretAccess }>();
  for (const state of states) {
    const access = secretAccess(readers.get(state.arn) ?? [], period);
    tally.add(state, access);
    secrets.set(state.arn, { ...state, access });
  }
  return { secrets, summary: tally.summary() };
}
