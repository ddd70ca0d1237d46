import type { ReadEvent } from '../types.js';
import { countTowardsBurst, type BurstCounter, type RaisedNear } from './bursts.js';
import type { AuditParams, Signal } from './signal.js';

/**
 * `bulk-retrieval` (HIGH): one principal reads `bulkSecrets` or more distinct secrets within `bulkWindowMinutes`.
 * `raisedNear`: whether this run raised one for the principal within a window of a time (a new secret then joins it).
 */
export function bulkRetrieval(reads: BurstCounter, read: ReadEvent, secret: string, params: Pick<AuditParams, 'bulkSecrets' | 'bulkWindowMinutes'>, raisedNear: RaisedNear): Signal | undefined {
  return countTowardsBurst(reads, 'bulk-retrieval', 'HIGH', params.bulkSecrets, read, secret, params.bulkWindowMinutes * 60_000, raisedNear);
}
