import type { Finding } from '../controls/types.js';
import type { SecretState } from '../model/index.js';
import { recordFromSweep, type SecretRecord, type StateStore } from '../state/index.js';
import type { Inventory } from './aws.js';

export interface Freshness {
  readFresh: number;
  fromStore: number;
  /** Epoch seconds: when the oldest reused state was read; null when none was reused. */
  oldestStoredAt: number | null;
}

/** How much of a sweep came from AWS and how much from the store. */
export function freshnessOf(inventories: readonly Inventory[]): Freshness {
  let readFresh = 0;
  let fromStore = 0;
  let oldestStoredAt: number | null = null;
  for (const inventory of inventories) {
    for (const state of inventory.states) {
      const fresh = !inventory.memory || inventory.memory.fresh.has(state.arn);
      if (fresh) readFresh += 1;
      else {
        fromStore += 1;
        const readAt = inventory.memory?.stored.get(state.arn)?.readAt ?? null;
        if (readAt !== null && (oldestStoredAt === null || readAt < oldestStoredAt)) oldestStoredAt = readAt;
      }
    }
  }
  return { readFresh, fromStore, oldestStoredAt };
}

/** Freshness as a report's scope states it (the oldest reused read as an ISO-8601 time). */
export function freshnessScope(inventories: readonly Inventory[]): { readFresh: number; fromStore: number; oldestStoredAt: string | null } {
  const f = freshnessOf(inventories);
  return { readFresh: f.readFresh, fromStore: f.fromStore, oldestStoredAt: f.oldestStoredAt === null ? null : new Date(f.oldestStoredAt * 1000).toISOString() };
}

/**
 * Writes what a sweep learnt: the records of secrets read fresh, and of reused ones whose statuses changed (time alone can
 * fail a rotation control). A record an event wrote meanwhile is left as the event wrote it.
 */
export async function rememberSweep(store: StateStore, inventory: Inventory, findings: readonly Finding[][], readAt: number): Promise<{ written: number }> {
  let written = 0;
  const stored = inventory.memory?.stored ?? new Map<string, SecretRecord>();
  for (const [i, state] of inventory.states.entries()) {
    const known = stored.get(state.arn);
    const mine = findings[i] ?? [];
    const fresh = !inventory.memory || inventory.memory.fresh.has(state.arn);
    if (!fresh && known && sameStatuses(known, mine)) continue;
    const record = fresh ? recordFromSweep(known, state, mine, readAt) : { ...reused(known as SecretRecord, state), statuses: Object.fromEntries(mine.map((f) => [f.controlId, f.status])) };
    if ((await store.putSecret(record, { expectedVersion: known?.version ?? null })) === 'written') written += 1;
  }
  return { written };
}

function reused(known: SecretRecord, state: SecretState): SecretRecord {
  return { ...known, state };
}

function sameStatuses(known: SecretRecord, findings: readonly Finding[]): boolean {
  return findings.length === Object.keys(known.statuses).length && findings.every((f) => known.statuses[f.controlId] === f.status);
}
