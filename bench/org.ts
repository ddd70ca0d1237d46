import { GetResourcePolicyCommand, ListSecretsCommand, type SecretListEntry } from '@aws-sdk/client-secrets-manager';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { STSClient } from '@aws-sdk/client-sts';
import { DEFAULT_PARAMS, listControls, preloadControls, STATUSES, type Status } from '../src/controls/index.js';
import { buildOrgReport, renderOrgMarkdown, type FailureRow, type UnitResult } from '../src/org/report.js';
import { runUnits } from '../src/org/run.js';
import { DEFAULT_POLICY_RATE_PER_SECOND } from '../src/inventory/index.js';
import { sweepUnit } from '../src/org/unit-sweep.js';
import { planUnits } from '../src/org/units.js';
import type { Metric } from './metrics.js';

const ACCOUNTS = 50;
const REGIONS = ['us-east-1', 'eu-west-1'];
const SECRETS = 200;
const QUOTA = 50;
const LATENCY_MS = 20;
// The deploy's default orgConcurrency: how many units Lambda runs side by side.
const CONCURRENCY = 100;
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/app' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
const pause = () => new Promise((r) => setTimeout(r, LATENCY_MS));

/** One simulated account-region: answers after 20 ms and, like AWS, refuses a 51st GetResourcePolicy within a second. */
function simulatedRegion(account: string, region: string) {
  const calls: number[] = [];
  let overQuota = 0;
  const entries: SecretListEntry[] = Array.from({ length: SECRETS }, (_, i) => ({
    ARN: `arn:aws:secretsmanager:${region}:${account}:secret:app/secret-${i}-AbCdEf`,
    Name: `app/secret-${i}`,
    CreatedDate: new Date(Date.UTC(2026, 0, 1)),
    LastChangedDate: new Date(Date.UTC(2026, 5, 1)),
    RotationEnabled: i % 2 === 0,
    ...(i % 2 === 0 ? { RotationRules: { AutomaticallyAfterDays: 30 }, LastRotatedDate: new Date(Date.UTC(2026, 10, 20)), NextRotationDate: new Date(Date.UTC(2026, 11, 20)) } : {}),
    Tags: [{ Key: 'team', Value: 'payments' }],
  }));
  const send = async (command: object): Promise<unknown> => {
    // The quota counts requests as they are sent (an answer comes back 20 ms later).
    const sentAt = performance.now();
    await pause();
    if (command instanceof ListSecretsCommand) {
      const start = Number(command.input.NextToken ?? 0);
      const size = command.input.MaxResults ?? 100;
      return { SecretList: entries.slice(start, start + size), ...(start + size < entries.length ? { NextToken: String(start + size) } : {}) };
    }
    if (command instanceof GetResourcePolicyCommand) {
      while (calls.length && (calls[0] as number) <= sentAt - 1000) calls.shift();
      calls.push(sentAt);
      if (calls.length > QUOTA) {
        overQuota += 1;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      return { ResourcePolicy: POLICY };
    }
    throw new Error(`the simulation does not answer ${command.constructor.name}`);
  };
  return { client: { send } as unknown as SecretsManagerClient, overQuota: () => overQuota };
}

async function benchFanOut(): Promise<Metric[]> {
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => String(100000000000 + i));
  const units = planUnits(accounts, REGIONS);
  const regions = new Map(units.map((u) => [`${u.account}/${u.region}`, simulatedRegion(u.account, u.region)]));
  const sts = { send: async () => (await pause(), { Credentials: { AccessKeyId: 'sim', SecretAccessKey: 'sim', SessionToken: 'sim' } }) } as unknown as STSClient;
  const kms = { send: async () => (await pause(), { KeyMetadata: { KeyManager: 'CUSTOMER', KeyState: 'Enabled' } }) } as unknown as KMSClient;
  const controls = await listControls();
  await preloadControls();
  const start = performance.now();
  const results = await runUnits(units, CONCURRENCY, (unit) =>
    sweepUnit(unit, {
      aws: {},
      sts,
      role: { roleName: 'vigil-audit' },
      controls,
      params: DEFAULT_PARAMS,
      now: Date.UTC(2026, 11, 4) / 1000,
      clock: () => Date.now() / 1000,
      // vigil's default limiter (45/s), a margin under AWS's 50/s for timers that fire late on a busy machine.
      policyRatePerSecond: DEFAULT_POLICY_RATE_PER_SECOND,
      clientsFor: () => ({ secretsManager: (regions.get(`${unit.account}/${unit.region}`) as ReturnType<typeof simulatedRegion>).client, kms }),
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const failed = results.filter((r) => r.status === 'failed').length;
  const overQuota = [...regions.values()].reduce((n, r) => n + r.overQuota(), 0);
  const bound = SECRETS / QUOTA;
  return [
    { metric: 'org.sweep_quota_bound_ratio', value: seconds / bound, unit: `wall / largest unit's bound (${SECRETS} ÷ ${QUOTA}/s), ${ACCOUNTS} accounts × ${REGIONS.length} regions, ${LATENCY_MS} ms a call, ${failed} units failed`, target: { op: '<=', value: 1.3 } },
    { metric: 'org.calls_over_quota', value: overQuota, unit: 'GetResourcePolicy calls a simulated account-region refused (beyond 50/s)', target: { op: '<=', value: 0 } },
  ];
}


/** The organisation report of 100,000 findings over 50 accounts × 2 regions, built and rendered (JSON and Markdown). */
async function benchOrgReport(): Promise<Metric[]> {
  const controls = await listControls();
  const perUnit = Math.ceil(100_000 / controls.length / (ACCOUNTS * REGIONS.length));
  const units: UnitResult[] = [];
  for (let a = 0; a < ACCOUNTS; a += 1) {
    for (const region of REGIONS) {
      const account = String(200000000000 + a);
      const failures: FailureRow[] = [];
      const counts = controls.map(() => Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>);
      for (let i = 0; i < perUnit; i += 1) {
        controls.forEach((c, k) => {
          const status: Status = (i + k) % 4 === 0 ? 'FAIL' : (i + k) % 17 === 0 ? 'ERROR' : 'PASS';
          (counts[k] as Record<Status, number>)[status] += 1;
          if (status !== 'PASS') failures.push({ account, region, arn: `arn:aws:secretsmanager:${region}:${account}:secret:app/s-${i}-AbCdEf`, name: `app/s-${i}`, controlId: c.id, severity: c.severity, status, reason: `${c.title} does not hold for app/s-${i}.`, exempted: i % 50 === 0 });
        });
      }
      units.push({ account, region, status: 'swept', secrets: perUnit, controls: controls.map((c, k) => ({ controlId: c.id, counts: counts[k] as Record<Status, number>, exemptedFailures: 0 })), failures, unreadable: 0 });
    }
  }
  const findings = perUnit * controls.length * units.length;
  const start = performance.now();
  const previous = buildOrgReport({ units, controls, evaluatedAt: 0, generatedAt: 1 });
  const report = buildOrgReport({ units, controls, evaluatedAt: 2, generatedAt: 3, previous });
  const bytes = JSON.stringify(report).length + renderOrgMarkdown(report).length;
  const ms = performance.now() - start;
  return [{ metric: 'org.report_ms.100k', value: ms, unit: `ms to build (with the diff) and render ${findings.toLocaleString('en-US')} findings over ${ACCOUNTS} accounts (${Math.round(bytes / 1e6)} MB written)`, target: { op: '<=', value: 10_000 } }];
}

export async function benchOrg(): Promise<Metric[]> {
  return [...(await benchFanOut()), ...(await benchOrgReport())];
}
