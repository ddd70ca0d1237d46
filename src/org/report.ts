import { toIso } from '../events/index.js';
import { SEVERITIES, STATUSES, type Control, type Finding, type Severity, type Status } from '../controls/types.js';
import { isExemptedFailure, type Report } from '../reports/report.js';
import { plural } from '../reports/writer.js';
import { unitKey, type SweepUnit } from './units.js';

/** A failure or an undecided check, as the organisation report lists it: enough to act on, no evidence. */
export interface FailureRow {
  account: string;
  region: string;
  arn: string;
  name: string;
  controlId: string;
  severity: Severity;
  status: Extract<Status, 'FAIL' | 'ERROR'>;
  reason: string;
  exempted: boolean;
}

/** What one unit (account × region) contributes to the organisation report. */
export interface UnitResult extends SweepUnit {
  status: 'swept' | 'failed';
  /** Why a failed unit could not be swept (the refusal, or the last error after every retry). */
  reason?: string;
  attempts?: number;
  secrets: number;
  controls: { controlId: string; counts: Record<Status, number>; exemptedFailures: number }[];
  failures: FailureRow[];
  /** Fields that could not be read (their findings are ERROR). */
  unreadable: number;
}

const emptyCounts = (): Record<Status, number> => ({ PASS: 0, FAIL: 0, ERROR: 0, NOT_APPLICABLE: 0 });
const emptySeverities = (): Record<Severity, number> => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;

/** A unit's report reduced to counts and its FAIL/ERROR rows: what fans in, whatever the size of the account. */
export function summariseUnit(unit: SweepUnit, report: Report): UnitResult {
  const failures: FailureRow[] = [];
  for (const f of report.findings) if (f.status === 'FAIL' || f.status === 'ERROR') failures.push(rowOf(unit, f));
  return {
    account: unit.account,
    region: unit.region,
    status: 'swept',
    secrets: report.summary.secrets,
    controls: report.summary.byControl.map((c) => ({ controlId: c.controlId, counts: { ...c.counts }, exemptedFailures: c.exemptedFailures })),
    failures,
    unreadable: report.unreadable.length,
  };
}

function rowOf(unit: SweepUnit, f: Finding): FailureRow {
  return { account: unit.account, region: unit.region, arn: f.resource.arn, name: f.resource.name, controlId: f.controlId, severity: f.severity, status: f.status as FailureRow['status'], reason: f.reason, exempted: isExemptedFailure(f) };
}

export interface RegionSummary {
  region: string;
  status: UnitResult['status'];
  reason?: string;
  secrets: number;
  failing: number;
  errors: number;
}

export interface AccountSummary {
  account: string;
  secrets: number;
  /** Failures without an active exemption. */
  failing: number;
  errors: number;
  failuresBySeverity: Record<Severity, number>;
  regions: RegionSummary[];
}

export interface OrgReport {
  schemaVersion: 1;
  kind: 'organization';
  generatedAt: string;
  evaluatedAt: string;
  scope: { accounts: number; regions: string[]; units: number };
  summary: {
    secrets: number;
    failing: number;
    exemptedFailures: number;
    errors: number;
    failuresBySeverity: Record<Severity, number>;
    unitsSwept: number;
    unitsFailed: number;
  };
  accounts: AccountSummary[];
  byControl: { controlId: string; title: string; severity: Severity; counts: Record<Status, number>; exemptedFailures: number; accountsFailing: number }[];
  failedUnits: { account: string; region: string; reason: string; attempts?: number }[];
  /** Every FAIL and ERROR, by account, region, severity. */
  failures: FailureRow[];
  diff?: {
    previousGeneratedAt: string;
    newFailures: FailureRow[];
    /** FAIL before, not FAIL now (PASS, not applicable, or the secret is gone from a unit swept in both). */
    resolvedFailures: { account: string; region: string; arn: string; controlId: string }[];
    /** FAIL before, ERROR now: vigil can no longer judge it, which is not compliant, so it is not resolved. */
    undecidedFailures: { account: string; region: string; arn: string; controlId: string }[];
    /** Units that could be compared: a unit that failed now or before is not read as "everything resolved". */
    comparedUnits: number;
  };
}

