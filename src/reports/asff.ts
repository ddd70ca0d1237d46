import type { Finding, Severity } from '../controls/types.js';
import { exemptionSentence, exemptionState, exemptionsWithoutFinding, isExemptedFailure, whyNotApplied, UNKNOWN_CONTROL_TAG_FIX, type ExemptionEntry, type Report, type ReportHead } from './report.js';
import { arnPlace, changeLookup, GONE_REASON, goneFailures, mendedReason, type FindingChange, type MendedExemption, type ReportDiff, type ResolvedFailure } from './diff.js';
import { StringSink, type TextSink } from './sinks.js';
import { writeReport, type FormatWriter, type ReportExtras, type SecretContext } from './writer.js';

// AWS Security Finding Format, ready for securityhub:BatchImportFindings (at most 100 findings a call).

export interface AsffFinding {
  SchemaVersion: '2018-10-08';
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: Severity; Original: string };
  Title: string;
  Description: string;
  Remediation?: { Recommendation: { Text: string } };
  ProductFields: Record<string, string>;
  Resources: { Type: 'AwsSecretsManagerSecret'; Id: string; Partition: string; Region: string; Details?: unknown }[];
  /** Absent on the finding of an unusable exemption: it is no control's result. */
  Compliance?: { Status: 'PASSED' | 'FAILED' | 'WARNING' | 'NOT_AVAILABLE'; RelatedRequirements?: string[]; StatusReasons?: { ReasonCode: string; Description: string }[] };
  Workflow: { Status: 'NEW' | 'RESOLVED' | 'SUPPRESSED' };
  RecordState: 'ACTIVE' | 'ARCHIVED';
  Note?: { Text: string; UpdatedBy: string; UpdatedAt: string };
}

/** A pass needs no fix: only FAIL and ERROR findings carry the remediation. */
export const needsAction = (f: Finding) => f.status === 'FAIL' || f.status === 'ERROR';

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The Security Hub product of the account's own findings ("default" product). */
export function defaultProductArn(region: string, account: string, partition = 'aws'): string {
  return `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`;
}

/** The fields every vigil finding of one secret shares: where it is, when, and who made it. */
function asffBase(id: string, generator: string, secret: { arn: string; name: string; account: string; region: string }, at: string) {
  const partition = secret.arn.split(':')[1] ?? 'aws';
  return {
    SchemaVersion: '2018-10-08' as const,
    Id: `vigil/${id}/${secret.arn}`,
    ProductArn: defaultProductArn(secret.region, secret.account, partition),
    GeneratorId: `vigil/${generator}`,
    AwsAccountId: secret.account,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: at,
    UpdatedAt: at,
    Resources: [{ Type: 'AwsSecretsManagerSecret' as const, Id: secret.arn, Partition: partition, Region: secret.region, Details: { AwsSecretsManagerSecret: { Name: secret.name } } }],
  };
}

const exemptionFields = (e: NonNullable<Finding['exemption']>): Record<string, string> => ({ 'vigil/Exemption': exemptionState(e), 'vigil/ExemptionTag': e.tag });
const note = (e: NonNullable<Finding['exemption']>, at: string) => ({ Text: clip(exemptionSentence(e), 512), UpdatedBy: 'vigil', UpdatedAt: at });

/** With --previous, `vigil/Change`: NEW, UNCHANGED, RESOLVED or UNDECIDED (FAIL before, ERROR now) since the previous report. */
const changeField = (change: FindingChange | undefined): Record<string, string> => (change ? { 'vigil/Change': change.toUpperCase() } : {});

export function toAsff(f: Finding, report: Pick<ReportHead, 'evaluatedAt'>, change?: FindingChange): AsffFinding {
  const exempted = isExemptedFailure(f);
  const requirements = Object.entries(f.mappings.frameworks).flatMap(([framework, ids]) => ids.map((id) => `${framework} ${id}`));
  return {
    // Id stable per secret and control, so each sweep updates the same finding instead of adding one.
    ...asffBase(f.controlId, f.controlId, f.resource, report.evaluatedAt),
    // Security Hub expects passed checks to be informational; the control's own severity stays in Original.
    Severity: { Label: f.status === 'PASS' || f.status === 'NOT_APPLICABLE' ? 'INFORMATIONAL' : f.severity, Original: f.severity },
    Title: clip(`${f.title}: ${f.resource.name}`, 256),
    Description: clip(f.reason, 1024),
    ...(needsAction(f) ? { Remediation: { Recommendation: { Text: clip(f.remediation, 512) } } } : {}),
    ProductFields: { 'vigil/ControlId': f.controlId, 'vigil/Status': f.status, ...(f.mappings.securityHub ? { 'vigil/SecurityHubControl': f.mappings.securityHub } : {}), ...(f.exemption ? exemptionFields(f.exemption) : {}), ...changeField(change) },
    Compliance: {
      Status: f.status === 'PASS' ? 'PASSED' : f.status === 'FAIL' ? 'FAILED' : f.status === 'ERROR' ? 'WARNING' : 'NOT_AVAILABLE',
      ...(requirements.length ? { RelatedRequirements: requirements.slice(0, 32) } : {}),
      ...(f.status === 'ERROR' ? { StatusReasons: [{ ReasonCode: 'vigil_data_unreadable', Description: clip(f.reason, 2048) }] } : {}),
    },
    // Only an active exemption suppresses; an expired or unusable one leaves the failure NEW and says why in the Note.
    // What could not be judged is not compliant: an ERROR stays NEW, in Security Hub's default view, until it is judged.
    Workflow: { Status: f.status === 'FAIL' ? (exempted ? 'SUPPRESSED' : 'NEW') : f.status === 'ERROR' ? 'NEW' : 'RESOLVED' },
    RecordState: f.status === 'NOT_APPLICABLE' ? 'ARCHIVED' : 'ACTIVE',
    ...(f.exemption ? { Note: note(f.exemption, report.evaluatedAt) } : {}),
  };
}

