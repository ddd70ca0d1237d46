import type { AlertedBurst, ReadEvent } from '../types.js';
import { SecretTimes } from '../window.js';
import type { Signal } from './signal.js';

/** At most this many distinct secrets a principal's window counts, and a burst remembers. */
export const MAX_WINDOW_ENTRIES = 2000;

/** A burst already alerted: the times of its oldest and newest secret, and its secrets. */
export interface LiveBurst {
  from: number;
  at: number;
  secrets: Set<string>;
}

/** One principal's reads (or denials) within a window by secret, and the bursts of them already alerted. */
export interface BurstCounter {
  times: SecretTimes;
  /** From this run or the stored window: a backfill's burst beside a later one; the newest is stored. */
  alerted: LiveBurst[];
}

export function burstCounter(stored: Record<string, [number, string]>, burst: AlertedBurst | undefined, windowMs: number): BurstCounter {
  // A burst stored before `from` was kept: its newest secret stands for it.
  return { times: new SecretTimes(stored, windowMs), alerted: burst ? [{ from: burst.from ?? burst.at, at: burst.at, secrets: new Set(burst.secrets) }] : [] };
}

/** The newest of the bursts, as the window item keeps it. */
export function storedBurst(counter: BurstCounter): AlertedBurst | undefined {
  const newest = counter.alerted.reduce<LiveBurst | undefined>((a, b) => (a && a.at >= b.at ? a : b), undefined);
  return newest ? { from: newest.from, at: newest.at, secrets: [...newest.secrets] } : undefined;
}

/** Forgets what ended before `since`: the reads and bursts no read from then on can be in a window with. */
export function pruneBursts(counter: BurstCounter, since: number): void {
  if (counter.alerted.some((b) => b.at < since)) counter.alerted = counter.alerted.filter((b) => b.at >= since);
  counter.times.prune(since);
}

/** A burst's signal, and the time of its last read. */
export interface BurstSignal extends Signal {
  at: number;
}

/** Whether the run already raised a detection of this kind for the read's principal within a window of `time`. */
export type RaisedNear = (time: number) => boolean;

/**
 * Counts a read of `secret` towards its principal's burst of distinct secrets within the window; the signal when this read
 * makes one of `threshold`. After that the burst's secrets raise nothing again, a new one joins this run's detection or, in a
 * later batch, counts towards a follow-up that fires at another `threshold` new ones (so a burst alerts once however many
 * batches carry it, and one that goes on is never silent for long); a whole window without a new secret ends the burst. All
 * in event time: only reads within one window of each other count together, and a burst is the one of a read within a window
 * of it, whatever order batches came in. Updates `counter`, nothing else.
 */
export function countTowardsBurst(counter: BurstCounter, kind: 'bulk-retrieval' | 'access-denied-probing', severity: Signal['severity'], threshold: number, read: ReadEvent, secret: string, windowMs: number, raisedNear: RaisedNear): BurstSignal | Signal | undefined {
  pruneBursts(counter, read.time - windowMs);
  const alerted = counter.alerted.find((b) => read.time >= b.from - windowMs && read.time <= b.at + windowMs);
  if (alerted?.secrets.has(secret)) return undefined;
  if (alerted) {
    if (alerted.secrets.size < MAX_WINDOW_ENTRIES) alerted.secrets.add(secret);
    if (read.time > alerted.at) alerted.at = read.time;
    if (read.time < alerted.from) alerted.from = read.time;
    if (raisedNear(read.time)) return { kind, key: read.principal, severity, secrets: [secret], joinOnly: true };
  }
  const times = counter.times;
  if (!times.has(secret) && times.size >= MAX_WINDOW_ENTRIES) return undefined;
  times.add(secret, read.time, read.eventId);
  const busiest = times.busiestAround(read.time, threshold);
  if (!busiest) return undefined;
  const secrets = busiest.reads.map(([s]) => s);
  if (!alerted) counter.alerted.push({ from: busiest.from, at: busiest.to, secrets: new Set(secrets) });
  times.removeWithin(secrets, busiest.from, busiest.to);
  return { kind, key: read.principal, severity, secrets, events: busiest.reads.map(([, [t, id]]) => [id, t]), at: busiest.to };
}
