import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DAY, T0, ordinaryTraffic, readRecord } from './traffic.js';

const ACCOUNT = '111122223333';
const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-Ab12Cd`;

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-audit-'));
  const names = ['prod/payments/db', 'prod/decoy/admin-db', ...Array.from({ length: 20 }, (_, i) => `prod/app${String(i).padStart(2, '0')}/config`)];
  const snapshot = {
    snapshotVersion: 1,
    account: ACCOUNT,
    region: 'us-east-1',
    capturedAt: '2026-11-01T00:00:00Z',
    secrets: names.map((name) => ({ describe: { ARN: arnOf(name), Name: name, Tags: name.includes('decoy') ? [{ Key: 'vigil:honeytoken', Value: 'true' }] : [] } })),
  };
  writeFileSync(join(dir, 'snapshot.json'), JSON.stringify(snapshot));
  return dir;
}

/** A CloudTrail log file as CloudTrail delivers it to S3: gzipped `{"Records": [...]}`. */
function logFile(dir: string, name: string, records: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, gzipSync(JSON.stringify({ Records: records })));
  return file;
}

describe('vigil audit', () => {
  it('prints detections, readers and invalid records in DESIGN.md\'s JSON contract', async () => {
    const dir = workspace();
    const attack = [
      ...Array.from({ length: 20 }, (_, i) => readRecord('GetSecretValue-iam-user.json', { time: T0 + 21 * DAY + i * 2000, secretId: `prod/app${String(i).padStart(2, '0')}/config` })),
      readRecord('GetSecretValue-iam-user.json', { time: T0 + 21 * DAY + 60_000, secretId: 'prod/decoy/admin-db' }),
    ];
    const files = [logFile(dir, 'day1.json.gz', ordinaryTraffic(2000, 20)), logFile(dir, 'day21.json.gz', attack)];
    const run = await runCli(['audit', ...files, '--snapshot', join(dir, 'snapshot.json'), '--format', 'json']);
    expect(run.exitCode).toBe(0);
    const out = JSON.parse(run.stdout) as { detections: Record<string, unknown>[]; readers: Record<string, unknown>[]; invalid: unknown[] };
    expect(Object.keys(out)).toEqual(['detections', 'readers', 'invalid']);
    expect(out.invalid).toEqual([]);
    const kinds = out.detections.map((d) => d['kind']);
    expect(kinds).toContain('bulk-retrieval');
    expect(kinds).toContain('honeytoken-read');
    const honeytoken = out.detections.find((d) => d['kind'] === 'honeytoken-read');
    expect(Object.keys(honeytoken ?? {})).toEqual(['kind', 'severity', 'principal', 'principalAccount', 'secretArns', 'eventIds', 'firstEventTime', 'lastEventTime', 'subject', 'message']);
    expect(honeytoken).toMatchObject({ severity: 'CRITICAL', secretArns: [arnOf('prod/decoy/admin-db')], principal: `arn:aws:iam::${ACCOUNT}:user/ci/deploy-bot` });
    const app = out.readers.find((r) => r['secretArn'] === arnOf('prod/payments/db') && String(r['principal']).endsWith('role/service/payments-api'));
    expect(Object.keys(app ?? {})).toEqual(['secretArn', 'principal', 'principalAccount', 'firstSeen', 'lastSeen', 'reads', 'denied', 'sourceIps', 'vpcEndpoints', 'userAgents']);
    expect(app).toMatchObject({ reads: 2000, denied: 0, vpcEndpoints: ['vpce-0a1b2c3d4e5f60718'] });
  });

  it('keeps baselines in --state between runs, so a new reader weeks later is seen as new', async () => {
    const dir = workspace();
    const state = join(dir, 'state.json');
    const first = await runCli(['audit', logFile(dir, 'a.json.gz', ordinaryTraffic(500, 20)), '--snapshot', join(dir, 'snapshot.json'), '--state', state, '--format', 'json']);
    expect(JSON.parse(first.stdout).detections).toEqual([]);
    const later = readRecord('GetSecretValue-iam-user.json', { time: T0 + 25 * DAY, secretId: 'prod/payments/db' });
    const second = await runCli(['audit', logFile(dir, 'b.json.gz', [later]), '--snapshot', join(dir, 'snapshot.json'), '--state', state, '--format', 'json']);
    expect(JSON.parse(second.stdout).detections.map((d: { kind: string }) => d.kind)).toContain('new-reader');
    // The state is vigil's one state file (the store of issue 17): readers as its reader lines.
    const lines = readFileSync(state, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type?: string; reader?: { reads: number } });
    expect(lines[0]).toEqual({ vigilState: 1 });
    expect(lines.filter((l) => l.type === 'reader').map((l) => l.reader?.reads).sort()).toEqual([1, 500]);
  });

  it('counts each record once when the same log file is audited again with --state', async () => {
    const dir = workspace();
    const state = join(dir, 'state.json');
    const file = logFile(dir, 'a.json.gz', ordinaryTraffic(50, 1));
    const args = ['audit', file, '--snapshot', join(dir, 'snapshot.json'), '--state', state, '--format', 'json'];
    expect(JSON.parse((await runCli(args)).stdout).readers[0].reads).toBe(50);
    expect(JSON.parse((await runCli(args)).stdout).readers[0].reads).toBe(50);
  });

  it('refuses a --state file that is not vigil state, in one line', async () => {
    const dir = workspace();
    const state = join(dir, 'state.json');
    writeFileSync(state, '{"hello": 1}\n');
    const run = await runCli(['audit', logFile(dir, 'a.json.gz', []), '--state', state]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(`vigil: ${state}:1: not a vigil state file (expected {"vigilState":1} on the first line)\n`);
  });

  it('reads a bare record, an EventBridge event and an array, and names what it cannot read', async () => {
    const dir = workspace();
    const bare = join(dir, 'bare.json');
    writeFileSync(bare, JSON.stringify(readRecord('GetSecretValue-root.json', { time: T0 })));
    const envelope = join(dir, 'envelope.json');
    writeFileSync(envelope, JSON.stringify({ version: '0', id: 'eb-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.secretsmanager', account: ACCOUNT, time: '2026-11-01T00:00:00Z', region: 'us-east-1', resources: [], detail: readRecord('GetSecretValue-cross-account.json', { time: T0 }) }));
    const array = join(dir, 'array.json');
    writeFileSync(array, JSON.stringify([readRecord('BatchGetSecretValue-negated-filter.json', { time: T0 }), { hello: 'world' }]));
    const run = await runCli(['audit', bare, envelope, array, '--format', 'json']);
    expect(run.exitCode).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.detections.map((d: { kind: string }) => d.kind).sort()).toEqual(['batch-retrieval', 'new-reader-account', 'root-read']);
    expect(out.invalid).toEqual([{ file: array, path: '[1]', problem: 'expected an EventBridge event, a CloudTrail record or log file' }]);
    expect(run.stderr).toContain(`vigil: ${array}: [1]: expected an EventBridge event`);
  });

  it('exits 2 with one line for a file it cannot read or bad parameters', async () => {
    const missing = await runCli(['audit', '/nonexistent/trail.json.gz']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe('vigil: /nonexistent/trail.json.gz: cannot read (ENOENT)\n');
    const dir = workspace();
    const params = join(dir, 'params.json');
    writeFileSync(params, JSON.stringify({ bulkSecrets: 0 }));
    const bad = await runCli(['audit', logFile(dir, 'x.json.gz', []), '--params', params]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^vigil: .*params\.json\.bulkSecrets: .*\n$/);
  });

  it('prints a text summary by default', async () => {
    const dir = workspace();
    const run = await runCli(['audit', logFile(dir, 't.json.gz', [readRecord('GetSecretValue-root.json', { time: T0 })]), '--snapshot', join(dir, 'snapshot.json')]);
    expect(run.stdout).toContain('HIGH     root-read');
    expect(run.stdout).toMatch(/\n1 read event, 1 detection, 1 reader\n$/);
    expect(run.stdout).toContain('; 1 event\n');
    const two = [readRecord('GetSecretValue-root.json', { time: T0 }), readRecord('GetSecretValue-root.json', { time: T0 + DAY, secretId: 'prod/other/db' })];
    const twice = await runCli(['audit', logFile(dir, 'two.json.gz', two), '--snapshot', join(dir, 'snapshot.json')]);
    expect(twice.stdout).toMatch(/\n2 read events, 2 detections, 2 readers\n$/);
  });
});
