import type { Finding } from '../controls/types.js';
import type { Report } from './report.js';

export interface ReportDiff {
  previousGeneratedAt: string;
  /** FAIL now, and not FAIL in the previous report (or the secret is new). */
  newFailures: Finding[];
  /** FAIL before, and not FAIL now (fixed, exempted away from FAIL, or the secret is gone). */
  resolvedFailures: { arn: string; controlId: string; now: Finding['status'] | 'GONE' }[];
  /** FAIL in both. */
  unchangedFailures: number;
}

const key = (f: { resource: { arn: string }; controlId: string }) => `${f.resource.arn} ${f.controlId}`;

export function diffReports(current: Report, previous: Report): ReportDiff {
  const before = new Map(previous.findings.map((f) => [key(f), f]));
  const after = new Map(current.findings.map((f) => [key(f), f]));
  const newFailures = current.findings.filter((f) => f.status === 'FAIL' && before.get(key(f))?.status !== 'FAIL');
  const resolvedFailures = previous.findings
    .filter((f) => f.status === 'FAIL' && after.get(key(f))?.status !== 'FAIL')
    .map((f) => ({ arn: f.resource.arn, controlId: f.controlId, now: after.get(key(f))?.status ?? ('GONE' as const) }));
  const unchangedFailures = current.findings.filter((f) => f.status === 'FAIL' && before.get(key(f))?.status === 'FAIL').length;
  return { previousGeneratedAt: previous.generatedAt, newFailures, resolvedFailures, unchangedFailures };
}
