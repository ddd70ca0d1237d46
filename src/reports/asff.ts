import type { Finding, Severity } from '../controls/types.js';
import { isExemptedFailure, type Report, type ReportHead } from './report.js';
import { StringSink, type TextSink } from './sinks.js';
import { writeReport, type FormatWriter } from './writer.js';

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
  Compliance: { Status: 'PASSED' | 'FAILED' | 'WARNING' | 'NOT_AVAILABLE'; RelatedRequirements?: string[]; StatusReasons?: { ReasonCode: string; Description: string }[] };
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

export function toAsff(f: Finding, report: Pick<ReportHead, 'evaluatedAt'>): AsffFinding {
  const partition = f.resource.arn.split(':')[1] ?? 'aws';
  const exempted = isExemptedFailure(f);
  const requirements = Object.entries(f.mappings.frameworks).flatMap(([framework, ids]) => ids.map((id) => `${framework} ${id}`));
  const finding: AsffFinding = {
    SchemaVersion: '2018-10-08',
    // Stable per secret and control, so each sweep updates the same finding instead of adding one.
    Id: `vigil/${f.controlId}/${f.resource.arn}`,
    ProductArn: defaultProductArn(f.resource.region, f.resource.account, partition),
    GeneratorId: `vigil/${f.controlId}`,
    AwsAccountId: f.resource.account,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: report.evaluatedAt,
    UpdatedAt: report.evaluatedAt,
    // Security Hub expects passed checks to be informational; the control's own severity stays in Original.
    Severity: { Label: f.status === 'PASS' || f.status === 'NOT_APPLICABLE' ? 'INFORMATIONAL' : f.severity, Original: f.severity },
    Title: clip(`${f.title}: ${f.resource.name}`, 256),
    Description: clip(f.reason, 1024),
    ...(needsAction(f) ? { Remediation: { Recommendation: { Text: clip(f.remediation, 512) } } } : {}),
    ProductFields: { 'vigil/ControlId': f.controlId, 'vigil/Status': f.status, ...(f.mappings.securityHub ? { 'vigil/SecurityHubControl': f.mappings.securityHub } : {}) },
    Resources: [{ Type: 'AwsSecretsManagerSecret', Id: f.resource.arn, Partition: partition, Region: f.resource.region, Details: { AwsSecretsManagerSecret: { Name: f.resource.name } } }],
    Compliance: {
      Status: f.status === 'PASS' ? 'PASSED' : f.status === 'FAIL' ? 'FAILED' : f.status === 'ERROR' ? 'WARNING' : 'NOT_AVAILABLE',
      ...(requirements.length ? { RelatedRequirements: requirements.slice(0, 32) } : {}),
      ...(f.status === 'ERROR' ? { StatusReasons: [{ ReasonCode: 'vigil_data_unreadable', Description: clip(f.reason, 2048) }] } : {}),
    },
    Workflow: { Status: f.status === 'FAIL' ? (exempted ? 'SUPPRESSED' : 'NEW') : 'RESOLVED' },
    RecordState: f.status === 'NOT_APPLICABLE' ? 'ARCHIVED' : 'ACTIVE',
  };
  if (exempted && f.exemption) finding.Note = { Text: clip(`Exempted until ${f.exemption.until} by tag ${f.exemption.tag}: ${f.exemption.reason}`, 512), UpdatedBy: 'vigil', UpdatedAt: report.evaluatedAt };
  return finding;
}

/** A JSON array of findings, one a line, written as they arrive. */
export function jsonArrayWriter<T>(out: TextSink, convert: (f: Finding) => T): FormatWriter {
  let first = true;
  out.write('[');
  return {
    add(findings) {
      for (const f of findings) {
        out.write(`${first ? '\n' : ',\n'}${JSON.stringify(convert(f))}`);
        first = false;
      }
    },
    finish() {
      out.write(`${first ? '' : '\n'}]\n`);
    },
  };
}

export const asffWriter = (out: TextSink, report: Pick<ReportHead, 'evaluatedAt'>): FormatWriter => jsonArrayWriter(out, (f) => toAsff(f, report));

export function renderAsff(report: Report): string {
  const out = new StringSink();
  writeReport(asffWriter(out, report), report);
  return out.text();
}
