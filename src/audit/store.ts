import type { ReaderBaseline as StoredReader, StateStore } from '../state/index.js';
import { mergeReader, secretKeyOf, type AuditChanges, type SecretDirectory } from './detect.js';
import { emptyAuditState, readerKey, type AuditState, type PrincipalWindow, type ReadEvent, type ReaderBaseline, type SecretWatch } from './types.js';

// The audit's memory lives in vigil's state store: readers as `READER#<secretArn>#<principal>` (the store's own items),
// and the audit's per-secret watch and per-principal window as audit items. The store holds times in epoch seconds.

const watchKey = (secret: string) => `WATCH#${secret}`;
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
  for (const reader of await store.getReadersOf([...pairs.values()])) state.readers.set(readerKey(reader.secretArn, reader.principal), fromStored(reader));
  const items = await store.getAuditItems([...[...secrets].map(watchKey), ...[...principals].map(windowKey)]);
  for (const secret of secrets) {
    const watch = items.get(watchKey(secret)) as SecretWatch | undefined;
    if (watch) state.secrets.set(secret, watch);
  }
  for (const principal of principals) {
    const window = items.get(windowKey(principal)) as PrincipalWindow | undefined;
    if (window) state.windows.set(principal, window);
  }
  return state;
}

/** Writes what a run changed: one write per reader due, per secret watch changed, per principal seen. */
export async function saveAuditChanges(store: StateStore, changes: AuditChanges): Promise<{ writes: number }> {
  if (changes.observations.length) await store.updateReaders(changes.observations.map(toStored));
  const items = new Map<string, unknown>();
  for (const watch of changes.secrets) items.set(watchKey(watch.secretArn), watch);
  for (const window of changes.windows) items.set(windowKey(window.principal), window);
  if (items.size) await store.putAuditItems(items);
  return { writes: changes.observations.length + items.size };
}

/**
 * What these stored readers look like with the reads not yet written to their items: those ride in the principal's
 * window for up to BASELINE_WRITE_INTERVAL_MS (src/audit/detect.ts). One batch of lookups, one item per principal.
 */
export async function withPendingReads(store: Pick<StateStore, 'getAuditItems'>, readers: readonly StoredReader[]): Promise<StoredReader[]> {
  if (!readers.length) return [];
  const items = await store.getAuditItems([...new Set(readers.map((r) => windowKey(r.principal)))]);
  return readers.map((reader) => {
    const pending = (items.get(windowKey(reader.principal)) as PrincipalWindow | undefined)?.pending?.[reader.secretArn];
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
