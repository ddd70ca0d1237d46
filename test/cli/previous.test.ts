import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPreviousReport } from '../../src/cli/previous.js';
import { expandJsonReport, type AsffFinding, type JsonReport } from '../../src/reports/index.js';
import { runVigil } from '../helpers/bin.js';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';
import { csvRecords } from '../helpers/reports.js';

// `--previous REPORT.json` is read as a stream: what the diff and --fail-on-new need, from report.json schema 2 or 1.
const SNAPSHOT = join(EVENTS_DIR, 'snapshots', 'acme-prod.json');
const dir = mkdtempSync(join(tmpdir(), 'vigil-previous-'));
const write = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
let report: JsonReport;
let reportFile: string;

beforeAll(async () => {
  const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', '2026-11-20T00:00:00Z', '--format', 'json']);
  expect(run.exitCode, run.stderr).toBe(0);
  reportFile = write('report.json', run.stdout);
  report = JSON.parse(run.stdout) as JsonReport;
});

const failuresOf = (doc: JsonReport) => doc.secrets.flatMap((s) => s.findings.filter((f) => f.status === 'FAIL').map((f) => `${s.arn} ${f.controlId}`)).sort();

describe('--previous', () => {
  it('reads the failures, the account and when it was made from report.json (schema 2), gzipped or not', async () => {
    for (const file of [reportFile, write('report.json.gz', gzipSync(readFileSync(reportFile)))]) {
      const previous = await readPreviousReport(file);
      expect(previous.account).toBe('111122223333');
      expect(previous.failures.generatedAt).toBe(report.generatedAt);
      expect([...previous.failures.failures.keys()].sort()).toEqual(failuresOf(report));
      expect(failuresOf(report).length).toBeGreaterThan(3);
      // What --fail-on-new leaves out: unexempted FAILs and ERRORs, each with its control's severity.
      const gate = expandJsonReport(report).findings.filter((f) => f.status === 'ERROR' || (f.status === 'FAIL' && f.exemption?.active !== true));
      expect(previous.gateFailures.map((f) => [f.resource.arn, f.controlId, f.severity]).sort()).toEqual(gate.map((f) => [f.resource.arn, f.controlId, f.severity]).sort());
    }
  });

  it("reads schema 1's flat findings", async () => {
    const flat = expandJsonReport(report);
    const file = write('schema1.json', JSON.stringify({ ...flat, schemaVersion: 1 }));
    const previous = await readPreviousReport(file);
    expect([...previous.failures.failures.keys()].sort()).toEqual(failuresOf(report));
    expect(previous.account).toBe('111122223333');
  });

  it('reads a report of no secrets', async () => {
    const previous = await readPreviousReport(write('empty.json', JSON.stringify({ ...report, secrets: [] })));
    expect(previous.failures.failures.size).toBe(0);
  });

  it('diffs a sweep against it: nothing new, nothing resolved against itself', async () => {
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', '2026-11-20T00:00:00Z', '--previous', reportFile, '--format', 'md']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/0 new failures?/);
  });

  it.each([
    ['is cut short', () => write('cut.json', readFileSync(reportFile, 'utf8').slice(0, 2_000)), /cut\.json: not JSON \(/],
    ['is not JSON', () => write('text.json', 'hello'), /text\.json: not JSON \(/],
    ['is a gzip file broken inside', () => write('broken.json.gz', gzipSync(readFileSync(reportFile)).subarray(0, 300)), /broken\.json\.gz: (not a readable gzip file|not JSON)/],
    ['has secrets that are not a list', () => write('object.json', JSON.stringify({ ...report, secrets: { a: 1 } })), /object\.json: not a vigil JSON report/],
    ['has no version', () => write('noversion.json', JSON.stringify({ ...report, schemaVersion: undefined })), /noversion\.json: not a vigil JSON report/],
    ['does not exist', () => join(dir, 'missing.json'), /missing\.json: cannot read \(ENOENT\)/],
  ])('exits 2 with one line when the report %s', async (_, file, pattern) => {
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--previous', file(), '--format', 'md']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('closes, through the file read as a stream, the ASFF and OCSF finding of a tag naming no control that is gone since', async () => {
    const doc = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { secrets: { describe: { Name: string; Tags?: { Key: string; Value: string }[] } }[] };
    const typo = { Key: 'vigil:exempt:rotation-enabeld', Value: '2026-12-31 typo in the control id' };
    const tagged = write('typo-snapshot.json', JSON.stringify({ ...doc, secrets: doc.secrets.map((s) => (s.describe.Name === 'prod/db/orders' ? { ...s, describe: { ...s.describe, Tags: [...(s.describe.Tags ?? []), typo] } } : s)) }));
    const earlier = await runCli(['sweep', '--snapshot', tagged, '--now', '2026-11-20T00:00:00Z', '--format', 'json']);
    expect(earlier.exitCode, earlier.stderr).toBe(0);
    const earlierFile = write('typo-report.json', earlier.stdout);
    expect((await readPreviousReport(earlierFile)).failures.unusableExemptions?.size).toBe(1);

    const out = join(dir, 'mended-out');
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', '2026-11-20T00:00:00Z', '--previous', earlierFile, '--out', out, '--formats', 'asff,ocsf', '--format', 'md']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('1 unusable exemption mended');
    const asff = (JSON.parse(readFileSync(join(out, 'findings.asff.json'), 'utf8')) as AsffFinding[]).filter((f) => f.GeneratorId === 'vigil/exemption');
    expect(asff).toEqual([expect.objectContaining({ Id: expect.stringMatching(/^vigil\/exemption\/rotation-enabeld\/arn:aws:secretsmanager:us-east-1:111122223333:secret:prod\/db\/orders-/), Workflow: { Status: 'RESOLVED' }, RecordState: 'ARCHIVED' })]);
    const ocsf = (JSON.parse(readFileSync(join(out, 'findings.ocsf.json'), 'utf8')) as { finding_info: { uid: string }; status: string }[]).filter((f) => f.finding_info.uid.startsWith('vigil/exemption/'));
    expect(ocsf).toEqual([expect.objectContaining({ status: 'Resolved' })]);
  });

  it('refuses a report of another account', async () => {
    const other = write('other.json', JSON.stringify({ ...report, scope: { ...report.scope, account: '999988887777' } }));
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--previous', other, '--format', 'md']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('a report of account 999988887777, not of 111122223333');
  });
});

describe('--previous in every output, through the vigil bin', () => {
  // The previous report had new/api/webhook-token missing and stricter rotation; legacy/ftp has since been deleted.
  const PARAMS = join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json');
  const NOW = '2026-11-20T00:00:00Z';
  const without = (name: string) => {
    const doc = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { secrets: { describe: { Name: string } }[] };
    return write(`without-${name.replaceAll('/', '-')}.json`, JSON.stringify({ ...doc, secrets: doc.secrets.filter((s) => s.describe.Name !== name) }));
  };
  let earlier: string;
  let current: string;

  beforeAll(async () => {
    const strict = write('strict-params.json', JSON.stringify({ ...(JSON.parse(readFileSync(PARAMS, 'utf8')) as object), maxDaysSinceRotation: 1 }));
    const run = await runVigil(['sweep', '--snapshot', without('new/api/webhook-token'), '--params', strict, '--now', NOW, '--format', 'json']);
    expect(run.exitCode, run.stderr).toBe(0);
    earlier = write('earlier.json', run.stdout);
    current = without('legacy/ftp');
  });

  const sweep = (...args: string[]) => runVigil(['sweep', '--snapshot', current, '--params', PARAMS, '--now', NOW, '--previous', earlier, ...args]);

  it('puts the diff in the JSON on stdout (nothing to refuse: every output shows it)', async () => {
    const run = await sweep('--format', 'json');
    expect(run.exitCode, run.stderr).toBe(0);
    const { diff } = JSON.parse(run.stdout) as JsonReport;
    expect(diff?.newFailures).toContainEqual(expect.objectContaining({ name: 'new/api/webhook-token', controlId: 'rotation-enabled' }));
    expect(diff?.resolvedFailures).toContainEqual({ arn: expect.stringContaining(':secret:legacy/ftp'), name: 'legacy/ftp', controlId: 'unused', now: 'GONE' });
    expect(diff?.resolvedFailures).toContainEqual(expect.objectContaining({ name: 'prod/db/orders', controlId: 'rotated-within-period', now: 'PASS' }));
  });

  it('shows it in the table and in Markdown on stdout', async () => {
    const table = await sweep();
    expect(table.stdout).toMatch(/^since \S+: \d+ new failures?, \d+ resolved, \d+ unchanged$/m);
    expect(table.stdout).toMatch(/ new\/api\/webhook-token {2}rotation-enabled \(new\): /);
    const md = await sweep('--format', 'md');
    expect(md.stdout).toMatch(/^- resolved: \*\*legacy\/ftp\*\* `unused` \(now GONE\)$/m);
  });

  it('marks new, unchanged and resolved failures in CSV, ASFF and OCSF, and lists those of a gone secret', async () => {
    const out = join(dir, 'diff-out');
    const run = await sweep('--format', 'json', '--out', out, '--formats', 'csv,asff,ocsf');
    expect(run.exitCode, run.stderr).toBe(0);
    const rows = csvRecords(readFileSync(join(out, 'findings.csv'), 'utf8'));
    const row = (secret: string, control: string) => rows.filter((r) => r['secret'] === secret && r['control'] === control);
    expect(row('new/api/webhook-token', 'rotation-enabled')).toEqual([expect.objectContaining({ status: 'FAIL', change: 'new' })]);
    expect(row('prod/api/payments-key', 'rotation-enabled')).toEqual([expect.objectContaining({ status: 'FAIL', change: 'unchanged' })]);
    expect(row('prod/db/orders', 'rotated-within-period')).toEqual([expect.objectContaining({ status: 'PASS', change: 'resolved' })]);
    expect(row('prod/db/orders', 'rotation-enabled')).toEqual([expect.objectContaining({ status: 'PASS', change: '' })]);
    expect(row('legacy/ftp', 'unused')).toEqual([expect.objectContaining({ account: '111122223333', region: 'us-east-1', status: '', severity: 'MEDIUM', change: 'resolved' })]);

    const asff = JSON.parse(readFileSync(join(out, 'findings.asff.json'), 'utf8')) as AsffFinding[];
    const asffOf = (secret: string, control: string) => asff.filter((f) => f.Id.startsWith(`vigil/${control}/`) && f.Id.includes(`:secret:${secret}-`));
    expect(asffOf('new/api/webhook-token', 'rotation-enabled')).toEqual([expect.objectContaining({ ProductFields: expect.objectContaining({ 'vigil/Change': 'NEW' }), Workflow: { Status: 'NEW' } })]);
    expect(asffOf('prod/db/orders', 'rotated-within-period')).toEqual([expect.objectContaining({ ProductFields: expect.objectContaining({ 'vigil/Change': 'RESOLVED' }), Workflow: { Status: 'RESOLVED' } })]);
    expect(asffOf('legacy/ftp', 'unused')).toEqual([expect.objectContaining({ ProductFields: expect.objectContaining({ 'vigil/Change': 'RESOLVED' }), Workflow: { Status: 'RESOLVED' }, RecordState: 'ARCHIVED', AwsAccountId: '111122223333' })]);

    const ocsf = JSON.parse(readFileSync(join(out, 'findings.ocsf.json'), 'utf8')) as { finding_info: { uid: string }; activity_name: string; status: string; unmapped: { change?: string } }[];
    const ocsfOf = (secret: string, control: string) => ocsf.filter((f) => f.finding_info.uid.startsWith(`vigil/${control}/`) && f.finding_info.uid.includes(`:secret:${secret}-`));
    expect(ocsfOf('new/api/webhook-token', 'rotation-enabled')).toEqual([expect.objectContaining({ status: 'New', unmapped: expect.objectContaining({ change: 'new' }) })]);
    expect(ocsfOf('prod/api/payments-key', 'rotation-enabled')).toEqual([expect.objectContaining({ unmapped: expect.objectContaining({ change: 'unchanged' }) })]);
    expect(ocsfOf('legacy/ftp', 'unused')).toEqual([expect.objectContaining({ activity_name: 'Close', status: 'Resolved', unmapped: { change: 'resolved' } })]);
  });

  it('resolves no failure of a region this sweep did not cover: they are counted apart, not compared', async () => {
    // The previous report covered us-east-1 and eu-west-1: the same failures again under eu-west-1 ARNs.
    const doc = JSON.parse(readFileSync(earlier, 'utf8')) as JsonReport;
    const elsewhere = doc.secrets.map((s) => ({ ...s, arn: s.arn.replace(':us-east-1:', ':eu-west-1:'), region: 'eu-west-1' }));
    const outside = elsewhere.flatMap((s) => s.findings.filter((f) => f.status === 'FAIL')).length;
    expect(outside).toBeGreaterThan(3);
    const wider = write('wider.json', JSON.stringify({ ...doc, scope: { ...doc.scope, regions: ['us-east-1', 'eu-west-1'] }, secrets: [...doc.secrets, ...elsewhere] }));
    const out = join(dir, 'wider-out');
    const run = await runVigil(['sweep', '--snapshot', current, '--params', PARAMS, '--now', NOW, '--previous', wider, '--format', 'md', '--out', out, '--formats', 'json,csv,asff,ocsf,html']);
    expect(run.exitCode, run.stderr).toBe(0);

    const rows = csvRecords(readFileSync(join(out, 'findings.csv'), 'utf8'));
    expect(rows.filter((r) => r['region'] === 'eu-west-1' || r['arn']?.includes(':eu-west-1:'))).toEqual([]);
    // Those of this sweep's region are diffed as before: legacy/ftp is gone from it, so resolved.
    const ftp = rows.filter((r) => r['secret'] === 'legacy/ftp');
    expect(ftp.length).toBeGreaterThan(0);
    expect(ftp.every((r) => r['change'] === 'resolved' && r['region'] === 'us-east-1')).toBe(true);
    const asff = JSON.parse(readFileSync(join(out, 'findings.asff.json'), 'utf8')) as AsffFinding[];
    expect(asff.filter((f) => f.Id.includes(':eu-west-1:'))).toEqual([]);
    const ocsf = readFileSync(join(out, 'findings.ocsf.json'), 'utf8');
    expect(ocsf).not.toContain(':eu-west-1:');
    const { diff } = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as JsonReport;
    expect(diff?.outOfScope).toBe(outside);
    expect(diff?.resolvedFailures.filter((r) => r.arn.includes(':eu-west-1:'))).toEqual([]);
    // Markdown (stdout), HTML and stderr say how many were left out.
    const sentence = `${outside} previous failures outside this sweep's regions, not compared`;
    expect(run.stderr).toContain(sentence);
    expect(run.stdout).toContain(sentence);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(sentence.replaceAll("'", '&#39;'));
  });
});
