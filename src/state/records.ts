import { InputError } from '../events/errors.js';
import type { SecretState } from '../model/index.js';
import type { KeyIndexEntry, PutOptions, PutOutcome, ReaderBaseline, ReaderObservation, SecretRecord, SecretWatchRecord } from './types.js';

/** A store that cannot be used as given (a file that is not vigil state, a missing table), naming what and where. */
export class StateStoreError extends InputError {
  override readonly name: string = 'StateStoreError';
}

/** The names under which the key index finds a secret (one rule with the offline replay's index). */
export { keyNamesOf } from '../model/index.js';

export function keyIndexEntry(state: SecretState): KeyIndexEntry {
  return { arn: state.arn, name: state.name, kmsKeyId: state.kmsKeyId, kmsKeyArn: state.kmsKey?.arn ?? null };
}

/** Whether `next` may replace `stored`: the rule both stores apply (DynamoDB as a condition expression). */
export function putOutcome(stored: SecretRecord | undefined, next: SecretRecord, options: PutOptions = {}): PutOutcome {
  if (options.expectedVersion !== undefined && (stored?.version ?? null) !== options.expectedVersion) return 'conflict';
  if (stored && stored.observedAt > next.observedAt) return 'stale';
  return 'written';
}

/** Sets of networks and agents keep the most recent entries only: a baseline stays small however long it runs. */
export const READER_SET_LIMIT = 50;

function union(a: readonly string[], b: readonly string[]): string[] {
  const merged = [...new Set([...a, ...b])];
  return merged.slice(Math.max(0, merged.length - READER_SET_LIMIT));
}

/** One principal's baseline on one secret, with more observations folded in (in any order). */
export function mergeReader(stored: ReaderBaseline | undefined, seen: ReaderObservation): ReaderBaseline {
  if (!stored) return { ...seen, sourceIps: union([], seen.sourceIps), vpcEndpoints: union([], seen.vpcEndpoints), userAgents: union([], seen.userAgents) };
  return {
    secretArn: stored.secretArn,
    principal: stored.principal,
    principalAccount: stored.principalAccount ?? seen.principalAccount,
    firstSeen: Math.min(stored.firstSeen, seen.firstSeen),
    lastSeen: Math.max(stored.lastSeen, seen.lastSeen),
    reads: stored.reads + seen.reads,
    denied: stored.denied + seen.denied,
    sourceIps: union(stored.sourceIps, seen.sourceIps),
    vpcEndpoints: union(stored.vpcEndpoints, seen.vpcEndpoints),
    userAgents: union(stored.userAgents, seen.userAgents),
  };
}

/** Observations of the same principal and secret folded into one, so a batch writes each baseline once. */
export function foldObservations(observations: readonly ReaderObservation[]): ReaderObservation[] {
  const byKey = new Map<string, ReaderObservation>();
  for (const o of observations) {
    const key = `${o.secretArn}#${o.principal}`;
    byKey.set(key, mergeReader(byKey.get(key), o));
  }
  return [...byKey.values()];
}

/** Two watches of one secret as one: what both stores keep when watches are merged (in any order, any number of times). */
export function mergeWatch(stored: SecretWatchRecord | undefined, seen: SecretWatchRecord): SecretWatchRecord {
  if (!stored) return { secretArn: seen.secretArn, firstRead: seen.firstRead, accounts: [...new Set(seen.accounts)], readOutsideVpc: seen.readOutsideVpc };
  return { secretArn: stored.secretArn, firstRead: Math.min(stored.firstRead, seen.firstRead), accounts: [...new Set([...stored.accounts, ...seen.accounts])], readOutsideVpc: stored.readOutsideVpc || seen.readOutsideVpc };
}
