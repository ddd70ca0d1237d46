import type { ReadEvent } from './types.js';

/** How many of a principal's counted reads (the newest, in event time) are remembered to drop a redelivery. */
export const RECENT_READS = 500;

/**
 * A principal's reads already counted, so a record delivered again (SQS and EventBridge deliver at least once; the S3 log
 * file repeats what EventBridge brought) counts once. A run judges reads in event time, so a copy within the run has its
 * original's time: only the reads of that instant are compared with it, exactly, by event ID. Earlier runs are known by a
 * hash of each of their newest RECENT_READS reads (PrincipalWindow.recent); a redelivery of an older one counts again.
 */
export class RecentReads {
  /** The stored reads: hash -> time (ms), and as stored (key, time), oldest first. */
  private readonly storedHashes = new Map<number, number>();
  private readonly storedList: [string, number][] = [];
  /** Reads later than this (ms) cannot be among the stored ones, whose times are whole seconds. */
  private readonly storedBefore: number;
  /** The instant (ms) of the last read counted, and the event IDs counted at it. */
  private instant = Number.NaN;
  private readonly atInstant: string[] = [];
  private atInstantSet: Set<string> | undefined;
  /** This run's newest RECENT_READS counted reads, a ring: event ID and time (ms). */
  private readonly ids: string[] = [];
  private readonly times: number[] = [];
  private counted = 0;

  constructor(stored: Record<string, number> | undefined) {
    let newest = -Infinity;
    let inOrder = true;
    for (const [key, seconds] of Object.entries(stored ?? {})) {
      const hash = parseInt(key, 36);
      if (!Number.isSafeInteger(hash) || typeof seconds !== 'number') continue;
      const time = seconds * 1000;
      if (time < newest) inOrder = false;
      else newest = time;
      this.storedHashes.set(hash, time);
      this.storedList.push([key, time]);
    }
    if (!inOrder) this.storedList.sort((a, b) => a[1] - b[1]);
    this.storedBefore = newest + 1000;
  }

  /** Whether this read is counted for the first time; it is then remembered. Reads must come in event time. */
  firstDelivery(read: ReadEvent): boolean {
    const id = read.eventId;
    if (read.time !== this.instant) {
      this.instant = read.time;
      this.atInstant.length = 0;
      this.atInstantSet = undefined;
    } else if (this.atInstantSet ? this.atInstantSet.has(id) : this.atInstant.includes(id)) return false;
    if (read.time < this.storedBefore && this.storedHashes.has(hash53(id))) return false;
    // CloudTrail's times have whole seconds: a busy principal has many reads at one instant, looked up in a set.
    if (this.atInstantSet) this.atInstantSet.add(id);
    else if (this.atInstant.push(id) > 16) this.atInstantSet = new Set(this.atInstant);
    const slot = this.counted++ % RECENT_READS;
    this.ids[slot] = id;
    this.times[slot] = read.time;
    return true;
  }

  /** The newest RECENT_READS of the stored reads and this run's, oldest first, as the window item keeps them. */
  toStored(): Record<string, number> {
    const run = Math.min(this.counted, RECENT_READS);
    const first = this.counted > RECENT_READS ? this.counted % RECENT_READS : 0;
    const kept: [string, number][] = [];
    // From the newest back: this run's reads are in event time, the stored ones sorted; on a tie this run's is the newer.
    let r = run - 1;
    let s = this.storedList.length - 1;
    while (kept.length < RECENT_READS && (r >= 0 || s >= 0)) {
      const slot = (first + r) % RECENT_READS;
      const stored = this.storedList[s];
      if (r >= 0 && (stored === undefined || (this.times[slot] as number) >= stored[1])) {
        kept.push([eventIdHash(this.ids[slot] as string), this.times[slot] as number]);
        r--;
      } else if (stored !== undefined) {
        kept.push(stored);
        s--;
      }
    }
    const out: Record<string, number> = {};
    for (let i = kept.length - 1; i >= 0; i--) {
      const [key, time] = kept[i] as [string, number];
      out[key] = Math.floor(time / 1000);
    }
    return out;
  }
}

/** A 53-bit hash of an event ID in base 36 (about 11 characters instead of a UUID's 36): window items stay small. */
export function eventIdHash(eventId: string): string {
  return base36(hash53(eventId));
}

/** cyrb53 of a text: 53 bits, for keys that need a stable spread (event IDs, reader keys). */
export function hash53(eventId: string): number {
  // cyrb53 (public domain): two 32-bit multiplicative hashes mixed into 53 bits.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < eventId.length; i++) {
    const c = eventId.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `value.toString(36)` for a safe integer, at a fraction of its cost (V8 converts doubles to a radix slowly). */
function base36(value: number): string {
  let digits = '';
  let rest = value;
  do {
    // `%` of integers is exact, and so is the division of what is then a multiple of 36.
    const digit = rest % 36;
    digits = BASE36.charAt(digit) + digits;
    rest = (rest - digit) / 36;
  } while (rest > 0);
  return digits;
}
