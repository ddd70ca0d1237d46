import pLimit from 'p-limit';
import type { ReaderBaseline as StoredReader, StateStore } from '../state/index.js';
import { auditReads, mergeReader, secretKeyOf, type AuditChanges, type AuditContext, type SecretDirectory } from './detect.js';
import { emptyAuditState, readerKey, type AuditState, type Detection, type PrincipalWindow, type ReadEvent, type ReaderBaseline } from './types.js';

// The audit's memory lives in vigil's state store: readers as `READER#<secretArn>#<principal>` (the store's own items),
// the per-secret watch (merged, never replaced) and the per-principal window (versioned) as audit items. The store holds a
// reader's times in epoch seconds.

const windowKey = (principal: string) => `WINDOW#${principal}`;

/** The baselines a batch of reads is judged against: only those of its secrets and principals (lookups, not scans). */
export async function loadAuditState(store: StateStore, reads: readonly ReadEvent[], directory?: SecretDirectory): Promise<AuditState> {
  const state = emptyAuditState();
  // principal -> the secrets as called, then each distinct one resolved once: a batch is mostly the same few pairs.
  const called = new Map<string, Map<string, [string, ReadEvent]>>();
  for (const read of reads) {
    let ids = called.get(read.principal);
    if (!ids) called.set(read.principal, (ids = new Map()));
    if (read.eventName !== 'GetSecretValue') continue;
    for (const id of read.secretIds) {
      const prior = ids.get(id);
      // The same name in another account or region is another secret.
      if (!prior) ids.set(id, [id, read]);
      else if (prior[1].region !== read.region || prior[1].recipientAccount !== read.recipientAccount) ids.set(`${read.recipientAccount}:${read.region}:${id}`, [id, read]);
    }
  }
  const pairs = new Map<string, { secretArn: string; principal: string }>();
  const secrets = new Set<string>();
  const principals = new Set(called.keys());
  for (const [principal, ids] of called) {
    for (const [id, read] of ids.values()) {
      const secret = secretKeyOf(id, read, directory);
      secrets.add(secret);
      pairs.set(readerKey(secret, principal), { secretArn: secret, principal });
    }
  }
  // Windows first: a batch that saved a window before this one loads it has written its readers and watches since, or does so now.
  const windows = await store.getAuditItems([...principals].map(windowKey));
  const [readers, watches] = await Promise.all([store.getReadersOf([...pairs.values()]), store.getSecretWatches([...secrets])]);
  for (const reader of readers) state.readers.set(readerKey(reader.secretArn, reader.principal), fromStored(reader));
  for (const watch of watches) state.secrets.set(watch.secretArn, watch);
  for (const principal of principals) {
    const stored = windows.get(windowKey(principal));
    if (stored) state.windows.set(principal, { ...(stored.item as PrincipalWindow), version: stored.version });
  }
  return state;
}

/** Windows saved at once: one conditional PutItem each. */
const WINDOW_WRITES_IN_FLIGHT = 16;

export interface SavedChanges {
  writes: number;
  /** Principals whose window was saved, and with it their readers and what they add to the watches. */
  committed: Set<string>;
  /** Principals whose window another batch changed since it was loaded: nothing of theirs was written. */
  conflicted: Set<string>;
}

/**
 * Writes what a run changed, windows first, each only over the version it was loaded from; then, for the principals whose
 * window was saved, one write per reader due and one merge per secret watch they changed. A principal whose window
 * another batch saved meanwhile has nothing written: its reads are the caller's to judge again. A watch change that
 * lowers the first read loaded says so (WatchChange.lowersFirstRead), and the store lowers it in the same write.
 */
export async function saveAuditChanges(store: StateStore, changes: AuditChanges): Promise<SavedChanges> {
  const committed = new Set<string>();
  const conflicted = new Set<string>();
  const limit = pLimit(WINDOW_WRITES_IN_FLIGHT);
  await Promise.all(changes.windows.map((window) => limit(async () => ((await saveWindow(store, window)) === 'written' ? committed : conflicted).add(window.principal))));
  const observations = conflicted.size ? changes.observations.filter((o) => committed.has(o.principal)) : changes.observations;
  const watches = changes.watches.filter((w) => committed.has(w.principal));
  const readers = observations.length ? await store.updateReaders(observations.map(toStored)) : [];
  if (watches.length) await store.mergeSecretWatches(watches.map(({ principal: _, ...watch }) => watch));
  return { writes: committed.size + readers.length + new Set(watches.map((w) => w.secretArn)).size, committed, conflicted };
}

/** A window, only over the version it was loaded from (or saved at last); its version follows. */
async function saveWindow(store: StateStore, window: PrincipalWindow): Promise<'written' | 'conflict'> {
  const { version, ...body } = window;
  const outcome = await store.putAuditItem(windowKey(window.principal), body, version ?? null);
  if (outcome === 'written') window.version = (version ?? 0) + 1;
  return outcome;
}

/** At most this much of a principal's detections rides in its window until sent (an item holds 400 KB). */
const UNSENT_BYTES = 64 * 1024;

