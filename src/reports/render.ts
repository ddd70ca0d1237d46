import { SEVERITIES, type Finding, type Severity } from '../controls/types.js';
import { markdownAccessPart } from './access.js';
import { requirementState } from './frameworks.js';
import { exemptionSentence, isExemptedFailure, type Report, type ReportHead } from './report.js';
import { memorySpools, StringSink, type Spool, type SpoolFactory, type TextSink } from './sinks.js';
import { diffCounts, percentText, severitySentence, summarySentence, writeReport, type FormatWriter, type ReportExtras } from './writer.js';

export { renderJson } from './json.js';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** Markdown: the summary per control, what changed, the frameworks, then failing findings by severity with their fix. */
export function markdownWriter(out: TextSink, spools: SpoolFactory = memorySpools): FormatWriter {
  const failing = new Map<Severity, { spool: Spool; count: number; exempted: number }>(SEVERITIES.map((s) => [s, { spool: spools(), count: 0, exempted: 0 }]));
  const errors = { spool: spools(), count: 0 };
  const access = markdownAccessPart(spools);
  return {
    add(findings, secret) {
      access.add(secret, findings[0]?.resource.name ?? '');
      for (const f of findings) {
        if (f.status === 'FAIL') {
          const group = failing.get(f.severity) as { spool: Spool; count: number; exempted: number };
          const exempt = f.exemption ? ` — **${cell(exemptionSentence(f.exemption))}**` : '';
          group.spool.write(`- **${cell(f.resource.name)}** \`${f.controlId}\`: ${cell(f.reason)}${exempt}\n  - Fix: ${cell(f.remediation)}\n`);
          group.count += 1;
          if (isExemptedFailure(f)) group.exempted += 1;
        } else if (f.status === 'ERROR') {
          errors.spool.write(`- **${cell(f.resource.name)}** \`${f.controlId}\`: ${cell(f.reason)}\n`);
          errors.count += 1;
        }
      }
    },
    finish(head, extras) {
      const s = head.summary;
      const line = (text = '') => out.write(`${text}\n`);
      line(`# vigil findings: account ${head.scope.account}, ${head.scope.regions.join(', ')}`);
      line();
      line(`Evaluated at ${head.evaluatedAt} (${head.scope.source}${head.scope.snapshotFile ? ` ${head.scope.snapshotFile}` : ''}).`);
      line();
      line(summarySentence(s));
      line(severitySentence(s));
      line();
      line('| control | severity | compliant | PASS | FAIL | exempted | ERROR | N/A |');
      line('|---|---|---|---|---|---|---|---|');
      for (const c of s.byControl) line(`| \`${c.controlId}\` ${cell(c.title)} | ${c.severity} | ${percentText(c.compliancePercent)} | ${c.counts.PASS} | ${c.counts.FAIL} | ${c.exemptedFailures} | ${c.counts.ERROR} | ${c.counts.NOT_APPLICABLE} |`);
      if (extras.diff) {
        const d = extras.diff;
        line();
        line(`## Since ${d.previousGeneratedAt}`);
        line();
        line(`${diffCounts(d)}.`);
        for (const f of d.newFailures) line(`- new: **${cell(f.resource.name)}** \`${f.controlId}\`: ${cell(f.reason)}`);
        for (const r of d.resolvedFailures) line(`- resolved: **${cell(r.name)}** \`${r.controlId}\` (now ${r.now})`);
        for (const r of d.undecidedFailures) line(`- no longer judged: **${cell(r.name)}** \`${r.controlId}\` (failed before, could not be decided now: still not compliant)`);
      }
      for (const severity of SEVERITIES) {
        const group = failing.get(severity) as { spool: Spool; count: number; exempted: number };
        if (group.count) {
          line();
          // The heading counts as the summary's severity sentence does: failing, and the exempted apart.
          line(`## ${severity} (${group.exempted ? `${group.count - group.exempted} failing, ${group.exempted} exempted` : group.count})`);
          line();
        }
        group.spool.drainInto(out);
      }
      if (errors.count) {
        line();
        line(`## Could not be decided (${errors.count})`);
        line();
      }
      errors.spool.drainInto(out);
      access.drainInto(out, extras.access);
      if (head.exemptions.length) {
        line();
        line(`## Exemptions (${head.exemptions.length})`);
        line();
        line('| secret | control | tag | state | until | reason | note |');
        line('|---|---|---|---|---|---|---|');
        for (const e of head.exemptions) line(`| ${cell(e.name)} | \`${cell(e.controlId)}\` | \`${cell(e.tag)}\` | ${e.state} | ${e.until ?? '—'} | ${cell(e.reason)} | ${cell(e.note ?? '')} |`);
      }
      if (extras.frameworks?.length) {
        line();
        line('## Frameworks');
        line();
        line('| framework | requirement | controls | state |');
        line('|---|---|---|---|');
        for (const r of extras.frameworks) line(`| ${r.framework} | ${r.requirement} | ${r.controls.join(', ')} | ${requirementState(r)} |`);
      }
      line();
      line('## Parameters');
      line();
      for (const [name, value] of Object.entries(head.params)) line(`- \`${name}\`: \`${JSON.stringify(value)}\``);
      if (head.unreadable.length) {
        line();
        line(`## Could not be read (${head.unreadable.length})`);
        line();
        for (const u of head.unreadable) line(`- ${u.arn} ${u.field}: ${cell(u.why)}`);
      }
    },
  };
}

export function renderMarkdown(report: Report, extras: ReportExtras = {}): string {
  const out = new StringSink();
  writeReport(markdownWriter(out), report, extras);
  return out.text();
}

/** A terminal table: one row per control, the summary, then the failures, most severe first (`findings` may hold only those). */
export function renderTable(report: ReportHead & { findings: readonly Finding[] }): string {
  const s = report.summary;
  const rows = [['CONTROL', 'SEVERITY', 'COMPLIANT', 'PASS', 'FAIL', 'EXEMPT', 'ERROR', 'N/A']];
  for (const c of s.byControl) {
    rows.push([c.controlId, c.severity, c.compliancePercent === null ? '-' : `${c.compliancePercent}%`, ...[c.counts.PASS, c.counts.FAIL, c.exemptedFailures, c.counts.ERROR, c.counts.NOT_APPLICABLE].map(String)]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const out = rows.map((r) => r.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  out.push('', `${report.scope.account} ${report.scope.regions.join(',')}: ${summarySentence(s)}`, severitySentence(s));
  const rank = (f: { severity: (typeof SEVERITIES)[number] }) => SEVERITIES.indexOf(f.severity);
  const problems = [...report.findings.filter((f) => f.status === 'FAIL').sort((a, b) => rank(a) - rank(b)), ...report.findings.filter((f) => f.status === 'ERROR')];
  if (problems.length) out.push('');
  for (const f of problems) {
    const tag = f.status === 'ERROR' ? 'ERROR' : isExemptedFailure(f) ? `${f.severity} (exempt)` : f.severity;
    out.push(`${tag.padEnd(16)} ${f.resource.name}  ${f.controlId}: ${f.reason}`);
  }
  return `${out.join('\n')}\n`;
}
