import type { Finding, Severity, Status } from '../controls/types.js';
import { jsonArrayWriter, needsAction } from './asff.js';
import { exemptionSentence, exemptionState, exemptionsWithoutFinding, isExemptedFailure, UNKNOWN_CONTROL_TAG_FIX, type ExemptionEntry, type Report, type ReportHead } from './report.js';
import { arnPlace, GONE_REASON, goneFailures, mendedReason, type FindingChange, type MendedExemption, type ResolvedFailure } from './diff.js';
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

/** The fields every vigil finding of one secret shares: the class, when, the product, the secret and its account. */
function ocsfBase(uid: string, title: string, severity: Severity, secret: { arn: string; name: string; account: string; region: string }, evaluatedAt: string, productVersion: string) {
  const time = Date.parse(evaluatedAt);
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
    severity_id: SEVERITY_ID[severity],
    severity: titleCase(severity),
    metadata: { version: '1.3.0', product: { name: 'vigil', vendor_name: 'vigil', version: productVersion }, uid },
    finding_info: { uid, title, types: ['AWS Secrets Manager'], created_time: time, modified_time: time },
    resources: [{ uid: secret.arn, name: secret.name, type: 'AWS::SecretsManager::Secret', region: secret.region, cloud_partition: secret.arn.split(':')[1] ?? 'aws' }],
    cloud: { provider: 'AWS', region: secret.region, account: { uid: secret.account, type: 'AWS Account', type_id: 10 } },
  };
}

/** An exemption as `unmapped.exemption` states it: the tag, its state (active, expired, unusable) and why. */
const exemptionRecord = (e: NonNullable<Finding['exemption']>) => ({ ...e, state: exemptionState(e) });

export function toOcsf(f: Finding, report: Pick<ReportHead, 'evaluatedAt'>, productVersion: string, change?: FindingChange) {
  const exempted = isExemptedFailure(f);
  const base = ocsfBase(`vigil/${f.controlId}/${f.resource.arn}`, f.title, f.severity, f.resource, report.evaluatedAt, productVersion);
  return {
    ...base,
    // Only an active exemption suppresses; an expired or unusable one leaves the failure New and says why in status_detail.
    // An ERROR (not judged) stays New, as in ASFF: what could not be judged is not compliant.
    status_id: f.status === 'FAIL' ? (exempted ? 3 : 1) : f.status === 'ERROR' ? 1 : 4,
    status: f.status === 'FAIL' ? (exempted ? 'Suppressed' : 'New') : f.status === 'ERROR' ? 'New' : 'Resolved',
    ...(f.exemption ? { status_detail: exemptionSentence(f.exemption) } : {}),
    message: f.reason,
    finding_info: { ...base.finding_info, desc: f.reason },
    compliance: {
      ...COMPLIANCE[f.status],
      control: f.controlId,
      standards: Object.keys(f.mappings.frameworks),
      requirements: Object.entries(f.mappings.frameworks).flatMap(([framework, ids]) => ids.map((id) => `${framework} ${id}`)),
    },
    ...(needsAction(f) ? { remediation: { desc: f.remediation } } : {}),
    // With --previous: new, unchanged or resolved since the previous report (OCSF has no field for a diff between runs).
    unmapped: { evidence: f.evidence, ...(f.exemption ? { exemption: exemptionRecord(f.exemption) } : {}), ...(change ? { change } : {}) },
  };
}

/** A failure of the previous report whose secret is gone: the finding closed (activity Close) and Resolved. */
/** A finding closed since the previous report (its secret gone, or its tag mended): activity Close, status Resolved, and why. */
function closed(base: ReturnType<typeof ocsfBase>, why: string, controlId: string) {
  return {
    ...base,
    activity_id: 3,
    activity_name: 'Close',
    type_uid: 200303,
    type_name: 'Compliance Finding: Close',
    status_id: 4,
    status: 'Resolved',
    status_detail: why,
    message: why,
    finding_info: { ...base.finding_info, desc: why },
    compliance: { status_id: 0, status: 'Unknown', control: controlId, standards: [], requirements: [] },
  };
}

export function goneToOcsf(r: ResolvedFailure, head: Pick<ReportHead, 'evaluatedAt' | 'controls'>, productVersion: string) {
  const { account, region } = arnPlace(r.arn);
  const control = head.controls.find((c) => c.controlId === r.controlId);
  const base = ocsfBase(`vigil/${r.controlId}/${r.arn}`, control?.title ?? r.controlId, 'INFORMATIONAL', { arn: r.arn, name: r.name, account, region }, head.evaluatedAt, productVersion);
  return { ...closed(base, GONE_REASON, r.controlId), unmapped: { change: 'resolved' } };
}

/** A `vigil:exempt:` tag naming no vigil control, as a finding of its own: compliance Warning, since it exempts nothing. */
export function exemptionToOcsf(e: ExemptionEntry, report: Pick<ReportHead, 'evaluatedAt'>, productVersion: string) {
  const base = ocsfBase(`vigil/exemption/${e.controlId}/${e.arn}`, `Unusable exemption ${e.tag}`, 'LOW', e, report.evaluatedAt, productVersion);
  const sentence = exemptionSentence(e);
  return {
    ...base,
    status_id: 1,
    status: 'New',
    status_detail: sentence,
    message: sentence,
    finding_info: { ...base.finding_info, desc: sentence, types: ['AWS Secrets Manager', 'vigil exemption'] },
    compliance: { status_id: 2, status: 'Warning', status_detail: e.note ?? '', control: e.controlId, standards: [], requirements: [] },
    remediation: { desc: UNKNOWN_CONTROL_TAG_FIX },
    unmapped: { exemption: { until: e.until, reason: e.reason, active: e.active, tag: e.tag, note: e.note, state: e.state } },
  };
}

/** The finding of an unusable exemption the previous report had and this one has not: closed, resolved. */
export function mendedToOcsf(e: MendedExemption, head: Pick<ReportHead, 'evaluatedAt'>, productVersion: string) {
  const { account, region } = arnPlace(e.arn);
  const base = ocsfBase(`vigil/exemption/${e.controlId}/${e.arn}`, `Unusable exemption ${e.tag}`, 'INFORMATIONAL', { arn: e.arn, name: e.name, account, region }, head.evaluatedAt, productVersion);
  const close = closed(base, mendedReason(e), e.controlId);
  return { ...close, finding_info: { ...close.finding_info, types: ['AWS Secrets Manager', 'vigil exemption'] }, unmapped: { change: 'resolved', exemption: { tag: e.tag, state: 'mended' } } };
}

export const ocsfWriter = (out: TextSink, report: Pick<ReportHead, 'evaluatedAt'>, productVersion = '0.1.0'): FormatWriter =>
  jsonArrayWriter<Record<string, unknown>>(
    out,
    (f, change) => toOcsf(f, report, productVersion, change),
    (head, extras) => [
      ...exemptionsWithoutFinding(head).map((e) => exemptionToOcsf(e, report, productVersion)),
      ...goneFailures(extras.diff).map((r) => goneToOcsf(r, head, productVersion)),
      ...(extras.diff?.mendedExemptions ?? []).map((e) => mendedToOcsf(e, head, productVersion)),
    ],
  );

export function renderOcsf(report: Report, productVersion = '0.1.0'): string {
  const out = new StringSink();
  writeReport(ocsfWriter(out, report, productVersion), report);
  return out.text();
}