export interface OrgReportInput {
  units: UnitResult[];
  controls: Control[];
  evaluatedAt: number;
  generatedAt: number;
  previous?: OrgReport;
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);
const failureKey = (r: { arn: string; controlId: string }) => `${r.arn} ${r.controlId}`;

/** The organisation's report from its units' results: per account, per region, per control, and the diff since `previous`. */
export function buildOrgReport(input: OrgReportInput): OrgReport {
  const units = [...input.units].sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
  const accounts = new Map<string, AccountSummary>();
  const byControl = new Map(input.controls.map((c) => [c.id, { controlId: c.id, title: c.title, severity: c.severity, counts: emptyCounts(), exemptedFailures: 0, failing: new Set<string>() }]));
  const summary = { secrets: 0, failing: 0, exemptedFailures: 0, errors: 0, failuresBySeverity: emptySeverities(), unitsSwept: 0, unitsFailed: 0 };
  const failures: FailureRow[] = [];
  for (const unit of units) {
    let account = accounts.get(unit.account);
    if (!account) accounts.set(unit.account, (account = { account: unit.account, secrets: 0, failing: 0, errors: 0, failuresBySeverity: emptySeverities(), regions: [] }));
    const region: RegionSummary = { region: unit.region, status: unit.status, secrets: unit.secrets, failing: 0, errors: 0, ...(unit.reason ? { reason: unit.reason } : {}) };
    account.regions.push(region);
    summary[unit.status === 'swept' ? 'unitsSwept' : 'unitsFailed'] += 1;
    account.secrets += unit.secrets;
    summary.secrets += unit.secrets;
    for (const c of unit.controls) {
      const total = byControl.get(c.controlId);
      if (!total) continue;
      for (const s of STATUSES) total.counts[s] += c.counts[s];
      total.exemptedFailures += c.exemptedFailures;
    }
    for (const row of unit.failures) {
      failures.push(row);
      if (row.status === 'ERROR') {
        region.errors += 1;
        account.errors += 1;
        summary.errors += 1;
      } else if (row.exempted) summary.exemptedFailures += 1;
      else {
        region.failing += 1;
        account.failing += 1;
        account.failuresBySeverity[row.severity] += 1;
        summary.failing += 1;
        summary.failuresBySeverity[row.severity] += 1;
        byControl.get(row.controlId)?.failing.add(row.account);
      }
    }
  }
  failures.sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region) || rank(a.severity) - rank(b.severity) || a.arn.localeCompare(b.arn) || a.controlId.localeCompare(b.controlId));
  const report: OrgReport = {
    schemaVersion: 1,
    kind: 'organization',
    generatedAt: toIso(input.generatedAt),
    evaluatedAt: toIso(input.evaluatedAt),
    scope: { accounts: accounts.size, regions: [...new Set(units.map((u) => u.region))].sort(), units: units.length },
    summary,
    accounts: [...accounts.values()],
    byControl: [...byControl.values()].map(({ failing, ...c }) => ({ ...c, accountsFailing: failing.size })),
    failedUnits: units.filter((u) => u.status === 'failed').map((u) => ({ account: u.account, region: u.region, reason: u.reason ?? 'unknown', ...(u.attempts ? { attempts: u.attempts } : {}) })),
    failures,
  };
  if (input.previous) report.diff = diffOrgReports(report, input.previous);
  return report;
}

