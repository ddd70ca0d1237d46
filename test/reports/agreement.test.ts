import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listControls, SEVERITIES, type Severity } from '../../src/controls/index.js';
import { compliancePercent, expandJsonReport, isExemptedFailure, percentText, renderAll, severitySentence, summarySentence, type JsonReport, type ReportSummary } from '../../src/reports/index.js';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';
import { csvRecords, fixtureReport } from '../helpers/reports.js';

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

interface Counts {
  failing: number;
  exempted: number;
  error: number;
  pass: number;
  notApplicable: number;
  bySeverity: Record<Severity, number>;
}

/** A finding as any format states it: its control, status, severity and whether an exemption holds. */
interface Row {
  control: string;
  status: string;
  exempted: boolean;
  severity: Severity;
}

/** Per control: PASS, FAIL, exempted, ERROR, N/A, and the compliance text (as Markdown and HTML print it). */
type ControlCounts = Record<string, [number, number, number, number, number, string]>;

const fromSummary = (s: ReportSummary): Counts => ({ failing: s.failing, exempted: s.exemptedFailures, error: s.byStatus.ERROR, pass: s.byStatus.PASS, notApplicable: s.byStatus.NOT_APPLICABLE, bySeverity: s.failuresBySeverity });
const controlsOfSummary = (s: ReportSummary): ControlCounts =>
  Object.fromEntries(s.byControl.map((c) => [c.controlId, [c.counts.PASS, c.counts.FAIL, c.exemptedFailures, c.counts.ERROR, c.counts.NOT_APPLICABLE, percentText(c.compliancePercent)]]));

