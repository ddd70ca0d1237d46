import { SEVERITIES, type Finding, type Severity } from '../controls/index.js';
import { diffCounts, exemptionState, isExemptedFailure, plural, severitySentence, summarySentence, whyNotApplied, type Report, type ReportDiff } from '../reports/index.js';

export interface TableOptions {
  /** Every finding, not only the failures and what could not be decided. */
  verbose: boolean;
  colour: boolean;
  diff?: ReportDiff;
  /** How many passing or not-applicable findings were left out, when `report.findings` holds only those listed (a streamed sweep). */
  unlisted?: number;
}

/** How many unusable exemptions the table names before it points to report.json. */
const UNUSABLE_LISTED = 20;

const SGR = { red: '31', yellow: '33', blue: '34', green: '32', magenta: '35', dim: '2', bold: '1' } as const;
const SEVERITY_COLOUR: Record<Severity, keyof typeof SGR> = { CRITICAL: 'magenta', HIGH: 'red', MEDIUM: 'yellow', LOW: 'blue', INFORMATIONAL: 'dim' };

/** The terminal view of a sweep: one row per control, the totals, then the failures (every finding with `verbose`). */
export function renderTerminalTable(report: Report, options: TableOptions): string {
  const paint = (colour: keyof typeof SGR, text: string) => (options.colour ? `\u001b[${SGR[colour]}m${text}\u001b[0m` : text);
  const s = report.summary;
  const header = ['CONTROL', 'SEVERITY', 'COMPLIANT', 'PASS', 'FAIL', 'EXEMPT', 'ERROR', 'N/A'];
  const rows = s.byControl.map((c) => [c.controlId, c.severity, c.compliancePercent === null ? '-' : `${c.compliancePercent}%`, ...[c.counts.PASS, c.counts.FAIL, c.exemptedFailures, c.counts.ERROR, c.counts.NOT_APPLICABLE].map(String)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [paint('bold', line(header)), ...rows.map(line)];
  const failing = s.failing;
  // The words and counts of every report format (report.md, report.html), so the terminal never contradicts them.
  out.push('', `${report.scope.account} ${report.scope.regions.join(',')}: ${paint(failing ? 'red' : 'green', summarySentence(s))}`, severitySentence(s));
  if (options.diff) out.push(`since ${options.diff.previousGeneratedAt}: ${diffCounts(options.diff)}`);
  // An unusable exemption suppresses nothing, and a team that wrote it believes otherwise: name each one, as every report format does.
  const unusable = report.exemptions.filter((e) => e.state === 'unusable');
  if (unusable.length) {
    out.push('', paint('yellow', `${plural(unusable.length, 'unusable exemption')} (exempting nothing):`));
    for (const e of unusable.slice(0, UNUSABLE_LISTED)) out.push(`  ${e.name}  ${e.tag}: ${whyNotApplied(e)}`);
    if (unusable.length > UNUSABLE_LISTED) out.push(paint('dim', `  and ${unusable.length - UNUSABLE_LISTED} more (report.json's exemptions lists every one)`));
  }
  const rank = (f: Finding) => SEVERITIES.indexOf(f.severity);
  const byStatus = (status: Finding['status']) => report.findings.filter((f) => f.status === status).sort((a, b) => rank(a) - rank(b));
  const listed = [...byStatus('FAIL'), ...byStatus('ERROR'), ...(options.verbose ? [...byStatus('PASS'), ...byStatus('NOT_APPLICABLE')] : [])];
  if (listed.length) out.push('');
  const newOnes = new Set(options.diff?.newFailures.map((f) => `${f.resource.arn} ${f.controlId}`));
  for (const f of listed) {
    const tag = f.status === 'FAIL' ? (isExemptedFailure(f) ? `${f.severity} (exempt)` : f.severity) : f.status === 'ERROR' ? `ERROR ${f.severity}` : f.status;
    const colour = f.status === 'FAIL' ? (isExemptedFailure(f) ? 'dim' : SEVERITY_COLOUR[f.severity]) : f.status === 'ERROR' ? 'yellow' : 'green';
    const fresh = newOnes.has(`${f.resource.arn} ${f.controlId}`) ? ' (new)' : '';
    const notApplied = f.exemption && !f.exemption.active ? ` [exemption ${f.exemption.tag} not applied: ${exemptionState(f.exemption)}]` : '';
    out.push(`${paint(colour, tag.padEnd(18))} ${f.resource.name}  ${f.controlId}${fresh}: ${f.reason}${notApplied}`);
  }
  const hidden = options.unlisted ?? report.findings.length - listed.length;
  if (hidden > 0) out.push('', paint('dim', `${hidden} passing or not-applicable findings not listed (--verbose lists every finding)`));
  return `${out.join('\n')}\n`;
}
