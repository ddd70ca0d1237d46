import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsOptions } from '../aws/clients.js';
import { organizationsClient } from '../aws/clients/organizations.js';
import { stsClient } from '../aws/clients/sts.js';
import { listControls, type ControlParams, type Finding, type Severity } from '../controls/index.js';
import { listOrganizationAccounts } from '../org/accounts.js';
import { buildOrgReport, renderOrgMarkdown, type FailureRow, type OrgReport } from '../org/report.js';
import { runUnits } from '../org/run.js';
import { SnapshotWriter } from '../inventory/sweep.js';
import { sweepUnit } from '../org/unit-sweep.js';
import { parseAccountList, planUnits } from '../org/units.js';
import type { StateStore } from '../state/index.js';
import { toCliError } from './exit.js';
import { trippedLine, trippingFindings } from './gate.js';
import { CliError, guard, readJsonFile } from './io.js';
import { NOT_AUDITED_ORGANIZATION } from '../reports/access.js';
import { writeReports } from './output.js';
import { plural } from '../reports/writer.js';
import type { Io } from './sweep.js';

export interface OrgCliOptions {
  accounts?: string;
  organization?: boolean;
  roleName?: string;
  externalId?: string;
  concurrency?: string;
  format: 'json' | 'md' | 'table';
  out?: string;
  formats?: string[];
  previous?: string;
  failOn?: Severity;
  failOnNew?: Severity;
  profile?: string;
}

export interface OrgPlan {
  aws: Omit<AwsOptions, 'region'>;
  regions: string[];
  policyRate?: number;
}

export const DEFAULT_ROLE_NAME = 'vigil-audit';
const DEFAULT_CONCURRENCY = 16;

/** Options that mean nothing without --accounts or --organization are refused rather than ignored. */
export function checkOrgOptions(options: OrgCliOptions & { snapshot?: string }): boolean {
  const org = options.accounts !== undefined || options.organization === true;
  const orgOnly = [options.roleName !== undefined && '--role-name', options.externalId !== undefined && '--external-id', options.concurrency !== undefined && '--concurrency'].filter(Boolean);
  if (!org && orgOnly.length) throw new CliError(`${orgOnly.join(', ')} only apply to an organisation sweep: add --accounts ID,ID or --organization`);
  if (!org) return false;
  if (options.accounts !== undefined && options.organization) throw new CliError('--accounts and --organization exclude each other: name the accounts, or sweep every account of the organisation');
  if (options.snapshot) throw new CliError('--snapshot reads one file, so --accounts/--organization would be ignored: drop one of them');
  if (options.failOnNew && !options.previous) throw new CliError('--fail-on-new needs --previous organization.json');
  return true;
}

/**
 * `vigil sweep --accounts ID,ID | --organization`: every account × region, through the member role, side by side.
 * One progress line per unit on stderr; per-account reports and the organisation report under --out; the organisation
 * report on stdout. A unit that cannot be swept is reported, never fatal, and trips --fail-on (it could not be judged).
 */
