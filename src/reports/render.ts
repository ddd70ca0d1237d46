import { SEVERITIES } from '../controls/types.js';
import type { HtmlExtras } from './html.js';
import { isExemptedFailure, type Report } from './report.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** Markdown: a summary table per control, then failing findings grouped by severity with their remediation. */
export function renderMarkdown(report: Report, extras: HtmlExtras = {}): string {
  const lines: string[] = [];
  const s = report.summary;
  lines.push(`# vigil findings: account ${report.scope.account}, ${report.scope.regions.join(', ')}`, '');
  lines.push(`Evaluated ${s.secrets} secrets at ${report.evaluatedAt} (${report.scope.source}${report.scope.snapshotFile ? ` ${report.scope.snapshotFile}` : ''}).`);
  lines.push(`${s.byStatus.FAIL} failing, ${s.byStatus.ERROR} could not be decided, ${s.byStatus.PASS} passing, ${s.byStatus.NOT_APPLICABLE} not applicable; ${s.exemptedFailures} failures are exempted.`, '');
  lines.push('| control | severity | compliant | PASS | FAIL | exempted | ERROR | N/A |', '|---|---|---|---|---|---|---|---|');
  for (const c of s.byControl) {
    const percent = c.compliancePercent === null ? '—' : `${c.compliancePercent}%`;
    lines.push(`| \`${c.controlId}\` ${cell(c.title)} | ${c.severity} | ${percent} | ${c.counts.PASS} | ${c.counts.FAIL} | ${c.exemptedFailures} | ${c.counts.ERROR} | ${c.counts.NOT_APPLICABLE} |`);
  }
  if (extras.diff) {
    const d = extras.diff;
    lines.push('', `## Since ${d.previousGeneratedAt}`, '', `${d.newFailures.length} new failures, ${d.resolvedFailures.length} resolved, ${d.unchangedFailures} unchanged.`);
    for (const f of d.newFailures) lines.push(`- new: **${f.resource.name}** \`${f.controlId}\`: ${cell(f.reason)}`);
    for (const r of d.resolvedFailures) lines.push(`- resolved: ${r.arn} \`${r.controlId}\` (now ${r.now})`);
  }
  if (extras.frameworks?.length) {
    lines.push('', '## Frameworks', '', '| framework | requirement | controls | state |', '|---|---|---|---|');
    for (const r of extras.frameworks) lines.push(`| ${r.framework} | ${r.requirement} | ${r.controls.join(', ')} | ${r.state === 'met' ? 'met' : r.state === 'not-met' ? `not met (${r.failing} failing)` : `undecided (${r.errors} errors)`} |`);
  }
  for (const severity of SEVERITIES) {
    const failing = report.findings.filter((f) => f.status === 'FAIL' && f.severity === severity);
    if (failing.length === 0) continue;
    lines.push('', `## ${severity} (${failing.length})`, '');
    for (const f of failing) {
      const exempt = isExemptedFailure(f) ? ` — **exempted until ${f.exemption?.until}**: ${cell(f.exemption?.reason ?? '')}` : '';
      lines.push(`- **${f.resource.name}** \`${f.controlId}\`: ${cell(f.reason)}${exempt}`, `  - Fix: ${cell(f.remediation)}`);
    }
  }
  const errors = report.findings.filter((f) => f.status === 'ERROR');
  if (errors.length) {
    lines.push('', `## Could not be decided (${errors.length})`, '');
    for (const f of errors) lines.push(`- **${f.resource.name}** \`${f.controlId}\`: ${cell(f.reason)}`);
  }
  const ignored = report.exemptions.filter((e) => !e.active);
  if (ignored.length) {
    lines.push('', '## Exemptions that do not apply', '');
    for (const e of ignored) lines.push(`- ${e.arn} \`${e.controlId}\`: ${cell(e.note ?? '')} (${cell(e.reason)})`);
  }
  return `${lines.join('\n')}\n`;
}

/** A terminal table: one row per control, then the failures, most severe first. */
export function renderTable(report: Report): string {
  const s = report.summary;
  const rows = [['CONTROL', 'SEVERITY', 'COMPLIANT', 'PASS', 'FAIL', 'EXEMPT', 'ERROR', 'N/A']];
  for (const c of s.byControl) {
    rows.push([c.controlId, c.severity, c.compliancePercent === null ? '-' : `${c.compliancePercent}%`, ...[c.counts.PASS, c.counts.FAIL, c.exemptedFailures, c.counts.ERROR, c.counts.NOT_APPLICABLE].map(String)]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const out = rows.map((r) => r.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  out.push('', `${s.secrets} secrets in ${report.scope.account} ${report.scope.regions.join(',')}: ${s.byStatus.FAIL} FAIL (${s.exemptedFailures} exempted), ${s.byStatus.ERROR} ERROR, ${s.byStatus.PASS} PASS, ${s.byStatus.NOT_APPLICABLE} N/A`);
  const rank = (f: { severity: (typeof SEVERITIES)[number] }) => SEVERITIES.indexOf(f.severity);
  const problems = [
    ...report.findings.filter((f) => f.status === 'FAIL').sort((a, b) => rank(a) - rank(b)),
    ...report.findings.filter((f) => f.status === 'ERROR'),
  ];
  if (problems.length) out.push('');
  for (const f of problems) {
    const tag = f.status === 'ERROR' ? 'ERROR' : isExemptedFailure(f) ? `${f.severity} (exempt)` : f.severity;
    out.push(`${tag.padEnd(16)} ${f.resource.name}  ${f.controlId}: ${f.reason}`);
  }
  return `${out.join('\n')}\n`;
}
