import { isExemptedFailure, type Report } from './report.js';

const HEADER = ['account', 'region', 'secret', 'arn', 'control', 'title', 'severity', 'status', 'exempted', 'exempt_until', 'reason', 'remediation'];

/**
 * RFC 4180 CSV, one row per finding. A cell that a spreadsheet would run as a formula (starting =, +, -, @, tab or CR)
 * is prefixed with a quote: secret names and tags come from whoever can create secrets.
 */
export function renderCsv(report: Report): string {
  const rows = report.findings.map((f) => [
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
    f.remediation,
  ]);
  return `${[HEADER, ...rows].map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
