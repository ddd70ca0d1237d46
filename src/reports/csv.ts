import type { Finding } from '../controls/types.js';
import { needsAction } from './asff.js';
import { isExemptedFailure, type Report } from './report.js';
import { StringSink, type TextSink } from './sinks.js';
import { writeReport, type FormatWriter } from './writer.js';

const HEADER = ['account', 'region', 'secret', 'arn', 'control', 'title', 'severity', 'status', 'exempted', 'exempt_until', 'reason', 'remediation'];

const row = (f: Finding) =>
  [
    f.resource.account,
    f.resource.region,
    f.resource.name,
    f.resource.arn,
    f.controlId,
    f.title,
    f.severity,
    f.status,
    isExemptedFailure(f) ? 'yes' : 'no',
    f.exemption?.active ? (f.exemption.until ?? '') : '',
    f.reason,
    // A pass needs no fix: the control's remediation is in report.json once.
    needsAction(f) ? f.remediation : '',
  ]
    .map(cell)
    .join(',');

/**
 * RFC 4180 CSV, one row per finding, written as the findings arrive. A cell that a spreadsheet would run as a formula
 * (starting =, +, -, @, tab or CR) is prefixed with a quote: secret names and tags come from whoever can create secrets.
 */
export function csvWriter(out: TextSink): FormatWriter {
  out.write(`${HEADER.join(',')}\r\n`);
  return {
    add(findings) {
      for (const f of findings) out.write(`${row(f)}\r\n`);
    },
    finish() {},
  };
}

export function renderCsv(report: Report): string {
  const out = new StringSink();
  writeReport(csvWriter(out), report);
  return out.text();
}

function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
