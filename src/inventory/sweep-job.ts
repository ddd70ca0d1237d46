import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readInventory, type CapturedSecret, type InventoryNote, type UnsupportedRead } from './aws.js';

/** Where a sweep that outgrew one invocation stands: what it has read so far, and where to go on. */
export interface SweepCheckpoint {
  runId: string;
  /** Evaluation time of the whole run, epoch seconds: every invocation judges as of the run's start. */
  startedAt: number;
  account: string;
  regions: string[];
  regionIndex: number;
  nextToken?: string;
  captured: Record<string, CapturedSecret[]>;
  dropped: InventoryNote[];
  /** Operations an endpoint did not know, once per region (absent in checkpoints written before vigil knew of any). */
  unsupported?: UnsupportedRead[];
  invocations: number;
}

export interface SweepJobClients {
  secretsManager: (region: string) => SecretsManagerClient;
  kms: (region: string) => KMSClient;
}

export interface SweepJobOptions {
  clients: SweepJobClients;
  /** True when the invocation must stop reading and hand over. */
  outOfTime: () => boolean;
  pageSize?: number;
  policyRatePerSecond?: number;
}

/** Reads page after page, region after region, until the run is read or time runs short; never reads a page twice. */
export async function continueSweep(checkpoint: SweepCheckpoint, options: SweepJobOptions): Promise<{ done: boolean; checkpoint: SweepCheckpoint }> {
  const state: SweepCheckpoint = { ...checkpoint, captured: { ...checkpoint.captured }, dropped: [...checkpoint.dropped], invocations: checkpoint.invocations + 1 };
  while (state.regionIndex < state.regions.length) {
    const region = state.regions[state.regionIndex] as string;
    if (options.outOfTime()) return { done: false, checkpoint: state };
    const page = await readInventory({
      secretsManager: options.clients.secretsManager(region),
      kms: options.clients.kms(region),
      secretsManagerIn: options.clients.secretsManager,
      maxPages: 1,
      ...(state.nextToken ? { startToken: state.nextToken } : {}),
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      ...(options.policyRatePerSecond ? { policyRatePerSecond: options.policyRatePerSecond } : {}),
    });
    state.captured[region] = [...(state.captured[region] ?? []), ...page.captured];
    state.dropped.push(...page.dropped);
    for (const u of page.unsupported) if (!state.unsupported?.some((k) => k.region === u.region && k.operation === u.operation)) (state.unsupported ??= []).push(u);
    if (page.nextToken) state.nextToken = page.nextToken;
    else {
      delete state.nextToken;
      state.regionIndex += 1;
    }
  }
  return { done: true, checkpoint: state };
}
