import { type AwsOptions } from '../aws/clients.js';
import { kmsClient } from '../aws/clients/kms.js';
import { secretsManagerClient } from '../aws/clients/secrets-manager.js';
import { evaluateSecrets, listControls, type ControlParams, type Finding } from '../controls/index.js';
import type { SecretState } from '../model/index.js';
import { buildReport, type Report, type ReportScope } from '../reports/report.js';
import { FileSink } from '../reports/sinks.js';
import type { StateStore } from '../state/index.js';
import { freshnessScope, rememberSweep } from './sweep-state.js';
import { readInventory, type CapturedSecret, type Inventory, type InventoryNote, type UnsupportedRead } from './aws.js';

export interface LiveSweepOptions {
  regions: string[];
  aws: Omit<AwsOptions, 'region'>;
  params: ControlParams;
  /** Evaluation time, epoch seconds. */
  now: number;
  /** Generation time, epoch seconds. */
  clock: () => number;
  policyRatePerSecond?: number;
  /** The state store: only secrets that changed are read from AWS, and what was read is stored. */
  store?: StateStore;
  /** Read every secret again, whatever the store holds. */
  full?: boolean;
  onProgress?: (region: string, done: number, total: number) => void;
}

export interface LiveSweep {
  report: Report;
  account: string;
  inventories: Record<string, Inventory>;
}

/** What a live sweep read, before anything is judged: the secrets of each region, and what could not be read. */
export interface AccountRead {
  account: string;
  inventories: Record<string, Inventory>;
  states: SecretState[];
  scope: ReportScope;
  dropped: InventoryNote[];
  unsupported: UnsupportedRead[];
}

/** Reads every secret of each region (one region after another), judging none. */
export async function readAccount(options: Omit<LiveSweepOptions, 'params' | 'now' | 'clock'>): Promise<AccountRead> {
  const first = options.regions[0] ?? 'us-east-1';
  // Loaded here, not at module load: the sweep Lambda bundles this module (for snapshotDocument) but takes its
  // account from its function ARN, so STS stays out of its cold start.
  const [{ GetCallerIdentityCommand }, { stsClient }] = await Promise.all([import('@aws-sdk/client-sts'), import('../aws/clients/sts.js')]);
  const identity = await stsClient({ ...options.aws, region: first }).send(new GetCallerIdentityCommand({}));
  const account = identity.Account ?? 'unknown';
  const inventories: Record<string, Inventory> = {};
  for (const region of options.regions) {
    const aws = { ...options.aws, region };
    inventories[region] = await readInventory({
      secretsManager: secretsManagerClient(aws),
      kms: kmsClient(aws),
      secretsManagerIn: (other) => secretsManagerClient({ ...options.aws, region: other }),
      ...(options.policyRatePerSecond ? { policyRatePerSecond: options.policyRatePerSecond } : {}),
      onSecret: (done, total) => options.onProgress?.(region, done, total),
      ...(options.store ? { store: options.store, full: options.full ?? false } : {}),
    });
  }
  const all = Object.values(inventories);
  const freshness = options.store ? freshnessScope(all) : undefined;
  return {
    account,
    inventories,
    states: all.flatMap((i) => i.states),
    scope: { source: 'live', account, regions: options.regions, ...(freshness ? { freshness } : {}) },
    dropped: all.flatMap((i) => i.dropped),
    unsupported: all.flatMap((i) => i.unsupported),
  };
}

/**
 * What the store is told of a read account's secrets once judged, a batch of them at a time (any states of the read, in
 * any order); `done` records the sweep itself.
 */
export function accountMemory(store: StateStore, read: AccountRead, now: number, full: boolean) {
  const inventoryOf = new Map<string, Inventory>();
  for (const inventory of Object.values(read.inventories)) for (const state of inventory.states) inventoryOf.set(state.arn, inventory);
  return {
    remember: async (states: readonly SecretState[], findings: readonly Finding[][]) => {
      const byInventory = new Map<Inventory, { states: SecretState[]; findings: Finding[][] }>();
      states.forEach((state, i) => {
        const inventory = inventoryOf.get(state.arn);
        if (!inventory) return;
        const group = byInventory.get(inventory) ?? { states: [], findings: [] };
        group.states.push(state);
        group.findings.push(findings[i] ?? []);
        byInventory.set(inventory, group);
      });
      for (const [inventory, group] of byInventory) await rememberSweep(store, { ...inventory, states: group.states }, group.findings, now);
    },
    done: () => store.putMeta({ filledAt: now, ...(full ? { lastFullAt: now } : {}) }),
  };
}

/** Reads every secret of each region, evaluates them, and builds the report in memory (the demo; the CLI streams instead). */
export async function sweepAccount(options: LiveSweepOptions): Promise<LiveSweep> {
  const read = await readAccount(options);
  const findings = await evaluateSecrets(read.states, { now: options.now, params: options.params });
  if (options.store) {
    const memory = accountMemory(options.store, read, options.now, options.full ?? false);
    await memory.remember(read.states, findings);
    await memory.done();
  }
  const report = buildReport({
    controls: await listControls(),
    states: read.states,
    findings,
    scope: read.scope,
    params: options.params,
    evaluatedAt: options.now,
    generatedAt: options.clock(),
    dropped: read.dropped,
    unsupported: read.unsupported,
  });
  return { report, account: read.account, inventories: read.inventories };
}

/** DESIGN.md's snapshot document from what a sweep read. Dates become ISO-8601 strings. */
export function snapshotDocument(account: string, region: string, capturedAt: number, captured: CapturedSecret[]) {
  return { ...snapshotHead(account, region, capturedAt), secrets: captured.map(snapshotSecret) };
}

function snapshotHead(account: string, region: string, capturedAt: number) {
  return { snapshotVersion: 1, account, region, capturedAt: new Date(capturedAt * 1000).toISOString() };
}

function snapshotSecret(c: CapturedSecret) {
  return {
    describe: c.describe,
    resourcePolicy: c.resourcePolicy,
    resourcePolicies: c.resourcePolicies,
    kmsKey: c.kmsKey,
    ...(Object.keys(c.unreadable).length ? { unreadable: c.unreadable } : {}),
  };
}

/**
 * A snapshot written a region at a time, for secrets of many accounts (each secret's account and region are its ARN's;
 * `account`/`region` are the defaults DESIGN.md's format asks for). Memory holds one region's secrets, never the file.
 */
export class SnapshotWriter {
  private readonly sink: FileSink;
  private count = 0;
  constructor(path: string, account: string, region: string, capturedAt: number) {
    this.sink = new FileSink(path);
    const head = JSON.stringify(snapshotHead(account, region, capturedAt));
    this.sink.write(`${head.slice(0, -1)},"secrets":[\n`);
  }
  add(captured: readonly CapturedSecret[]): void {
    for (const c of captured) this.sink.write(`${this.count++ ? ',\n' : ''}${JSON.stringify(snapshotSecret(c))}`);
  }
  /** Closes the document; the number of secrets written. */
  close(): number {
    this.sink.write('\n]}\n');
    this.sink.close();
    return this.count;
  }
}
