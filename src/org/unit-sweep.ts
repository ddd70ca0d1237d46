import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsOptions } from '../aws/clients.js';
import { kmsClient } from '../aws/clients/kms.js';
import { secretsManagerClient } from '../aws/clients/secrets-manager.js';
import { evaluateSecrets, type Control, type ControlParams } from '../controls/index.js';
import { readInventory } from '../inventory/aws.js';
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
}

/**
 * Sweeps one account in one region. A refusal (no role, a trust policy or SCP that refuses vigil, ListSecrets denied) is
 * the unit's result, `failed` with the reason: a finding about that account. Any other error is thrown, to be retried.
 */
export async function sweepUnit(unit: SweepUnit, ctx: UnitSweepContext): Promise<{ result: UnitResult; report?: Report }> {
  let inventory;
  try {
    const member = await memberAccountAws(ctx.aws, ctx.sts, unit.account, ctx.ownAccount, ctx.role, ctx.clock);
    const aws = { ...member, region: unit.region };
    inventory = await readInventory({
      secretsManager: secretsManagerClient(aws),
      kms: kmsClient(aws),
      secretsManagerIn: (other) => secretsManagerClient({ ...member, region: other }),
      ...(ctx.policyRatePerSecond ? { policyRatePerSecond: ctx.policyRatePerSecond } : {}),
      ...(ctx.onSecret ? { onSecret: ctx.onSecret } : {}),
    });
  } catch (error) {
    if (error instanceof MemberAccessError) return { result: failedUnit(unit, error.reason) };
    if (isRefusal(error)) return { result: failedUnit(unit, `${(error as Error).name} on secretsmanager:ListSecrets: ${(error as Error).message}`.slice(0, 400)) };
    throw error;
  }
  const findings = await evaluateSecrets(inventory.states, { now: ctx.now, params: ctx.params });
  const report = buildReport({
    controls: ctx.controls,
    states: inventory.states,
    findings,
    scope: { source: 'live', account: unit.account, regions: [unit.region] },
    params: ctx.params,
    evaluatedAt: ctx.now,
    generatedAt: ctx.clock(),
    dropped: inventory.dropped,
  });
  return { result: summariseUnit(unit, report), report };
}

export function failedUnit(unit: SweepUnit, reason: string, attempts?: number): UnitResult {
  return { account: unit.account, region: unit.region, status: 'failed', reason, ...(attempts ? { attempts } : {}), secrets: 0, controls: [], failures: [], unreadable: 0 };
}