/** Counts of one finding list, from what each row says about itself. */
function tally(rows: Row[]): Counts {
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

/** Per-control counts of one finding list, the compliance worked out from them by the report's rule. */
function tallyControls(rows: Row[], controls: readonly string[]): ControlCounts {
  const counts = Object.fromEntries(controls.map((id) => [id, [0, 0, 0, 0, 0, '']])) as ControlCounts;
  for (const r of rows) {
    const c = counts[r.control] as ControlCounts[string];
    const i = { PASS: 0, FAIL: 1, ERROR: 3, NOT_APPLICABLE: 4 }[r.status] as 0 | 1 | 3 | 4;
    c[i] += 1;
    if (r.status === 'FAIL' && r.exempted) c[2] += 1;
  }
  for (const c of Object.values(counts)) c[5] = percentText(compliancePercent(c[0], c[1]));
  return counts;
}

describe('one sweep, every format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-agree-'));
  const out = join(dir, 'out');
  const read = (name: string) => readFileSync(join(out, name), 'utf8');
  let stdout = '';
  const sweep = async () => {
    const run = await runCli(['sweep', '--snapshot', snapshotWithOddTags(dir), '--params', join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json'), '--now', NOW, '--out', out]);
    expect(run.exitCode, run.stderr).toBe(0);
    stdout = run.stdout;
    return expandJsonReport(JSON.parse(read('report.json')) as JsonReport);
  };

  it('states the same counts in JSON, Markdown, HTML, CSV, ASFF and OCSF: in all, by severity and by control', async () => {
    const report = await sweep();
    const s = report.summary;
    expect(s.failing).toBeGreaterThan(0);
    expect(s.exemptedFailures).toBeGreaterThan(0);
    expect(s.byStatus.ERROR).toBeGreaterThan(0);
    expect(s.byControl.some((c) => c.compliancePercent === null)).toBe(true);
    const expected = fromSummary(s);
    const expectedControls = controlsOfSummary(s);
    const ids = s.byControl.map((c) => c.controlId);
    const agrees = (rows: Row[]) => {
      expect(tally(rows)).toEqual(expected);
      expect(tallyControls(rows, ids)).toEqual(expectedControls);
    };
    agrees(report.findings.map((f) => ({ control: f.controlId, status: f.status, exempted: f.exemption?.active === true, severity: f.severity })));

    const md = read('report.md');
    const html = read('report.html');
    for (const text of [md, html, stdout]) {
      expect(text).toContain(summarySentence(s));
      expect(text).toContain(severitySentence(s));
      expect(text).not.toMatch(/NaN|undefined|null%/);
    }
    const mdControls = Object.fromEntries(
      [...md.matchAll(/^\| `([a-z-]+)` [^|]+ \| [A-Z]+ \| ([^|]+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$/gm)].map((m) => [m[1], [...m.slice(3, 8).map(Number), m[2]]]),
    );
    expect(mdControls).toEqual(expectedControls);
    const cards = Object.fromEntries(
      [...html.matchAll(/data-control="([a-z-]+)"><div class="score">([^<]+)<\/div>.*?<div class="cnt">(\d+) pass · (\d+) fail(?: \((\d+) exempted\))? · (\d+) error · (\d+) n\/a<\/div>/g)].map((m) => [
        m[1],
        [Number(m[3]), Number(m[4]), Number(m[5] ?? 0), Number(m[6]), Number(m[7]), m[2]],
      ]),
    );
    expect(cards).toEqual(expectedControls);
    const totals = Object.fromEntries([...html.matchAll(/<div class="total[^"]*"[^>]*><b>(\d+)<\/b>([a-z ]+)<\/div>/g)].map((m) => [m[2], Number(m[1])]));
    expect(totals).toMatchObject({ secrets: s.secrets, failing: s.failing, exempted: s.exemptedFailures, 'could not be decided': s.byStatus.ERROR, passing: s.byStatus.PASS, 'not applicable': s.byStatus.NOT_APPLICABLE });
    for (const sev of SEVERITIES) expect(totals[sev.toLowerCase()]).toBe(s.failuresBySeverity[sev]);
    // Markdown's heading of each severity counts its failures as the severity sentence does, the exempted apart.
    const headings = [...md.matchAll(/^## ([A-Z]+) \((\d+)(?: failing, (\d+) exempted)?\)$/gm)];
    expect(headings.some((m) => m[3] !== undefined)).toBe(true);
    for (const [, sev, count, exempted] of headings) expect([Number(count), Number(exempted ?? 0)]).toEqual([s.failuresBySeverity[sev as Severity], report.findings.filter((f) => f.severity === sev && isExemptedFailure(f)).length]);
    const table = Object.fromEntries([...stdout.matchAll(/^([a-z-]+) +[A-Z]+ +(\S+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$/gm)].map((m) => [m[1], [...m.slice(3, 8).map(Number), m[2] === '-' ? '—' : m[2]]]));
    expect(table).toEqual(expectedControls);

    // Exemption tags naming no control are rows too, but no findings: a CSV row without a status, an ASFF or OCSF finding of the exemption kind.
    const csv = csvRecords(read('findings.csv')).filter((r) => r['status'] !== '');
    agrees(csv.map((r) => ({ control: r['control'] as string, status: r['status'] as string, exempted: r['exempted'] === 'yes', severity: r['severity'] as Severity })));

    const asff = (JSON.parse(read('findings.asff.json')) as { GeneratorId: string; ProductFields: Record<string, string>; Severity: { Label: Severity; Original: Severity }; Compliance?: { Status: string }; Workflow: { Status: string } }[]).filter((a) => a.GeneratorId !== 'vigil/exemption');
    const asffStatus = { PASSED: 'PASS', FAILED: 'FAIL', WARNING: 'ERROR', NOT_AVAILABLE: 'NOT_APPLICABLE' } as Record<string, string>;
    agrees(asff.map((a) => ({ control: a.ProductFields['vigil/ControlId'] as string, status: asffStatus[a.Compliance?.Status ?? ''] as string, exempted: a.Workflow.Status === 'SUPPRESSED', severity: a.Severity.Label })));
    // Security Hub labels a pass INFORMATIONAL; a failure keeps its control's severity.
    for (const a of asff) if (a.Compliance?.Status === 'FAILED') expect(a.Severity.Label).toBe(a.Severity.Original);

    const ocsf = (JSON.parse(read('findings.ocsf.json')) as { severity: string; status: string; finding_info: { types: string[] }; compliance: { control: string; status: string } }[]).filter((o) => !o.finding_info.types.includes('vigil exemption'));
    const ocsfStatus = { Pass: 'PASS', Fail: 'FAIL', Unknown: 'ERROR', 'Not applicable': 'NOT_APPLICABLE' } as Record<string, string>;
    agrees(ocsf.map((o) => ({ control: o.compliance.control, status: ocsfStatus[o.compliance.status] as string, exempted: o.status === 'Suppressed', severity: o.severity.toUpperCase() as Severity })));
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
    expect(read('report.md')).toMatch(/\| prod\/db\/orders \| `rotation-enabeld` \| `vigil:exempt:rotation-enabeld` \| unusable \|/);
    expect(read('report.html')).toMatch(/<tr class="ex-unusable"><td>prod\/db\/orders<\/td><td>rotation-enabeld<\/td><td><code>vigil:exempt:rotation-enabeld<\/code><\/td>/);
    expect(csvRecords(read('findings.csv'))).toContainEqual(expect.objectContaining({ secret: 'prod/db/orders', control: 'rotation-enabeld', status: '', exemption: 'unusable' }));
    expect(read('findings.asff.json')).toContain('"Id":"vigil/exemption/rotation-enabeld/arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-');
    expect(read('findings.ocsf.json')).toContain('"uid":"vigil/exemption/rotation-enabeld/arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-');
  });
});

describe('the words around the counts', () => {
  const sentences = async (names: string[]) => {
    const report = await fixtureReport((states) => states.filter((s) => names.includes(s.name)));
    const { files } = renderAll(report, await listControls());
    return { report, md: files['report.md'] ?? '', html: files['report.html'] ?? '' };
  };

  it('says 1 secret and 1 exempted failure, 2 secrets and 2 exempted failures', async () => {
    const one = await sentences(['partner/shared-token']);
    expect(one.report.summary.exemptedFailures).toBe(1);
    for (const text of [one.md, one.html]) {
      expect(text).toContain('1 secret: ');
      expect(text).toContain('(and 1 exempted failure)');
      expect(text).not.toMatch(/\b1 (secrets|exempted failures)\b/);
    }
    expect(one.html).toContain('<b>1</b>secret</div>');
    const two = await sentences(['prod/db/orders', 'legacy/ftp']);
    for (const text of [two.md, two.html]) expect(text).toContain('2 secrets: ');
    expect(two.html).toContain('<b>2</b>secrets</div>');
  });

  it('reads 0% when every judged finding fails, 100% when all pass, and a dash, never NaN%, when none was judged', async () => {
    const { md, html } = await sentences(['legacy/ftp']);
    const mdRow = (id: string) => md.split('\n').find((l) => l.startsWith(`| \`${id}\``)) ?? '';
    expect(mdRow('unused')).toMatch(/\| 0% \| 0 \| 1 \|/);
    expect(mdRow('pending-deletion')).toMatch(/\| 100% \| 1 \| 0 \|/);
    expect(mdRow('replication-healthy')).toMatch(/\| — \| 0 \| 0 \| 0 \| 0 \| 1 \|$/);
    expect(html).toMatch(/data-control="replication-healthy"><div class="score">—<\/div>/);
    expect(`${md}${html}`).not.toContain('NaN');
  });
});
