import type { Finding } from '../controls/types.js';
import { needsAction } from './asff.js';
import { arnPlace, GONE_REASON, goneFailures, mendedReason, type FindingChange, type MendedExemption, type ResolvedFailure } from './diff.js';
import { exemptionState, exemptionsWithoutFinding, isExemptedFailure, type ExemptionEntry, type Report, type ReportHead } from './report.js';
import { StringSink, type TextSink } from './sinks.js';
import { writeReport, type FormatWriter } from './writer.js';

const HEADER = ['account', 'region', 'secret', 'arn', 'control', 'title', 'severity', 'status', 'exempted', 'exemption', 'exempt_until', 'exemption_tag', 'exemption_reason', 'exemption_note', 'reason', 'remediation', 'change'];

/** The exemption columns: what the tag says and whether it holds (`exemption` is active, expired or unusable). */
const exemptionCells = (e: Finding['exemption'] | ExemptionEntry | undefined) => (e ? [exemptionState(e), e.until ?? '', e.tag, e.reason, e.note ?? ''] : ['', '', '', '', '']);

const findingRow = (f: Finding, change: FindingChange | undefined) => [
  f.resource.account,
  f.resource.region,
  f.resource.name,
  f.resource.arn,
  f.controlId,
  f.title,
  f.severity,
  f.status,
  isExemptedFailure(f) ? 'yes' : 'no',
  ...exemptionCells(f.exemption),
  f.reason,
  // A pass needs no fix: the control's remediation is in report.json once.
  needsAction(f) ? f.remediation : '',
  change ?? '',
];

/** A tag naming no vigil control has no finding: its row names the control as the tag does, with no status. */
const exemptionRow = (e: ExemptionEntry) => [e.account, e.region, e.name, e.arn, e.controlId, '', '', '', 'no', ...exemptionCells(e), '', '', ''];

/** A failure of the previous report whose secret is gone: no finding now, so no status; `change` resolved. */
const goneRow = (r: ResolvedFailure, head: ReportHead) => {
  const { account, region } = arnPlace(r.arn);
  const control = head.controls.find((c) => c.controlId === r.controlId);
  return [account, region, r.name, r.arn, r.controlId, control?.title ?? '', control?.severity ?? '', '', 'no', ...exemptionCells(undefined), GONE_REASON, '', 'resolved'];
};

/** An unusable exemption of the previous report that this one no longer has: `exemption` mended, `change` resolved. */
const mendedRow = (e: MendedExemption) => {
  const { account, region } = arnPlace(e.arn);
  return [account, region, e.name, e.arn, e.controlId, '', '', '', 'no', 'mended', '', e.tag, '', '', mendedReason(e), '', 'resolved'];
};

const line = (cells: string[]) => `${cells.map(csvCell).join(',')}\r\n`;

/**
 * RFC 4180 CSV, one row per finding, written as the findings arrive (with --previous, `change` says new, unchanged or
 * resolved), then one row per exemption tag that names no control (no status: it is not a finding), then one per failure of
 * the previous report whose secret is gone (no status, change resolved) and one per unusable exemption mended since. A cell that a spreadsheet would run as a formula (starting =, +, -, @, tab or CR) is
 * prefixed with a quote: secret names and tags come from whoever can create secrets.
 */
export function csvWriter(out: TextSink): FormatWriter {
  out.write(line(HEADER));
  return {
    add(findings, secret) {
      for (const f of findings) out.write(line(findingRow(f, secret?.changes?.[f.controlId])));
    },
    finish(head, extras) {
      for (const e of exemptionsWithoutFinding(head)) out.write(line(exemptionRow(e)));
      for (const r of goneFailures(extras.diff)) out.write(line(goneRow(r, head)));
      for (const e of extras.diff?.mendedExemptions ?? []) out.write(line(mendedRow(e)));
    },
  };
}

export function renderCsv(report: Report): string {
  const out = new StringSink();
  writeReport(csvWriter(out), report);
  return out.text();
}

/** One CSV cell, quoted as RFC 4180 asks, a would-be formula defused (access.csv shares it). */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