export async function runOrgSweep(options: OrgCliOptions, plan: OrgPlan, params: ControlParams, now: number, io: Io, memory?: { store: StateStore; full: boolean }): Promise<number> {
  const concurrency = options.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new CliError(`--concurrency ${options.concurrency}: expected a whole number of units at once, 1 or more`);
  const roleName = options.roleName ?? DEFAULT_ROLE_NAME;
  if (!/^[\w+=,.@-]{1,64}$/.test(roleName)) throw new CliError(`--role-name ${roleName}: not an IAM role name`);
  const previous = options.previous ? loadPreviousOrgReport(options.previous) : undefined;
  const accountList = options.accounts !== undefined ? guard(() => parseAccountList(options.accounts as string, '--accounts')) : undefined;
  const home = { ...plan.aws, region: plan.regions[0] as string };
  let own: { account: string; partition: string };
  let accounts: string[];
  try {
    const identity = await stsClient(home).send(new GetCallerIdentityCommand({}));
    own = { account: identity.Account ?? '', partition: identity.Arn?.split(':')[1] ?? 'aws' };
    accounts = accountList ?? (await listOrganizationAccounts(organizationsClient(home)));
  } catch (error) {
    throw toCliError(error, { profile: options.profile });
  }
  const planned = guard(() => planUnits(accounts, plan.regions, '--region'));
  io.stderr(`vigil: sweeping ${plural(accounts.length, 'account')} × ${plural(plan.regions.length, 'region')} through role ${roleName}, ${Math.min(concurrency, planned.length)} at once\n`);
  const controls = await listControls();
  const sts = stsClient(home);
  // --out: every account-region's secrets in one snapshot (`vigil sweep --snapshot DIR/snapshot.json` judges it again).
  const snapshot = options.out ? openSnapshot(options.out, own.account, plan.regions[0] as string, now) : undefined;
  const results = await runUnits(
    planned,
    concurrency,
    (unit) =>
      sweepUnit(unit, {
        aws: plan.aws,
        sts,
        ownAccount: own.account,
        role: { roleName, partition: own.partition, ...(options.externalId ? { externalId: options.externalId } : {}) },
        controls,
        params,
        now,
        clock: io.clock,
        ...(plan.policyRate ? { policyRatePerSecond: plan.policyRate } : {}),
        ...(memory ? { store: memory.store, full: memory.full } : {}),
      }),
    async ({ result, report, captured }) => {
      if (captured) snapshot?.add(captured);
      const failing = result.failures.filter((f) => f.status === 'FAIL' && !f.exempted).length;
      io.stderr(result.status === 'swept' ? `vigil: ${result.account} ${result.region}: ${plural(result.secrets, 'secret')}, ${failing} failing\n` : `vigil: ${result.account} ${result.region}: NOT SWEPT: ${result.reason ?? 'unknown'}\n`);
      if (report && options.out) await writeReports(report, join(options.out, result.account, result.region), { ...io, stderr: () => undefined }, { formats: options.formats, access: { audited: false, reason: NOT_AUDITED_ORGANIZATION } });
    },
  );
  const org = buildOrgReport({ units: results, controls, evaluatedAt: now, generatedAt: io.clock(), ...(previous ? { previous } : {}) });
  if (snapshot) io.stderr(`vigil: wrote ${plural(snapshot.close(), 'secret')} of ${plural(org.scope.accounts, 'account')} to ${join(options.out as string, 'snapshot.json')}\n`);
  if (options.out) writeOrgReport(org, options.out, io);
  io.stdout(options.format === 'json' ? `${JSON.stringify(org, null, 2)}\n` : renderOrgMarkdown(org));
  return gateOrg(org, options, io, previous);
}

function openSnapshot(dir: string, account: string, region: string, capturedAt: number): SnapshotWriter {
  try {
    mkdirSync(dir, { recursive: true });
    return new SnapshotWriter(join(dir, 'snapshot.json'), account, region, capturedAt);
  } catch (cause) {
    throw new CliError(`--out ${dir}: cannot write the snapshot (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
}

function writeOrgReport(report: OrgReport, dir: string, io: Io): void {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'organization.json'), `${JSON.stringify(report)}\n`);
    writeFileSync(join(dir, 'organization.md'), renderOrgMarkdown(report));
  } catch (cause) {
    throw new CliError(`--out ${dir}: cannot write the organisation report (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
  io.stderr(`vigil: wrote the organisation report to ${join(dir, 'organization.md')} (and .json), each account's reports under ${dir}/<account>/<region>/\n`);
}

const asJudged = (row: FailureRow): Pick<Finding, 'controlId' | 'status' | 'severity' | 'resource' | 'exemption'> => ({
  controlId: row.controlId,
  status: row.status,
  severity: row.severity,
  resource: { arn: row.arn, name: `${row.account} ${row.region} ${row.name}`, account: row.account, region: row.region },
  ...(row.exempted ? { exemption: { active: true, until: null, reason: '', tag: '' } } : {}),
});

function gateOrg(report: OrgReport, options: OrgCliOptions, io: Io, previous?: OrgReport): number {
  let code = 0;
  for (const [option, threshold, before] of [['--fail-on', options.failOn, undefined], ['--fail-on-new', options.failOnNew, previous]] as const) {
    if (!threshold) continue;
    const tripped = trippingFindings(report.failures.map(asJudged), threshold, before?.failures.map(asJudged));
    if (tripped.length) {
      io.stderr(trippedLine(option, threshold, tripped));
      code = 1;
    }
  }
  if ((options.failOn || options.failOnNew) && report.failedUnits.length) {
    io.stderr(`vigil: ${plural(report.failedUnits.length, 'unit')} could not be swept, so could not be judged: ${report.failedUnits.slice(0, 5).map((u) => `${u.account} ${u.region}`).join(', ')}${report.failedUnits.length > 5 ? ', …' : ''}\n`);
    code = 1;
  }
  return code;
}

function loadPreviousOrgReport(file: string): OrgReport {
  const report = readJsonFile(file) as Partial<OrgReport>;
  if (report.kind !== 'organization' || !Array.isArray(report.failures)) throw new CliError(`--previous ${file}: not a vigil organisation report (organization.json); an account's report.json cannot be diffed against an organisation`);
  return report as OrgReport;
}
