import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEVERITIES, type Severity } from '../../src/controls/index.js';
import { expandJsonReport, severitySentence, summarySentence, type JsonReport, type ReportSummary } from '../../src/reports/index.js';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

const NOW = '2026-11-20T00:00:00Z';

/** The acme-prod fixture with an exemption tag naming no control, and one whose date does not parse. */
function snapshotWithOddTags(dir: string): string {
  const doc = JSON.parse(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.json'), 'utf8')) as { secrets: { describe: { Name: string; Tags?: { Key: string; Value: string }[] } }[] };
  for (const s of doc.secrets) {
    if (s.describe.Name === 'prod/db/orders') s.describe.Tags = [...(s.describe.Tags ?? []), { Key: 'vigil:exempt:rotation-enabeld', Value: '2026-12-31 typo in the control id' }];
    if (s.describe.Name === 'legacy/ftp') s.describe.Tags = [...(s.describe.Tags ?? []), { Key: 'vigil:exempt:required-tags', Value: 'someday, maybe' }];
  }
  const file = join(dir, 'snapshot.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/** RFC 4180 rows (quoted cells may hold commas, quotes and line breaks). */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(cell);
      cell = '';
    } else if (!quoted && c === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += c;
    }
  }
  return rows;
}

interface Counts {
  failing: number;
  exempted: number;
  error: number;
  pass: number;
  notApplicable: number;
  bySeverity: Record<Severity, number>;
}

const fromSummary = (s: ReportSummary): Counts => ({ failing: s.failing, exempted: s.exemptedFailures, error: s.byStatus.ERROR, pass: s.byStatus.PASS, notApplicable: s.byStatus.NOT_APPLICABLE, bySeverity: s.failuresBySeverity });

/** Counts of one finding list, from what each row says about itself. */
function tally(rows: { status: string; exempted: boolean; severity: Severity }[]): Counts {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const c: Counts = { failing: 0, exempted: 0, error: 0, pass: 0, notApplicable: 0, bySeverity };
  for (const r of rows) {
    if (r.status === 'FAIL' && r.exempted) c.exempted += 1;
    else if (r.status === 'FAIL') {
      c.failing += 1;
      bySeverity[r.severity] += 1;
    } else if (r.status === 'ERROR') c.error += 1;
    else if (r.status === 'PASS') c.pass += 1;
    else c.notApplicable += 1;
  }
  return c;
}

describe('one sweep, every format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-agree-'));
  const out = join(dir, 'out');
  const read = (name: string) => readFileSync(join(out, name), 'utf8');
  const sweep = async () => {
    const run = await runCli(['sweep', '--snapshot', snapshotWithOddTags(dir), '--params', join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json'), '--now', NOW, '--out', out]);
    expect(run.exitCode, run.stderr).toBe(0);
    return expandJsonReport(JSON.parse(read('report.json')) as JsonReport);
  };

  it('states the same counts in JSON, Markdown, HTML, CSV, ASFF and OCSF', async () => {
    const report = await sweep();
    const s = report.summary;
    expect(s.failing).toBeGreaterThan(0);
    expect(s.exemptedFailures).toBeGreaterThan(0);
    expect(s.byStatus.ERROR).toBeGreaterThan(0);
    const expected = fromSummary(s);
    expect(tally(report.findings.map((f) => ({ status: f.status, exempted: f.exemption?.active === true, severity: f.severity })))).toEqual(expected);

    for (const text of [read('report.md'), read('report.html')]) {
      expect(text).toContain(summarySentence(s));
      expect(text).toContain(severitySentence(s));
    }

    const [header, ...rows] = csvRows(read('findings.csv'));
    const col = (name: string) => (header ?? []).indexOf(name);
    expect(tally(rows.map((r) => ({ status: r[col('status')] as string, exempted: r[col('exempted')] === 'yes', severity: r[col('severity')] as Severity })))).toEqual(expected);

    const asff = JSON.parse(read('findings.asff.json')) as { Severity: { Label: Severity }; Compliance: { Status: string }; Workflow: { Status: string } }[];
    const asffStatus = { PASSED: 'PASS', FAILED: 'FAIL', WARNING: 'ERROR', NOT_AVAILABLE: 'NOT_APPLICABLE' } as Record<string, string>;
    expect(tally(asff.map((a) => ({ status: asffStatus[a.Compliance.Status] as string, exempted: a.Workflow.Status === 'SUPPRESSED', severity: a.Severity.Label })))).toEqual(expected);

    const ocsf = JSON.parse(read('findings.ocsf.json')) as { severity: string; status: string; compliance: { status: string } }[];
    const ocsfStatus = { Pass: 'PASS', Fail: 'FAIL', Unknown: 'ERROR', 'Not applicable': 'NOT_APPLICABLE' } as Record<string, string>;
    expect(tally(ocsf.map((o) => ({ status: ocsfStatus[o.compliance.status] as string, exempted: o.status === 'Suppressed', severity: o.severity.toUpperCase() as Severity })))).toEqual(expected);
  });

  it('reports an exemption tag naming no control as unusable, beside one whose date does not parse', async () => {
    const report = await sweep();
    const unusable = report.exemptions.filter((e) => e.state === 'unusable');
    expect(unusable).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'prod/db/orders', controlId: 'rotation-enabeld', tag: 'vigil:exempt:rotation-enabeld', active: false, note: expect.stringContaining('names no vigil control') }),
        expect.objectContaining({ name: 'legacy/ftp', controlId: 'required-tags', active: false }),
      ]),
    );
    expect(read('report.md')).toMatch(/\| prod\/db\/orders \| `rotation-enabeld` \| unusable \|/);
    expect(read('report.html')).toMatch(/<tr class="ex-unusable"><td>prod\/db\/orders<\/td><td>rotation-enabeld<\/td>/);
  });
});
