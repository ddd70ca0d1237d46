import { toIso } from '../events/index.js';
import type { ControlParams } from '../controls/params.js';
import { SEVERITIES, type Control, type Finding, type Severity, type Status } from '../controls/types.js';
import type { SecretState } from '../model/index.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface ReportScope {
  source: 'snapshot' | 'live';
  account: string;
  regions: string[];
  /** The snapshot file, for a snapshot sweep. */
  snapshotFile?: string;
  capturedAt?: string;
  /** With a state store: secrets read from AWS this run, secrets whose stored state was reused, and when the oldest of those was read. */
  freshness?: { readFresh: number; fromStore: number; oldestStoredAt: string | null };
}

export interface ControlSummary {
  controlId: string;
  title: string;
  severity: Severity;
  counts: Record<Status, number>;
  /** Failures that an active exemption covers: counted apart, never hidden. */
  exemptedFailures: number;
  /** Share of evaluated secrets (PASS or FAIL) that pass, 0–100; null when none was evaluated. */
  compliancePercent: number | null;
}

export interface UnreadableEntry {
  arn: string;
  field: string;
  why: string;
}

export interface Report {
  schemaVersion: number;
  generatedAt: string;
  evaluatedAt: string;
  scope: ReportScope;
  params: ControlParams;
  summary: {
    secrets: number;
    byStatus: Record<Status, number>;
    /** Failures without an active exemption, by the failing control's severity. */
    failuresBySeverity: Record<Severity, number>;
    exemptedFailures: number;
    byControl: ControlSummary[];
  };
  findings: Finding[];
  unreadable: UnreadableEntry[];
  exemptions: { arn: string; controlId: string; status: Status; until: string | null; reason: string; active: boolean; note?: string }[];
}

const emptyStatusCounts = (): Record<Status, number> => ({ PASS: 0, FAIL: 0, ERROR: 0, NOT_APPLICABLE: 0 });

export function isExemptedFailure(f: Finding): boolean {
  return f.status === 'FAIL' && f.exemption?.active === true;
}

export interface ReportInput {
  controls: Control[];
  states: SecretState[];
  findings: Finding[][];
  scope: ReportScope;
  params: ControlParams;
  /** Evaluation time and generation time, epoch seconds (the core reads no clock). */
  evaluatedAt: number;
  generatedAt: number;
  /** Secrets listed but not evaluated (deleted while the sweep ran). */
  dropped?: { arn: string; note: string }[];
}

export function buildReport(input: ReportInput): Report {
  const findings = input.findings.flat();
  const byStatus = emptyStatusCounts();
  const failuresBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) {
    byStatus[f.status] += 1;
    if (f.status === 'FAIL' && !isExemptedFailure(f)) failuresBySeverity[f.severity] += 1;
  }
  const byControl = input.controls.map((control): ControlSummary => {
    const mine = findings.filter((f) => f.controlId === control.id);
    const counts = emptyStatusCounts();
    for (const f of mine) counts[f.status] += 1;
    const judged = counts.PASS + counts.FAIL;
    return {
      controlId: control.id,
      title: control.title,
      severity: control.severity,
      counts,
      exemptedFailures: mine.filter(isExemptedFailure).length,
      compliancePercent: judged === 0 ? null : Math.round((counts.PASS / judged) * 1000) / 10,
    };
  });
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: toIso(input.generatedAt),
    evaluatedAt: toIso(input.evaluatedAt),
    scope: input.scope,
    params: input.params,
    summary: { secrets: input.states.length, byStatus, failuresBySeverity, exemptedFailures: findings.filter(isExemptedFailure).length, byControl },
    findings,
    unreadable: [
      ...input.states.flatMap((s) => Object.entries(s.unreadable).map(([field, why]) => ({ arn: s.arn, field, why: why ?? '' }))),
      ...(input.dropped ?? []).map((d) => ({ arn: d.arn, field: 'secret', why: d.note })),
    ],
    exemptions: findings
      .filter((f) => f.exemption)
      .map((f) => {
        const e = f.exemption as NonNullable<Finding['exemption']>;
        return { arn: f.resource.arn, controlId: f.controlId, status: f.status, until: e.until, reason: e.reason, active: e.active, ...(e.note ? { note: e.note } : {}) };
      }),
  };
}

/** True when a failure at `threshold` severity or above is not covered by an active exemption (for --fail-on). */
export function hasFailureAtOrAbove(report: Report, threshold: Severity): boolean {
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return report.findings.some((f) => f.status === 'FAIL' && !isExemptedFailure(f) && rank(f.severity) <= rank(threshold));
}
