import type { Finding, Status } from '../controls/types.js';
import type { ReaderView } from '../audit/types.js';
import { jsonAccess, type AccessSummary, type GoneReader } from './access.js';
import type { ReportDiff } from './diff.js';
import type { Report, ReportHead } from './report.js';
import { memorySpools, StringSink, type SpoolFactory, type TextSink } from './sinks.js';
import type { FormatWriter, ReportExtras } from './writer.js';
import { writeReport } from './writer.js';

/** A finding as report.json states it: under its secret, naming its control; the facts only where it did not pass. */
export interface JsonFinding {
  controlId: string;
  status: Status;
  reason: string;
  evidence?: Record<string, unknown>;
  exemption?: Finding['exemption'];
}

export interface JsonSecret {
  arn: string;
  name: string;
  account: string;
  region: string;
  findings: JsonFinding[];
  /** With an access view: DESIGN.md's readers of the secret within the period, the principals among them that are new, and the readers that stopped. */
  readers?: ReaderView[];
  newReaders?: string[];
  goneReaders?: GoneReader[];
}

/** report.json: the head, then one line per secret. */
export type JsonReport = ReportHead & { access?: AccessSummary; diff?: JsonDiff; secrets: JsonSecret[] };

export interface JsonDiff extends Omit<ReportDiff, 'newFailures'> {
  newFailures: { arn: string; name: string; controlId: string; severity: Finding['severity']; reason: string }[];
}

export function jsonFinding(f: Finding): JsonFinding {
  const judged = f.status === 'FAIL' || f.status === 'ERROR';
  return { controlId: f.controlId, status: f.status, reason: f.reason, ...(judged ? { evidence: f.evidence } : {}), ...(f.exemption ? { exemption: f.exemption } : {}) };
}

export function jsonDiff(diff: ReportDiff): JsonDiff {
  return { ...diff, newFailures: diff.newFailures.map((f) => ({ arn: f.resource.arn, name: f.resource.name, controlId: f.controlId, severity: f.severity, reason: f.reason })) };
}

const HEAD_KEYS = ['schemaVersion', 'generatedAt', 'evaluatedAt', 'scope', 'params', 'summary', 'controls', 'unreadable', 'exemptions'] as const;

/**
 * The canonical report: its head pretty-printed, then each secret and its findings on one line, so a report of
 * 100,000 secrets is written a secret at a time and read line by line.
 */
export function jsonWriter(out: TextSink, spools: SpoolFactory = memorySpools): FormatWriter {
  const body = spools();
  let first = true;
  return {
    add(findings, context) {
      const r = findings[0]?.resource;
      if (!r) return;
      const secret: JsonSecret = { arn: r.arn, name: r.name, account: r.account, region: r.region, findings: findings.map(jsonFinding), ...jsonAccess(context) };
      body.write(`${first ? '' : ',\n'}${JSON.stringify(secret)}`);
      first = false;
    },
    finish(head: ReportHead, extras: ReportExtras) {
      out.write('{\n');
      for (const key of HEAD_KEYS) out.write(`"${key}": ${JSON.stringify(head[key], null, 2)},\n`);
      if (extras.access) out.write(`"access": ${JSON.stringify(extras.access, null, 2)},\n`);
      if (extras.diff) out.write(`"diff": ${JSON.stringify(jsonDiff(extras.diff), null, 2)},\n`);
      out.write('"secrets": [\n');
      body.drainInto(out);
      out.write(`${first ? '' : '\n'}]\n}\n`);
    },
  };
}

export function renderJson(report: Report, extras: ReportExtras = {}): string {
  const out = new StringSink();
  writeReport(jsonWriter(out), report, extras);
  return out.text();
}

/**
 * A parsed report.json back as the report in memory: each finding with its secret, and its control's title, severity,
 * remediation and mappings from `controls`. (A pass's evidence is not in the file: it comes back empty.)
 */
export function expandJsonReport(doc: JsonReport): Report {
  const controls = new Map(doc.controls.map((c) => [c.controlId, c]));
  const findings: Finding[] = [];
  for (const s of doc.secrets) {
    const resource = { arn: s.arn, name: s.name, account: s.account, region: s.region };
    for (const f of s.findings) {
      const c = controls.get(f.controlId);
      findings.push({
        controlId: f.controlId,
        title: c?.title ?? f.controlId,
        status: f.status,
        severity: c?.severity ?? 'INFORMATIONAL',
        resource,
        reason: f.reason,
        evidence: f.evidence ?? {},
        remediation: (c?.remediation ?? '').replaceAll('<arn>', s.arn),
        mappings: c?.mappings ?? { awsConfigRule: null, securityHub: null, frameworks: {}, source: '' },
        ...(f.exemption ? { exemption: f.exemption } : {}),
      });
    }
  }
  const { secrets: _secrets, diff: _diff, access: _access, ...head } = doc;
  return { ...head, findings };
}
