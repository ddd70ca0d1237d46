import type { ReadEvent } from '../types.js';
import { countTowardsBurst, type BurstCounter } from './bursts.js';
import type { AuditParams, Signal } from './signal.js';

/** A principal's probing: its denials by secret, and when its last probing was alerted (ms) until a success follows. */
export interface Probing {
  denials: BurstCounter;
  probedAt?: number;
}

/**
 * `access-denied-probing`: one principal denied on `probeSecrets` or more distinct secrets within `bulkWindowMinutes`
 * (MEDIUM); HIGH when it reads a secret successfully within a window after the probing, whether that success comes later
 * or was judged already (a backfill bringing the probing after it). `reads`: the principal's successful reads by secret,
 * counted for bulk-retrieval. Updates `probing`, nothing else.
 */
export function accessDeniedProbing(probing: Probing, reads: BurstCounter, read: ReadEvent, secret: string, params: Pick<AuditParams, 'probeSecrets' | 'bulkWindowMinutes'>): Signal | undefined {
  const windowMs = params.bulkWindowMinutes * 60_000;
  if (!read.denied) {
    // A success after the probing, not one a backfill brings from before it.
    if (probing.probedAt === undefined || read.time < probing.probedAt || read.time - probing.probedAt > windowMs) return undefined;
    delete probing.probedAt;
    return { kind: 'access-denied-probing', key: read.principal, severity: 'HIGH', secrets: [secret] };
  }
  const signal = countTowardsBurst(probing.denials, 'access-denied-probing', 'MEDIUM', params.probeSecrets, read, secret, windowMs);
  if (!signal || !('at' in signal)) return signal;
  const success = reads.times.firstWithin(signal.at, signal.at + windowMs);
  if (success) {
    const [successSecret, [time, eventId]] = success;
    return { ...signal, severity: 'HIGH', secrets: [...signal.secrets, successSecret], events: [...(signal.events ?? []), [eventId, time]] };
  }
  probing.probedAt = Math.max(signal.at, probing.probedAt ?? -Infinity);
  return signal;
}
