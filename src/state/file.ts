import { createReadStream, createWriteStream, existsSync, renameSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { StateStoreError, foldObservations, keyIndexEntry, keyNamesOf, mergeReader, mergeWatch, putOutcome } from './records.js';
import type { AuditItem, KeyIndexEntry, PutOptions, PutOutcome, ReaderBaseline, ReaderObservation, SecretRecord, SecretWatchMerge, SecretWatchRecord, StateStore, StoreMeta, SweepProgress } from './types.js';

const HEADER = { vigilState: 1 } as const;
const WATCH = 'WATCH#';

type Line =
  | { type: 'meta'; meta: StoreMeta }
  | { type: 'secret'; record: SecretRecord }
  | { type: 'reader'; reader: ReaderBaseline }
  | { type: 'sweep'; progress: SweepProgress }
  | { type: 'audit'; key: string; item: unknown; version?: number }
  | { type: 'watch'; watch: SecretWatchRecord };

/**
 * The CLI's state store: the same items as the DynamoDB table, held in memory and kept in a local file (`--state FILE`),
 * one JSON line per item, so a file of 100,000 secrets is read and written as a stream. Without a path it is memory only.
 */
export class FileStateStore implements StateStore {
  private readonly secrets = new Map<string, SecretRecord>();
  private readonly byKey = new Map<string, Map<string, KeyIndexEntry>>();
  private readonly readers = new Map<string, Map<string, ReaderBaseline>>();
  private readonly sweeps = new Map<string, SweepProgress>();
  private readonly audit = new Map<string, AuditItem>();
  private readonly watches = new Map<string, SecretWatchRecord>();
  private meta: StoreMeta = { filledAt: null, lastFullAt: null };

  private constructor(readonly path: string | undefined) {}

  /** The store in `path` (empty when the file does not exist yet), or a memory-only store. */
  static async open(path?: string): Promise<FileStateStore> {
    const store = new FileStateStore(path);
    if (path && existsSync(path)) await store.load(path);
    return store;
  }

  private async load(path: string): Promise<void> {
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    let n = 0;
    for await (const text of lines) {
      n += 1;
      if (!text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new StateStoreError(`${path}:${n}`, 'not JSON: not a vigil state file', { cause: error });
      }
      if (n === 1) {
        if ((value as { vigilState?: unknown } | null)?.vigilState !== 1) throw new StateStoreError(`${path}:1`, 'not a vigil state file (expected {"vigilState":1} on the first line)');
        continue;
      }
      this.loadLine(value as Line, `${path}:${n}`);
    }
  }

  private loadLine(line: Line, where: string): void {
    switch (line?.type) {
      case 'meta':
        this.meta = { filledAt: line.meta.filledAt ?? null, lastFullAt: line.meta.lastFullAt ?? null };
        return;
      case 'secret':
        if (typeof line.record?.arn !== 'string' || typeof line.record.observedAt !== 'number' || typeof line.record.state !== 'object') throw new StateStoreError(where, 'a secret line needs record.arn, record.observedAt and record.state');
        this.setSecret(line.record);
        return;
      case 'reader':
        if (typeof line.reader?.secretArn !== 'string' || typeof line.reader.principal !== 'string') throw new StateStoreError(where, 'a reader line needs reader.secretArn and reader.principal');
        this.setReader(line.reader);
        return;
      case 'sweep':
        if (typeof line.progress?.runId !== 'string') throw new StateStoreError(where, 'a sweep line needs progress.runId');
        this.sweeps.set(line.progress.runId, line.progress);
        return;
      case 'audit':
        if (typeof line.key !== 'string') throw new StateStoreError(where, 'an audit line needs key');
        // A file written before watches were merged kept them as audit items.
        if (line.key.startsWith(WATCH)) this.watches.set(line.key.slice(WATCH.length), line.item as SecretWatchRecord);
        else this.audit.set(line.key, { item: line.item, version: line.version ?? 0 });
        return;
      case 'watch':
        if (typeof line.watch?.secretArn !== 'string' || typeof line.watch.firstRead !== 'number') throw new StateStoreError(where, 'a watch line needs watch.secretArn and watch.firstRead');
        this.watches.set(line.watch.secretArn, line.watch);
        return;
      default:
        throw new StateStoreError(where, `unknown item type ${JSON.stringify((line as { type?: unknown })?.type)}`);
    }
  }

  /** Writes the whole store to its file (a new file, then renamed over the old: a crash never leaves half a store). */
  async save(): Promise<void> {
    if (!this.path) return;
    const partial = `${this.path}.partial`;
    const out = createWriteStream(partial, { encoding: 'utf8', mode: 0o600 });
    const write = async (value: unknown) => {
      if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
    };
    await write(HEADER);
    await write({ type: 'meta', meta: this.meta });
    for (const record of this.secrets.values()) await write({ type: 'secret', record });
    for (const ofSecret of this.readers.values()) for (const reader of ofSecret.values()) await write({ type: 'reader', reader });
    for (const progress of this.sweeps.values()) await write({ type: 'sweep', progress });
    for (const [key, { item, version }] of this.audit) await write({ type: 'audit', key, item, version });
    for (const watch of this.watches.values()) await write({ type: 'watch', watch });
    out.end();
    await finished(out);
    renameSync(partial, this.path);
  }

  private setSecret(record: SecretRecord): void {
    const old = this.secrets.get(record.arn);
    if (old) for (const name of keyNamesOf(old.state)) this.byKey.get(name)?.delete(record.arn);
    this.secrets.set(record.arn, record);
    const entry = keyIndexEntry(record.state);
    for (const name of keyNamesOf(record.state)) {
      let ofKey = this.byKey.get(name);
      if (!ofKey) this.byKey.set(name, (ofKey = new Map()));
      ofKey.set(record.arn, entry);
    }
  }

  private setReader(reader: ReaderBaseline): void {
    let ofSecret = this.readers.get(reader.secretArn);
    if (!ofSecret) this.readers.set(reader.secretArn, (ofSecret = new Map()));
    ofSecret.set(reader.principal, reader);
  }

  async getSecret(arn: string): Promise<SecretRecord | undefined> {
    return copy(this.secrets.get(arn));
  }

  async getSecrets(arns: readonly string[]): Promise<Map<string, SecretRecord>> {
    return copiesOf(this.secrets, arns);
  }

  async putSecret(record: SecretRecord, options?: PutOptions): Promise<PutOutcome> {
    const stored = this.secrets.get(record.arn);
    const outcome = putOutcome(stored, record, options);
    if (outcome === 'written') this.setSecret({ ...copy(record), version: (stored?.version ?? 0) + 1 });
    return outcome;
  }

  async deleteSecret(arn: string): Promise<void> {
    const old = this.secrets.get(arn);
    if (!old) return;
    for (const name of keyNamesOf(old.state)) this.byKey.get(name)?.delete(arn);
    this.secrets.delete(arn);
  }

  async markDirty(arn: string, reason: string): Promise<void> {
    const record = this.secrets.get(arn);
    if (record) this.secrets.set(arn, { ...record, dirty: true, dirtyReason: reason });
  }

  async secretsByKey(keyNames: Iterable<string>): Promise<KeyIndexEntry[]> {
    const found = new Map<string, KeyIndexEntry>();
    for (const name of keyNames) for (const entry of this.byKey.get(name)?.values() ?? []) found.set(entry.arn, entry);
    return [...found.values()];
  }

  async *allSecrets(): AsyncIterable<SecretRecord> {
    for (const record of this.secrets.values()) yield copy(record);
  }

  async getReaders(secretArn: string): Promise<ReaderBaseline[]> {
    return [...(this.readers.get(secretArn)?.values() ?? [])].map(copy);
  }

  async getReader(secretArn: string, principal: string): Promise<ReaderBaseline | undefined> {
    return copy(this.readers.get(secretArn)?.get(principal));
  }

  async updateReaders(observations: readonly ReaderObservation[]): Promise<ReaderBaseline[]> {
    return foldObservations(observations).map((seen) => {
      const merged = mergeReader(this.readers.get(seen.secretArn)?.get(seen.principal), seen);
      this.setReader(merged);
      return copy(merged);
    });
  }

  async getReadersOf(pairs: readonly { secretArn: string; principal: string }[]): Promise<ReaderBaseline[]> {
    const out: ReaderBaseline[] = [];
    for (const { secretArn, principal } of pairs) {
      const reader = this.readers.get(secretArn)?.get(principal);
      if (reader) out.push(copy(reader));
    }
    return out;
  }

  async getAuditItems(keys: readonly string[]): Promise<Map<string, AuditItem>> {
    return copiesOf(this.audit, keys);
  }

  /** The same versions as the table's, checked in memory: one process, but the same interface and the same answers. */
  async putAuditItem(key: string, item: unknown, expectedVersion: number | null): Promise<'written' | 'conflict'> {
    if ((this.audit.get(key)?.version ?? null) !== expectedVersion) return 'conflict';
    this.audit.set(key, { item: copy(item), version: (expectedVersion ?? 0) + 1 });
    return 'written';
  }

  async getSecretWatches(secretArns: readonly string[]): Promise<SecretWatchRecord[]> {
    const out: SecretWatchRecord[] = [];
    for (const arn of new Set(secretArns)) {
      const watch = this.watches.get(arn);
      if (watch) out.push(copy(watch));
    }
    return out;
  }

  async mergeSecretWatches(watches: readonly SecretWatchMerge[]): Promise<void> {
    for (const watch of watches) this.watches.set(watch.secretArn, mergeWatch(this.watches.get(watch.secretArn), watch));
  }

  async getSweepProgress(runId: string): Promise<SweepProgress | undefined> {
    return copy(this.sweeps.get(runId));
  }

  async putSweepProgress(progress: SweepProgress): Promise<void> {
    this.sweeps.set(progress.runId, copy(progress));
  }

  async deleteSweepProgress(runId: string): Promise<void> {
    this.sweeps.delete(runId);
  }

  async getMeta(): Promise<StoreMeta> {
    return { ...this.meta };
  }

  async putMeta(meta: Partial<StoreMeta>): Promise<void> {
    this.meta = { ...this.meta, ...meta };
  }
}

/** The items stored under these keys, each a copy. */
function copiesOf<T>(items: ReadonlyMap<string, T>, keys: readonly string[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const key of keys) {
    const item = items.get(key);
    if (item !== undefined) out.set(key, copy(item));
  }
  return out;
}

/** Callers get their own copy: changing what a store returned never changes the store. */
function copy<T>(value: T): T {
  return copyValue(value) as T;
}

// Items are plain JSON data: copied by a walk, several times faster than structuredClone (an audit run stores a window of
// 500 recent reads per principal); anything else (a Date, a Map) still goes through structuredClone.
function copyValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyValue);
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyValue((value as Record<string, unknown>)[key]);
    // A key named __proto__ (a secret may be called that) stays a key, as structuredClone keeps it.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
  return out;
}
