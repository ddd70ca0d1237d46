import type { KeptSuccess, ReadEvent } from '../types.js';
import { countTowardsBurst, pruneBursts, type BurstCounter, type RaisedNear } from './bursts.js';
import type { AuditParams, Signal } from './signal.js';

/**
 * A principal's probing: its denials by secret; when its last probing was alerted (ms), until a success follows; and its
 * successful reads within the window, kept so that any window holding one holds a kept one (the first and last of each
 * half window: a window of a success either ends after its half window, which then lies in it with its last read, or
 * starts before it, and its first read lies in both).
 */
export interface Probing {
  denials: BurstCounter;
  probedAt?: number;
  successes: KeptSuccess[];
}

/**
 * `access-denied-probing`: one principal denied on `probeSecrets` or more distinct secrets within `bulkWindowMinutes`
 * (MEDIUM); HIGH when it reads a secret successfully within a window after the probing, whether that success comes later
 * or was judged already (batches judged out of order); a follow-up of a burst too. `raisedNear`: whether this run raised
 * one for the principal within a window of a time. Updates `probing`, nothing else.
 */
export function accessDeniedProbing(probing: Probing, read: ReadEvent, secret: string, params: Pick<AuditParams, 'probeSecrets' | 'bulkWindowMinutes'>, raisedNear: RaisedNear): Signal | undefined {
  const windowMs = params.bulkWindowMinutes * 60_000;
  if (!read.denied) {
    keepSuccess(probing, [read.time, read.eventId, secret], windowMs);
    // A success after the probing, not one from before it.
    if (probing.probedAt === undefined || read.time < probing.probedAt || read.time - probing.probedAt > windowMs) return undefined;
    delete probing.probedAt;
    return { kind: 'access-denied-probing', key: read.principal, severity: 'HIGH', secrets: [secret] };
  }
  const signal = countTowardsBurst(probing.denials, 'access-denied-probing', 'MEDIUM', params.probeSecrets, read, secret, windowMs, raisedNear);
  if (!signal || !('at' in signal)) return signal;
  const success = probing.successes.find(([t]) => t >= signal.at && t <= signal.at + windowMs);
  if (success) {
    const [time, eventId, successSecret] = success;
    return { ...signal, severity: 'HIGH', secrets: [...signal.secrets, successSecret], events: [...(signal.events ?? []), [eventId, time]] };
  }
  probing.probedAt = Math.max(signal.at, probing.probedAt ?? -Infinity);
  return signal;
}

/** Forgets what ended before `since`: denials, bursts, probing and successes no read from then on is in a window with. */
export function pruneProbing(probing: Probing, since: number): void {
  if (probing.probedAt !== undefined && probing.probedAt < since) delete probing.probedAt;
  pruneBursts(probing.denials, since);
  if (probing.successes.length && (probing.successes[0] as KeptSuccess)[0] < since) probing.successes = probing.successes.filter(([t]) => t >= since);
}

/** Keeps a success when it is the first or the last of its half window so far; `successes` stays in event time. */
function keepSuccess(probing: Probing, success: KeptSuccess, windowMs: number): void {
  const successes = probing.successes;
  const half = windowMs / 2;
  const bucket = Math.floor(success[0] / half);
  const last = successes[successes.length - 1];
  if (last === undefined || success[0] >= last[0]) {
    // The usual case, a read after every one kept: it is its half window's last, over the one before if that was.
    if (last !== undefined && (successes[0] as KeptSuccess)[0] < success[0] - windowMs) pruneProbing(probing, success[0] - windowMs);
    const kept = probing.successes;
    const prev = kept[kept.length - 2];
    if (kept.length && Math.floor((kept[kept.length - 1] as KeptSuccess)[0] / half) === bucket && prev !== undefined && Math.floor(prev[0] / half) === bucket) kept[kept.length - 1] = success;
    else kept.push(success);
    return;
  }
  const same: number[] = [];
  let at = successes.length;
  for (let i = successes.length - 1; i >= 0; i--) {
    const t = (successes[i] as KeptSuccess)[0];
    if (Math.floor(t / half) === bucket) same.unshift(i);
    else if (Math.floor(t / half) < bucket) break;
    if (t > success[0]) at = i;
  }
  if (same.length < 2) {
    successes.splice(at, 0, success);
    return;
  }
  const first = same[0] as number;
  const lastOfBucket = same[same.length - 1] as number;
  if (success[0] < (successes[first] as KeptSuccess)[0]) successes[first] = success;
  else if (success[0] > (successes[lastOfBucket] as KeptSuccess)[0]) successes[lastOfBucket] = success;
}