/** A `vigil:exempt:` tag naming no vigil control, as a finding of its own (no finding carries it): it exempts nothing. */
export function exemptionToAsff(e: ExemptionEntry, report: Pick<ReportHead, 'evaluatedAt'>): AsffFinding {
  return {
    ...asffBase(`exemption/${e.controlId}`, 'exemption', e, report.evaluatedAt),
    Severity: { Label: 'LOW', Original: 'LOW' },
    Title: clip(`Unusable exemption ${e.tag}: ${e.name}`, 256),
    Description: clip(`The tag ${e.tag} exempts nothing: ${whyNotApplied(e)}. Every finding of this secret stands as judged.`, 1024),
    Remediation: { Recommendation: { Text: UNKNOWN_CONTROL_TAG_FIX } },
    ProductFields: { 'vigil/Kind': 'exemption', 'vigil/ControlId': e.controlId, ...exemptionFields(e) },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
    Note: note(e, report.evaluatedAt),
  };
}

/**
 * A failure of the previous report whose secret is gone, under the Id its finding had: archived (the resource is no more)
 * and resolved, so Security Hub stops showing it active.
 */
export function goneToAsff(r: ResolvedFailure, head: Pick<ReportHead, 'evaluatedAt' | 'controls'>): AsffFinding {
  const { account, region } = arnPlace(r.arn);
  const control = head.controls.find((c) => c.controlId === r.controlId);
  return {
    ...asffBase(r.controlId, r.controlId, { arn: r.arn, name: r.name, account, region }, head.evaluatedAt),
    Severity: { Label: 'INFORMATIONAL', Original: control?.severity ?? 'INFORMATIONAL' },
    Title: clip(`${control?.title ?? r.controlId}: ${r.name}`, 256),
    Description: GONE_REASON,
    ProductFields: { 'vigil/ControlId': r.controlId, 'vigil/Status': 'GONE', ...changeField('resolved') },
    Workflow: { Status: 'RESOLVED' },
    RecordState: 'ARCHIVED',
  };
}

/** The finding of an unusable exemption the previous report had and this one has not, under its Id: archived and resolved. */
export function mendedToAsff(e: MendedExemption, head: Pick<ReportHead, 'evaluatedAt'>): AsffFinding {
  const { account, region } = arnPlace(e.arn);
  return {
    ...asffBase(`exemption/${e.controlId}`, 'exemption', { arn: e.arn, name: e.name, account, region }, head.evaluatedAt),
    Severity: { Label: 'INFORMATIONAL', Original: 'LOW' },
    Title: clip(`Unusable exemption ${e.tag}: ${e.name}`, 256),
    Description: clip(mendedReason(e), 1024),
    ProductFields: { 'vigil/Kind': 'exemption', 'vigil/ControlId': e.controlId, 'vigil/ExemptionTag': e.tag, ...changeField('resolved') },
    Workflow: { Status: 'RESOLVED' },
    RecordState: 'ARCHIVED',
  };
}

/** What the head and the diff alone know: exemptions naming no control, failures of secrets gone, unusable exemptions mended. */
const asffExtras = (head: ReportHead, diff: ReportDiff | undefined, report: Pick<ReportHead, 'evaluatedAt'>): AsffFinding[] => [
  ...exemptionsWithoutFinding(head).map((e) => exemptionToAsff(e, report)),
  ...goneFailures(diff).map((r) => goneToAsff(r, head)),
  ...(diff?.mendedExemptions ?? []).map((e) => mendedToAsff(e, head)),
];

/**
 * Every ASFF finding of a report held in memory, exemptions naming no control next, then with a diff the failures of
 * secrets gone since (archived): what findings.asff.json holds and what the sweep Lambda imports into Security Hub.
 */
export function reportToAsff(report: Report, diff?: ReportDiff): AsffFinding[] {
  const changeOf = diff ? changeLookup(diff) : () => undefined;
  return [...report.findings.map((f) => toAsff(f, report, changeOf(f))), ...asffExtras(report, diff, report)];
}

/** A JSON array of findings, one a line, written as they arrive; `after` adds the records the head alone knows. */
export function jsonArrayWriter<T>(out: TextSink, convert: (f: Finding, change: FindingChange | undefined) => T, after: (head: ReportHead, extras: ReportExtras) => T[] = () => []): FormatWriter {
  let first = true;
  const write = (record: T) => {
    out.write(`${first ? '\n' : ',\n'}${JSON.stringify(record)}`);
    first = false;
  };
  out.write('[');
  return {
    add(findings, secret?: SecretContext) {
      for (const f of findings) write(convert(f, secret?.changes?.[f.controlId]));
    },
    finish(head, extras) {
      for (const record of after(head, extras)) write(record);
      out.write(`${first ? '' : '\n'}]\n`);
    },
  };
}

export const asffWriter = (out: TextSink, report: Pick<ReportHead, 'evaluatedAt'>): FormatWriter =>
  jsonArrayWriter(
    out,
    (f, change) => toAsff(f, report, change),
    (head, extras) => asffExtras(head, extras.diff, report),
  );

export function renderAsff(report: Report): string {
  const out = new StringSink();
  writeReport(asffWriter(out, report), report);
  return out.text();
}
