import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { evaluateSecrets, type ControlParams } from '../controls/index.js';
import type { Finding } from '../controls/types.js';
import type { SecretState } from '../model/index.js';
import type { ReaderBaseline, StateStore, SweepProgress } from '../state/index.js';
import type { SecretsReaders } from '../audit/access-lookup.js';
import { readInventory, type Inventory } from './aws.js';
import { freshnessOf, rememberSweep } from './sweep-state.js';

export interface SweepJobClients {
  secretsManager: (region: string) => SecretsManagerClient;
  kms: (region: string) => KMSClient;
}

export interface SweepJobOptions {
  clients: SweepJobClients;
  /** Where the run's progress and every secret it read are kept between invocations. */
  store: StateStore;
  params: ControlParams;
  /** True when the invocation must stop reading and hand over. */
  outOfTime: () => boolean;
  pageSize?: number;
  policyRatePerSecond?: number;
  /** The access audit's readers of a page of secrets (one lookup each): the unused control cites the last, the report lists them. */
  readersOf?: (states: readonly SecretState[]) => Promise<SecretsReaders>;
}

/** One region of a finished run: its secrets and their findings, in the same order. */
export interface SweptRegion {
  region: string;
  states: SecretState[];
  findings: Finding[][];
  /** With `readersOf`: each secret's readers in the access report's period. */
  readers?: Map<string, ReaderBaseline[]>;
}

/** A new run's progress, before its first page. */
export function startProgress(run: { runId: string; startedAt: number; account: string; regions: string[]; full: boolean }): SweepProgress {
  return { ...run, regionIndex: 0, invocations: 0, freshness: {}, dropped: [] };
}

/**
 * Reads page after page, region after region, until the run is read or time runs short; never reads a page twice.
 * Each page is judged and written to the store as it is read: only secrets that changed since they were stored (or that
 * events marked, or that were never read) cost a GetResourcePolicy, and a full run reads every one. The progress (a few
 * counters and the next token) goes back to the store, never the secrets: it does not grow with the account.
 */
export async function continueSweep(start: SweepProgress, options: SweepJobOptions): Promise<{ done: false; progress: SweepProgress } | { done: true; progress: SweepProgress; regions: SweptRegion[] }> {
  const progress: SweepProgress = { ...start, freshness: { ...start.freshness }, dropped: [...start.dropped], invocations: start.invocations + 1 };
  // A run read whole in this invocation has every page in memory; one that continued reads the earlier pages back.
  const wholeRun = start.invocations === 0;
  const pages = new Map<string, { inventory: Inventory; findings: Finding[][]; readers?: Map<string, ReaderBaseline[]> }[]>();
  while (progress.regionIndex < progress.regions.length) {
    const region = progress.regions[progress.regionIndex] as string;
    if (options.outOfTime()) {
      await options.store.putSweepProgress(progress);
      return { done: false, progress };
    }
    const page = await readRegion(region, options, { full: progress.full, maxPages: 1, ...(progress.nextToken ? { startToken: progress.nextToken } : {}) });
    // A continued run's pages are judged again at its end: only then are their readers worth a lookup.
    const { findings, readers } = await judgePage(page.states, progress.startedAt, options, wholeRun);
    await rememberSweep(options.store, page, findings, progress.startedAt);
    const f = freshnessOf([page]);
    const so = progress.freshness[region] ?? { readFresh: 0, fromStore: 0, oldestStoredAt: null };
    const oldest = [so.oldestStoredAt, f.oldestStoredAt].filter((t): t is number => t !== null);
    progress.freshness[region] = { readFresh: so.readFresh + f.readFresh, fromStore: so.fromStore + f.fromStore, oldestStoredAt: oldest.length ? Math.min(...oldest) : null };
    progress.dropped.push(...page.dropped);
    for (const u of page.unsupported) if (!progress.unsupported?.some((k) => k.region === u.region && k.operation === u.operation)) (progress.unsupported ??= []).push(u);
    if (wholeRun) pages.set(region, [...(pages.get(region) ?? []), { inventory: page, findings, ...(readers ? { readers } : {}) }]);
    if (page.nextToken) progress.nextToken = page.nextToken;
    else {
      delete progress.nextToken;
      progress.regionIndex += 1;
    }
  }
  const regions: SweptRegion[] = [];
  for (const region of progress.regions) {
    if (wholeRun) {
      const read = pages.get(region) ?? [];
      const readers = options.readersOf ? new Map(read.flatMap((p) => [...(p.readers ?? [])])) : undefined;
      regions.push({ region, states: read.flatMap((p) => p.inventory.states), findings: read.flatMap((p) => p.findings), ...(readers ? { readers } : {}) });
    } else {
      // The earlier invocations' secrets are in the store: one more listing (100 a call) finds them there, and reads
      // fresh only what changed since.
      const inventory = await readRegion(region, options, { full: false });
      const { findings, readers } = await judgePage(inventory.states, progress.startedAt, options, true);
      await rememberSweep(options.store, inventory, findings, progress.startedAt);
      regions.push({ region, states: inventory.states, findings, ...(readers ? { readers } : {}) });
    }
  }
  await options.store.putMeta({ filledAt: progress.startedAt, ...(progress.full ? { lastFullAt: progress.startedAt } : {}) });
  await options.store.deleteSweepProgress(progress.runId);
  return { done: true, progress, regions };
}

/** A page's findings, judged with the last reader of each secret when the access audit has them. */
async function judgePage(states: readonly SecretState[], now: number, options: SweepJobOptions, withReaders: boolean): Promise<{ findings: Finding[][]; readers?: Map<string, ReaderBaseline[]> }> {
  const seen = withReaders ? await options.readersOf?.(states) : undefined;
  const findings = await evaluateSecrets(states, { now, params: options.params, ...(seen ? { lastReaders: seen.lastReaders } : {}) });
  return { findings, ...(seen ? { readers: seen.readers } : {}) };
}

function readRegion(region: string, options: SweepJobOptions, page: { full: boolean; maxPages?: number; startToken?: string }): Promise<Inventory> {
  return readInventory({
    secretsManager: options.clients.secretsManager(region),
    kms: options.clients.kms(region),
    secretsManagerIn: options.clients.secretsManager,
    store: options.store,
    ...page,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.policyRatePerSecond ? { policyRatePerSecond: options.policyRatePerSecond } : {}),
  });
}