/**
 * Each principal's new detections into its window's `unsent`, beside those an earlier batch saved and may not have sent:
 * saved with the window, so a crash between the save and the alert leaves them for the redelivery to send. Returns what
 * each principal has to send.
 */
function holdUnsent(windows: readonly PrincipalWindow[], detections: readonly Detection[]): Map<string, Detection[]> {
  const toSend = new Map<string, Detection[]>();
  for (const window of windows) if (window.unsent?.length) toSend.set(window.principal, [...window.unsent]);
  for (const d of detections) {
    const list = toSend.get(d.principal);
    if (list) list.push(d);
    else toSend.set(d.principal, [d]);
  }
  for (const window of windows) {
    const fresh = toSend.get(window.principal);
    if (!fresh) continue;
    let bytes = 0;
    window.unsent = fresh.filter((d) => (bytes += JSON.stringify(d).length) <= UNSENT_BYTES);
  }
  return toSend;
}

/** Times a principal's reads are judged again after another batch saved its window first, before SQS is left to redeliver them. */
export const SAVE_ATTEMPTS = 4;

export interface AuditedBatch {
  detections: Detection[];
  judged: number;
  writes: number;
  /** Principals whose window stayed contended through every attempt: their reads are unjudged (redeliver them). */
  unsaved: Set<string>;
}

/**
 * Judges a batch and saves it so that batches judged at once never lose each other's reads. A principal's detections
 * depend only on its window, its readers and the watches of the secrets it read, so a principal whose window was saved by
 * another batch meanwhile has its reads of this batch judged again against what is stored now (the window's `recent`
 * keeps reads already counted from counting twice), up to SAVE_ATTEMPTS times. `committed` gets each round's detections
 * of the principals saved, before the next round: only those are alerted, and they stay in the window until they were.
 */
export async function auditBatch(store: StateStore, reads: readonly ReadEvent[], context: AuditContext, committed: (detections: Detection[]) => Promise<void>): Promise<AuditedBatch> {
  const out: AuditedBatch = { detections: [], judged: 0, writes: 0, unsaved: new Set() };
  let pending = reads;
  for (let attempt = 1; pending.length; attempt += 1) {
    const state = await loadAuditState(store, pending, context.directory);
    const run = auditReads(pending, state, context);
    const toSend = holdUnsent(run.changes.windows, run.detections);
    const saved = await saveAuditChanges(store, run.changes);
    for (const principal of saved.committed) out.judged += run.judgedBy.get(principal) ?? 0;
    out.writes += saved.writes;
    out.detections.push(...(saved.conflicted.size ? run.detections.filter((d) => saved.committed.has(d.principal)) : run.detections));
    const sent = run.changes.windows.filter((w) => saved.committed.has(w.principal) && toSend.has(w.principal));
    if (sent.length) {
      await committed(sent.flatMap((w) => toSend.get(w.principal) ?? []));
      // Sent: the window forgets them (a batch that saved it meanwhile carries them on, and sends them once more, by key once).
      for (const window of sent) {
        delete window.unsent;
        if ((await saveWindow(store, window)) === 'written') out.writes += 1;
      }
    }
    if (!saved.conflicted.size) break;
    if (attempt >= SAVE_ATTEMPTS) {
      out.unsaved = saved.conflicted;
      break;
    }
    pending = pending.filter((read) => saved.conflicted.has(read.principal));
  }
  return out;
}

/**
 * What these stored readers look like with the reads not yet written to their items: those ride in the principal's
 * window for up to BASELINE_WRITE_INTERVAL_MS (src/audit/detect.ts). One batch of lookups, one item per principal.
 */
export async function withPendingReads(store: Pick<StateStore, 'getAuditItems'>, readers: readonly StoredReader[]): Promise<StoredReader[]> {
  if (!readers.length) return [];
  const items = await store.getAuditItems([...new Set(readers.map((r) => windowKey(r.principal)))]);
  return readers.map((reader) => {
    const pending = (items.get(windowKey(reader.principal))?.item as PrincipalWindow | undefined)?.pending?.[reader.secretArn];
    return pending ? toStored(mergeReader(fromStored(reader), pending, reader.secretArn, reader.principal)) : reader;
  });
}

export function fromStored(reader: StoredReader): ReaderBaseline {
  const out: ReaderBaseline = { secretArn: reader.secretArn, principal: reader.principal, firstSeen: reader.firstSeen * 1000, lastSeen: reader.lastSeen * 1000, reads: reader.reads, denied: reader.denied, sourceIps: reader.sourceIps, vpcEndpoints: reader.vpcEndpoints, userAgents: reader.userAgents };
  if (reader.principalAccount !== null) out.principalAccount = reader.principalAccount;
  return out;
}

function toStored(reader: ReaderBaseline): StoredReader {
  return { secretArn: reader.secretArn, principal: reader.principal, principalAccount: reader.principalAccount ?? null, firstSeen: reader.firstSeen / 1000, lastSeen: reader.lastSeen / 1000, reads: reader.reads, denied: reader.denied, sourceIps: reader.sourceIps, vpcEndpoints: reader.vpcEndpoints, userAgents: reader.userAgents };
}