/** New and resolved failures, compared only where both reports swept the unit (a failed unit hides nothing and resolves nothing). */
export function diffOrgReports(current: OrgReport, previous: OrgReport): NonNullable<OrgReport['diff']> {
  const swept = (r: OrgReport) => new Set(r.accounts.flatMap((a) => a.regions.filter((g) => g.status === 'swept').map((g) => unitKey({ account: a.account, region: g.region }))));
  const both = swept(current);
  const before = swept(previous);
  for (const k of both) if (!before.has(k)) both.delete(k);
  const withStatus = (r: OrgReport, status: Status) => new Map(r.failures.filter((f) => f.status === status && both.has(unitKey(f))).map((f) => [failureKey(f), f]));
  const now = withStatus(current, 'FAIL');
  const then = withStatus(previous, 'FAIL');
  const undecidedNow = withStatus(current, 'ERROR');
  const gone = [...then.values()].filter((f) => !now.has(failureKey(f)));
  const where = (f: FailureRow) => ({ account: f.account, region: f.region, arn: f.arn, controlId: f.controlId });
  return {
    previousGeneratedAt: previous.generatedAt,
    newFailures: [...now.values()].filter((f) => !then.has(failureKey(f))),
    resolvedFailures: gone.filter((f) => !undecidedNow.has(failureKey(f))).map(where),
    undecidedFailures: gone.filter((f) => undecidedNow.has(failureKey(f))).map(where),
    comparedUnits: both.size,
  };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** New, resolved and no longer judged failures since the previous report, in the words the single-account reports use. */
export function orgDiffCounts(d: NonNullable<OrgReport['diff']>): string {
  const undecided = d.undecidedFailures.length ? `, ${d.undecidedFailures.length} no longer judged` : '';
  return `${plural(d.newFailures.length, 'new failure')}, ${d.resolvedFailures.length} resolved${undecided}`;
}

/** The organisation report for a person: the whole, then each account, then what failed. */
export function renderOrgMarkdown(report: OrgReport, maxRows = 500): string {
  const s = report.summary;
  const lines = [
    `# vigil organisation report`,
    '',
    `Evaluated ${report.evaluatedAt} over ${plural(report.scope.accounts, 'account')} × ${plural(report.scope.regions.length, 'region')} (${report.scope.regions.join(', ')}): ${plural(s.secrets, 'secret')}, ${plural(s.failing, 'failing check')} (${s.exemptedFailures} exempted), ${plural(s.errors, 'check')} that could not be decided.`,
    `Failing by severity: critical ${s.failuresBySeverity.CRITICAL}, high ${s.failuresBySeverity.HIGH}, medium ${s.failuresBySeverity.MEDIUM}, low ${s.failuresBySeverity.LOW}.`,
    '',
  ];
  if (report.failedUnits.length) {
    lines.push(`## ${plural(report.failedUnits.length, 'unit')} could not be swept`, '', '| account | region | why |', '|---|---|---|');
    for (const u of report.failedUnits) lines.push(`| ${u.account} | ${u.region} | ${cell(u.reason)}${u.attempts ? ` (after ${plural(u.attempts, 'attempt')})` : ''} |`);
    lines.push('');
  }
  if (report.diff) {
    lines.push(`## Since ${report.diff.previousGeneratedAt}`, '', `${orgDiffCounts(report.diff)} (${plural(report.diff.comparedUnits, 'unit')} compared).`, '');
    for (const f of report.diff.newFailures.slice(0, maxRows)) lines.push(`- NEW ${f.severity} ${f.account} ${f.region} ${cell(f.name)}: ${f.controlId}: ${cell(f.reason)}`);
    lines.push('');
  }
  lines.push('## Accounts', '', '| account | region | status | secrets | failing | undecided |', '|---|---|---|---:|---:|---:|');
  for (const a of report.accounts) for (const r of a.regions) lines.push(`| ${a.account} | ${r.region} | ${r.status} | ${r.secrets} | ${r.failing} | ${r.errors} |`);
  lines.push('', '## Controls', '', '| control | severity | pass | fail | error | n/a | accounts failing |', '|---|---|---:|---:|---:|---:|---:|');
  for (const c of report.byControl) lines.push(`| ${c.controlId} | ${c.severity} | ${c.counts.PASS} | ${c.counts.FAIL} | ${c.counts.ERROR} | ${c.counts.NOT_APPLICABLE} | ${c.accountsFailing} |`);
  const shown = report.failures.filter((f) => !f.exempted).slice(0, maxRows);
  lines.push('', `## Failures${report.failures.length > shown.length ? ` (first ${shown.length}; every row is in organization.json)` : ''}`, '', '| account | region | secret | control | severity | status | reason |', '|---|---|---|---|---|---|---|');
  for (const f of shown) lines.push(`| ${f.account} | ${f.region} | ${cell(f.name)} | ${f.controlId} | ${f.severity} | ${f.status} | ${cell(f.reason)} |`);
  return `${lines.join('\n')}\n`;
}
