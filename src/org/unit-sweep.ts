import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsOptions } from '../aws/clients.js';
import { kmsClient } from '../aws/clients/kms.js';
import { secretsManagerClient } from '../aws/clients/secrets-manager.js';
import { evaluateSecrets, type Control, type ControlParams, type Finding } from '../controls/index.js';
import type { SecretState } from '../model/index.js';
import { readInventory, type CapturedSecret } from '../inventory/aws.js';
import { freshnessScope, rememberSweep } from '../inventory/sweep-state.js';
import type { StateStore } from '../state/index.js';
import { buildReport, type Report } from '../reports/report.js';
import { summariseUnit, type UnitResult } from './report.js';
import { isRefusal, memberAccountAws, MemberAccessError, type MemberRole } from './roles.js';
import type { SweepUnit } from './units.js';

export interface UnitSweepContext {
  /** How to reach AWS from where vigil runs (profile, endpoint), before any role is assumed. */
  aws: Omit<AwsOptions, 'region'>;
  sts: STSClient;
  /** The account vigil runs in: swept with its own credentials, no role assumed. */
  ownAccount?: string;
  role: MemberRole;
  controls: Control[];
  params: ControlParams;
  /** Evaluation time of the whole organisation sweep, epoch seconds. */
  now: number;
  clock: () => number;
  policyRatePerSecond?: number;
  onSecret?: (done: number, total: number) => void;
  /**
   * The state store: a secret whose LastChangedDate is the one stored (and no event marked it) is judged from the store, not
   * read again; what was read is stored. Each account's secrets are its own records (the key is the secret's ARN).
   */
  store?: StateStore;
  /** Read every secret again, whatever the store holds. */
  full?: boolean;
  /** The clients of one account-region (default: the SDK's, built from `aws`); the bench passes simulated ones. */
  clientsFor?: (aws: AwsOptions) => { secretsManager: SecretsManagerClient; kms: KMSClient };
}

const JUDGE_BATCH = 25;
const sdkClients = (aws: AwsOptions) => ({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws) });

/**
 * Sweeps one account in one region. A refusal (no role, a trust policy or SCP that refuses vigil, ListSecrets denied) is
 * the unit's result, `failed` with the reason: a finding about that account. Any other error is thrown, to be retried.
 */
export async function sweepUnit(unit: SweepUnit, ctx: UnitSweepContext): Promise<UnitOutcome> {
  // Secrets are judged in small batches while the rest are read: the reads wait on the quota, the judging needs the CPU.
  const judged: { states: SecretState[]; findings: Finding[][] } = { states: [], findings: [] };
  let pending: SecretState[] = [];
  let judging: Promise<void> = Promise.resolve();
  const judge = () => {
    const batch = pending;
    pending = [];
    judging = judging.then(async () => {
      judged.findings.push(...(await evaluateSecrets(batch, { now: ctx.now, params: ctx.params })));
      judged.states.push(...batch);
    });
  };
  let inventory;
  try {
    const member = await memberAccountAws(ctx.aws, ctx.sts, unit.account, ctx.ownAccount, ctx.role, ctx.clock);
    const clientsFor = ctx.clientsFor ?? sdkClients;
    inventory = await readInventory({
      ...clientsFor({ ...member, region: unit.region }),
      secretsManagerIn: (other) => clientsFor({ ...member, region: other }).secretsManager,
      ...(ctx.policyRatePerSecond ? { policyRatePerSecond: ctx.policyRatePerSecond } : {}),
      ...(ctx.onSecret ? { onSecret: ctx.onSecret } : {}),
      ...(ctx.store ? { store: ctx.store, full: ctx.full ?? false } : {}),
      onState: (state) => {
        pending.push(state);
        if (pending.length >= JUDGE_BATCH) judge();
      },
    });
  } catch (error) {
    await judging.catch(() => undefined);
    if (error instanceof MemberAccessError) return { result: failedUnit(unit, error.reason) };
    if (isRefusal(error)) return { result: failedUnit(unit, `${(error as Error).name} on secretsmanager:ListSecrets: ${(error as Error).message}`.slice(0, 400)) };
    throw error;
  }
  // Secrets the store answered for were not read, so not yet judged.
  if (inventory.memory) for (const state of inventory.states) if (!inventory.memory.fresh.has(state.arn)) pending.push(state);
  judge();
  await judging;
  const byArn = new Map(judged.states.map((state, i) => [state.arn, judged.findings[i] as Finding[]]));
  const findings = inventory.states.map((state) => byArn.get(state.arn) as Finding[]);
  let freshness;
  if (ctx.store) {
    await rememberSweep(ctx.store, inventory, findings, ctx.now);
    freshness = freshnessScope([inventory]);
  }
  const report = buildReport({
    controls: ctx.controls,
    states: inventory.states,
    findings,
    scope: { source: 'live', account: unit.account, regions: [unit.region], ...(freshness ? { freshness } : {}) },
    params: ctx.params,
    evaluatedAt: ctx.now,
    generatedAt: ctx.clock(),
    dropped: inventory.dropped,
  });
  return { result: summariseUnit(unit, report), report, captured: inventory.captured };
}

/** A unit's result; when it was swept, its report and what was read (for a snapshot). */
export interface UnitOutcome {
  result: UnitResult;
  report?: Report;
  captured?: CapturedSecret[];
}

export function failedUnit(unit: SweepUnit, reason: string, attempts?: number): UnitResult {
  return { account: unit.account, region: unit.region, status: 'failed', reason, ...(attempts ? { attempts } : {}), secrets: 0, controls: [], failures: [], unreadable: 0 };
}
