/** One read as a window keeps it: its time (epoch ms) and event ID. */
export type TimedRead = [number, string];

/** The window with the most distinct secrets among those containing a read: each secret's latest read in it, and its span. */
export interface BusiestWindow {
  reads: [string, TimedRead][];
  /** The times of its first and last read. */
  from: number;
  to: number;
}

/**
 * One principal's reads (or denials) by secret, for counting bursts in event time whatever order batches bring them in: a
 * read is counted only with reads that fall within one window of it, before or after (a backfill of old files is judged
 * after newer reads). Stored, each secret keeps its latest read; while a run judges, every read a window could still need.
 */
export class SecretTimes {
  /** Secret -> its reads, oldest first (a Map: a secret may be called anything, `__proto__` too). */
  private readonly bySecret = new Map<string, TimedRead[]>();
  private oldest = Infinity;
  /** At least the time of the newest read held: reads after the one judged mean windows ending after it count too. */
  private newest = -Infinity;

  constructor(
    stored: Record<string, TimedRead>,
    private readonly windowMs: number,
  ) {
    for (const [secret, [time, eventId]] of Object.entries(stored)) this.add(secret, time, eventId);
  }

  get size(): number {
    return this.bySecret.size;
  }

  has(secret: string): boolean {
    return this.bySecret.has(secret);
  }

  add(secret: string, time: number, eventId: string): void {
    const reads = this.bySecret.get(secret);
    if (!reads) this.bySecret.set(secret, [[time, eventId]]);
    else {
      let at = reads.length;
      while (at > 0 && (reads[at - 1] as TimedRead)[0] > time) at--;
      if (at < reads.length) reads.splice(at, 0, [time, eventId]);
      else {
        // A read with another on each side at most a window apart is in no window without one of them: it adds nothing.
        while (reads.length >= 2 && time - (reads[reads.length - 2] as TimedRead)[0] <= this.windowMs) reads.pop();
        reads.push([time, eventId]);
      }
    }
    if (time < this.oldest) this.oldest = time;
    if (time > this.newest) this.newest = time;
  }

  /** Forgets the reads before `since`, walking them only when one of them is that old. */
  prune(since: number): void {
    if (this.oldest >= since) return;
    for (const [secret, reads] of this.bySecret) {
      let kept = 0;
      while (kept < reads.length && (reads[kept] as TimedRead)[0] < since) kept++;
      if (kept === reads.length) this.bySecret.delete(secret);
      else if (kept > 0) reads.splice(0, kept);
    }
    this.oldest = this.oldestRead();
  }

  /**
   * The window of the most distinct secrets among those containing `time` (the one ending at it, and those ending at a later
   * read within a window of it), when it has `threshold` or more. Call it with the reads before `time` − window pruned.
   */
  busiestAround(time: number, threshold: number): BusiestWindow | undefined {
    if (this.newest <= time) {
      // Nothing read after it: the window ending at it holds every read left.
      if (this.bySecret.size < threshold) return undefined;
      const reads = [...this.bySecret].map(([secret, list]): [string, TimedRead] => [secret, list[list.length - 1] as TimedRead]);
      return { reads, from: this.oldest, to: time };
    }
    const near: [number, string][] = [];
    for (const [secret, list] of this.bySecret) for (const [t] of list) if (t >= time - this.windowMs && t <= time + this.windowMs) near.push([t, secret]);
    near.sort((a, b) => a[0] - b[0]);
    const inWindow = new Map<string, number>();
    let best: { count: number; end: number } | undefined;
    let left = 0;
    for (let right = 0; right < near.length; right++) {
      const [end, secret] = near[right] as [number, string];
      inWindow.set(secret, (inWindow.get(secret) ?? 0) + 1);
      while ((near[left] as [number, string])[0] < end - this.windowMs) {
        const gone = (near[left++] as [number, string])[1];
        const count = (inWindow.get(gone) as number) - 1;
        if (count) inWindow.set(gone, count);
        else inWindow.delete(gone);
      }
      // A window is judged once every read at its end is in, and only when it contains `time`.
      if (end < time || (near[right + 1]?.[0] ?? Infinity) === end) continue;
      if (!best || inWindow.size > best.count) best = { count: inWindow.size, end };
    }
    if (!best || best.count < threshold) return undefined;
    const start = best.end - this.windowMs;
    const reads: [string, TimedRead][] = [];
    let from = Infinity;
    for (const [secret, list] of this.bySecret) {
      const within = list.filter(([t]) => t >= start && t <= (best as { end: number }).end);
      const last = within[within.length - 1];
      if (!last) continue;
      reads.push([secret, last]);
      if ((within[0] as TimedRead)[0] < from) from = (within[0] as TimedRead)[0];
    }
    return { reads, from, to: best.end };
  }

  /** Forgets these secrets' reads from `from` to `to`: a burst alerted counts no more. */
  removeWithin(secrets: readonly string[], from: number, to: number): void {
    for (const secret of secrets) {
      const left = this.bySecret.get(secret)?.filter(([t]) => t < from || t > to);
      if (left?.length) this.bySecret.set(secret, left);
      else this.bySecret.delete(secret);
    }
    this.oldest = this.oldestRead();
  }

  /** Each secret's latest read, as the window item keeps them. */
  toStored(): Record<string, TimedRead> {
    return Object.fromEntries([...this.bySecret].map(([secret, list]) => [secret, list[list.length - 1] as TimedRead]));
  }

  private oldestRead(): number {
    let oldest = Infinity;
    for (const list of this.bySecret.values()) if ((list[0] as TimedRead)[0] < oldest) oldest = (list[0] as TimedRead)[0];
    return oldest;
  }
}
