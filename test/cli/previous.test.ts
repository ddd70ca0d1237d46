import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPreviousReport } from '../../src/cli/previous.js';
import { expandJsonReport, type JsonReport } from '../../src/reports/index.js';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

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

  it('refuses a report of another account', async () => {
    const other = write('other.json', JSON.stringify({ ...report, scope: { ...report.scope, account: '999988887777' } }));
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--previous', other, '--format', 'md']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('a report of account 999988887777, not of 111122223333');
  });
});
