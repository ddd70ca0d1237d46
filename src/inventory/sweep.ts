import { type AwsOptions } from '../aws/clients.js';
import { kmsClient } from '../aws/clients/kms.js';
import { secretsManagerClient } from '../aws/clients/secrets-manager.js';
import { evaluateSecrets, listControls, type ControlParams } from '../controls/index.js';
import { buildReport, type Report, type ReportScope } from '../reports/report.js';
import { FileSink } from '../reports/sinks.js';
import type { StateStore } from '../state/index.js';
import { freshnessScope, rememberSweep } from './sweep-state.js';
import { readInventory, type CapturedSecret, type Inventory, type InventoryNote } from './aws.js';

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

/** Reads every secret of each region, evaluates them, and builds the report. Regions are read one after another. */
export async function sweepAccount(options: LiveSweepOptions): Promise<LiveSweep> {
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
  const states = Object.values(inventories).flatMap((i) => i.states);
  const findings = await evaluateSecrets(states, { now: options.now, params: options.params });
  let freshness: ReportScope['freshness'];
  if (options.store) {
    let offset = 0;
    for (const inventory of Object.values(inventories)) {
      await rememberSweep(options.store, inventory, findings.slice(offset, offset + inventory.states.length), options.now);
      offset += inventory.states.length;
    }
    await options.store.putMeta({ filledAt: options.now, ...(options.full ? { lastFullAt: options.now } : {}) });
    freshness = freshnessScope(Object.values(inventories));
  }
  const dropped: InventoryNote[] = Object.values(inventories).flatMap((i) => i.dropped);
  const unsupported = Object.values(inventories).flatMap((i) => i.unsupported);
  const report = buildReport({
    controls: await listControls(),
    states,
    findings,
    scope: { source: 'live', account, regions: options.regions, ...(freshness ? { freshness } : {}) },
    params: options.params,
    evaluatedAt: options.now,
    generatedAt: options.clock(),
    dropped,
    unsupported,
  });
  return { report, account, inventories };
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
