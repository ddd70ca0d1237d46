import type { Finding, Severity, Status } from '../controls/types.js';
import { jsonArrayWriter, needsAction } from './asff.js';
import { isExemptedFailure, type Report, type ReportHead } from './report.js';
import { StringSink, type TextSink } from './sinks.js';
import { writeReport, type FormatWriter } from './writer.js';

// OCSF Compliance Finding (class 2003, category 2 Findings), schema 1.3.

const SEVERITY_ID: Record<Severity, number> = { INFORMATIONAL: 1, LOW: 2, MEDIUM: 3, HIGH: 4, CRITICAL: 5 };
const COMPLIANCE: Record<Status, { status_id: number; status: string }> = {
  PASS: { status_id: 1, status: 'Pass' },
  FAIL: { status_id: 3, status: 'Fail' },
  ERROR: { status_id: 0, status: 'Unknown' },
  NOT_APPLICABLE: { status_id: 99, status: 'Not applicable' },
};
const titleCase = (s: Severity) => s.charAt(0) + s.slice(1).toLowerCase();

export function toOcsf(f: Finding, report: Pick<ReportHead, 'evaluatedAt'>, productVersion: string) {
  const time = Date.parse(report.evaluatedAt);
  const exempted = isExemptedFailure(f);
  return {
    class_uid: 2003,
    class_name: 'Compliance Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200301,
    type_name: 'Compliance Finding: Create',
    time,
    severity_id: SEVERITY_ID[f.severity],
    severity: titleCase(f.severity),
    status_id: f.status === 'FAIL' ? (exempted ? 3 : 1) : 4,
    status: f.status === 'FAIL' ? (exempted ? 'Suppressed' : 'New') : 'Resolved',
    message: f.reason,
    metadata: { version: '1.3.0', product: { name: 'vigil', vendor_name: 'vigil', version: productVersion }, uid: `vigil/${f.controlId}/${f.resource.arn}` },
    finding_info: { uid: `vigil/${f.controlId}/${f.resource.arn}`, title: f.title, desc: f.reason, types: ['AWS Secrets Manager'], created_time: time, modified_time: time },
    compliance: {
      ...COMPLIANCE[f.status],
      control: f.controlId,
      standards: Object.keys(f.mappings.frameworks),
      requirements: Object.entries(f.mappings.frameworks).flatMap(([framework, ids]) => ids.map((id) => `${framework} ${id}`)),
    },
    ...(needsAction(f) ? { remediation: { desc: f.remediation } } : {}),
    resources: [{ uid: f.resource.arn, name: f.resource.name, type: 'AWS::SecretsManager::Secret', region: f.resource.region, cloud_partition: f.resource.arn.split(':')[1] ?? 'aws' }],
    cloud: { provider: 'AWS', region: f.resource.region, account: { uid: f.resource.account, type: 'AWS Account', type_id: 10 } },
    unmapped: { evidence: f.evidence, ...(f.exemption ? { exemption: f.exemption } : {}) },
  };
}

export const ocsfWriter = (out: TextSink, report: Pick<ReportHead, 'evaluatedAt'>, productVersion = '0.1.0'): FormatWriter => jsonArrayWriter(out, (f) => toOcsf(f, report, productVersion));

export function renderOcsf(report: Report, productVersion = '0.1.0'): string {
  const out = new StringSink();
  writeReport(ocsfWriter(out, report, productVersion), report);
  return out.text();
}
