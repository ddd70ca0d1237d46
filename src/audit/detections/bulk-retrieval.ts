import type { ReadEvent } from '../types.js';
import { countTowardsBurst, type BurstCounter } from './bursts.js';
import type { AuditParams, Signal } from './signal.js';

/** `bulk-retrieval` (HIGH): one principal reads `bulkSecrets` or more distinct secrets within `bulkWindowMinutes`. */
export function bulkRetrieval(reads: BurstCounter, read: ReadEvent, secret: string, params: Pick<AuditParams, 'bulkSecrets' | 'bulkWindowMinutes'>): Signal | undefined {
  return countTowardsBurst(reads, 'bulk-retrieval', 'HIGH', params.bulkSecrets, read, secret, params.bulkWindowMinutes * 60_000);
}
