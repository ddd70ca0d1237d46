import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readSnapshot, SnapshotError, streamSnapshot, type SnapshotHeader } from '../../src/inventory/index.js';
import type { SecretState } from '../../src/model/index.js';
import { expandJsonReport, type JsonReport } from '../../src/reports/index.js';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';
import { fixtureReport } from '../helpers/reports.js';

const SNAPSHOT = join(EVENTS_DIR, 'snapshots', 'acme-prod.json');
const PARAMS = join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json');
const NOW = '2026-11-20T00:00:00Z';
const fixture = () => JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, unknown> & { secrets: Record<string, unknown>[] };

async function readAll(file: string, onHeader?: (h: SnapshotHeader) => void): Promise<{ secrets: SecretState[]; header: SnapshotHeader }> {
  const stream = streamSnapshot(file, 'snap.json', onHeader);
  const secrets: SecretState[] = [];
  for await (const s of stream.secrets) secrets.push(s);
  return { secrets, header: stream.header() };
}

function writeTemp(name: string, content: string | Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-stream-')), name);
  writeFileSync(file, content);
  return file;
}

async function streamError(content: string): Promise<SnapshotError> {
  try {
    await readAll(writeTemp('snap.json', content));
  } catch (error) {
    expect(error).toBeInstanceOf(SnapshotError);
    return error as SnapshotError;
  }
  throw new Error('no error');
}

describe('a snapshot read as a stream', () => {
  it('gives the secrets and header readSnapshot gives, plain or gzipped', async () => {
    const whole = readSnapshot(readFileSync(SNAPSHOT), 'snap.json');
    for (const file of [SNAPSHOT, writeTemp('snap.json.gz', gzipSync(readFileSync(SNAPSHOT)))]) {
      const seen: SnapshotHeader[] = [];
      const streamed = await readAll(file, (h) => seen.push(h));
      expect(streamed.secrets).toEqual(whole.secrets);
      expect(streamed.header).toEqual({ account: whole.account, region: whole.region, capturedAt: whole.capturedAt });
      expect(seen).toEqual([streamed.header]);
    }
  });

  it('knows the header when it comes after the secrets', async () => {
    const { secrets, ...header } = fixture();
    const streamed = await readAll(writeTemp('snap.json', JSON.stringify({ secrets, ...header })));
    expect(streamed.secrets).toHaveLength(secrets.length);
    expect(streamed.header.account).toBe('111122223333');
  });

  it('names where a snapshot is wrong, as readSnapshot does', async () => {
    const doc = fixture();
    const badSecret = { ...doc, secrets: [doc.secrets[0], { describe: 'no' }] };
    expect((await streamError(JSON.stringify(badSecret))).message).toBe('snap.json.secrets[1].describe: expected DescribeSecret output (an object)');
    expect((await streamError(JSON.stringify({ ...doc, account: 42 }))).message).toMatch(/^snap\.json\.account: /);
    expect((await streamError(JSON.stringify({ ...doc, secrets: { a: {} } }))).message).toBe('snap.json.secrets: expected an array');
    const { secrets: _gone, ...noSecrets } = doc;
    expect((await streamError(JSON.stringify(noSecrets))).message).toMatch(/^snap\.json\.secrets: /);
    expect((await streamError(JSON.stringify(doc).slice(0, 5000))).message).toMatch(/^snap\.json: not JSON/);
    expect((await streamError('<html>nope</html>')).message).toMatch(/^snap\.json: not JSON/);
  });
});

describe('vigil sweep --snapshot, streamed', () => {
  it('states the same report as one built in memory, on stdout and in --out', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-streamed-'));
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--format', 'json', '--out', out]);
    expect(run.exitCode, run.stderr).toBe(0);
    const inMemory = await fixtureReport();
    for (const text of [run.stdout, readFileSync(join(out, 'report.json'), 'utf8')]) {
      const streamed = expandJsonReport(JSON.parse(text) as JsonReport);
      expect(streamed.summary).toEqual(inMemory.summary);
      expect(streamed.exemptions).toEqual(inMemory.exemptions);
      expect(streamed.unreadable).toEqual(inMemory.unreadable);
      expect(streamed.findings.map((f) => [f.resource.arn, f.controlId, f.status, f.reason])).toEqual(inMemory.findings.map((f) => [f.resource.arn, f.controlId, f.status, f.reason]));
    }
  });

  it('shows in the table the failures and how many passing findings it leaves out', async () => {
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW]);
    const s = (await fixtureReport()).summary;
    const listed = run.stdout.split('\n').filter((l) => /^(CRITICAL|HIGH|MEDIUM|LOW|INFORMATIONAL|ERROR) /.test(l));
    expect(listed).toHaveLength(s.byStatus.FAIL + s.byStatus.ERROR);
    expect(run.stdout).toContain(`${s.byStatus.PASS + s.byStatus.NOT_APPLICABLE} passing or not-applicable findings not listed`);
    const onlyHigh = await runCli(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--severity', 'HIGH', '--format', 'json']);
    const shown = expandJsonReport(JSON.parse(onlyHigh.stdout) as JsonReport);
    expect(shown.findings.length).toBeGreaterThan(0);
    expect(shown.findings.every((f) => f.severity === 'HIGH')).toBe(true);
    expect(shown.summary).toEqual(s);
  });

  it('quotes in report.html the statement that makes a policy public', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-streamed-'));
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--out', out, '--formats', 'html']);
    expect(run.exitCode, run.stderr).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const row = html.split('</tr>').find((r) => r.includes('prod/api/payments-key') && r.includes('data-control="no-public-principal"')) ?? '';
    expect(row).toMatch(/in full:<\/div><pre class="statement">/);
    expect(row).toContain('&#34;Effect&#34;: &#34;Allow&#34;');
  });

  it('refuses a --previous report of another account', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-streamed-'));
    const previous = join(out, 'previous.json');
    const first = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', NOW, '--format', 'json']);
    const doc = JSON.parse(first.stdout) as JsonReport;
    writeFileSync(previous, JSON.stringify({ ...doc, scope: { ...doc.scope, account: '999988887777' } }));
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', NOW, '--previous', previous]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('a report of account 999988887777, not of 111122223333');
  });
});
