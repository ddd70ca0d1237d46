import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DAY, T0, ordinaryTraffic, readRecord } from '../audit/traffic.js';

const ACCOUNT = '111122223333';
const APP = `arn:aws:iam::${ACCOUNT}:role/service/payments-api`;
const BOT = `arn:aws:iam::${ACCOUNT}:user/ci/deploy-bot`;
const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-Ab12Cd`;
const NOW = '2026-11-27T00:00:00Z';
const at = (iso: string) => () => Date.parse(iso) / 1000;

interface JsonLine {
  name: string;
  findings: { controlId: string; status: string; reason: string; evidence?: Record<string, unknown> }[];
  readers?: { principal: string; reads: number; firstSeen: string; lastSeen: string }[];
  newReaders?: string[];
}

/**
 * Three secrets: the payments database the application reads daily and a CI user read for the first time yesterday, a
 * legacy token last read in July (outside the 90-day period), and an orders secret nobody reads. Audited with --state.
 */
async function audited() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-access-cli-'));
  const secrets = [
    { name: 'prod/payments/db', lastAccessed: '2026-11-26T00:00:00Z' },
    { name: 'prod/legacy/token', lastAccessed: '2026-07-20T00:00:00Z' },
    { name: 'prod/orders/db', lastAccessed: null },
  ];
  const snapshot = {
    snapshotVersion: 1,
    account: ACCOUNT,
    region: 'us-east-1',
    capturedAt: NOW,
    secrets: secrets.map((s) => ({ describe: { ARN: arnOf(s.name), Name: s.name, CreatedDate: '2025-01-01T00:00:00Z', LastAccessedDate: s.lastAccessed, Tags: [] } })),
  };
  writeFileSync(join(dir, 'snapshot.json'), JSON.stringify(snapshot));
  const records = [
    readRecord('GetSecretValue-iam-user.json', { time: '2026-07-20T10:15:00Z', secretId: 'prod/legacy/token' }),
    ...ordinaryTraffic(300, 25),
    readRecord('GetSecretValue-iam-user.json', { time: T0 + 25 * DAY, secretId: 'prod/payments/db' }),
  ];
  const log = join(dir, 'trail.json.gz');
  writeFileSync(log, gzipSync(JSON.stringify({ Records: records })));
  const state = join(dir, 'state.json');
  const audit = await runCli(['audit', log, '--snapshot', join(dir, 'snapshot.json'), '--state', state, '--format', 'json']);
  expect(audit.exitCode).toBe(0);
  return { dir, snapshot: join(dir, 'snapshot.json'), state };
}

const lines = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { secrets: JsonLine[] }).secrets;
const secretOf = (file: string, name: string) => lines(file).find((s) => s.name === name) as JsonLine;

describe('vigil sweep --snapshot --state: who read each secret', () => {
  it('lists each secret\'s readers in the period in report.json, access.csv, report.html and report.md, marking the new one', async () => {
    const { dir, snapshot, state } = await audited();
    const out = join(dir, 'out');
    const run = await runCli(['sweep', '--snapshot', snapshot, '--state', state, '--now', NOW, '--out', out], at('2026-11-27T00:05:00Z'));
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.exitCode).toBe(0);

    const doc = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { access: Record<string, unknown> };
    expect(doc.access).toMatchObject({ audited: true, periodDays: 90, since: '2026-08-29T00:00:00.000Z', newReadersBasis: 'learningDays', secretsRead: 1, secretsUnread: 2, principals: 2, secretsWithNewReaders: 1 });
    expect(doc.access['newReaders']).toEqual([{ arn: arnOf('prod/payments/db'), name: 'prod/payments/db', principal: BOT, firstSeen: '2026-11-26T00:00:00.000Z' }]);
    const payments = secretOf(join(out, 'report.json'), 'prod/payments/db');
    expect(payments.readers?.map((r) => [r.principal, r.reads])).toEqual([
      [BOT, 1],
      [APP, 300],
    ]);
    expect(Object.keys(payments.readers?.[0] ?? {})).toEqual(['secretArn', 'principal', 'principalAccount', 'firstSeen', 'lastSeen', 'reads', 'denied', 'sourceIps', 'vpcEndpoints', 'userAgents']);
    expect(payments.newReaders).toEqual([BOT]);
    // The July read is outside the 90 days: the token lists no reader, and nothing lists the orders secret's.
    expect(secretOf(join(out, 'report.json'), 'prod/legacy/token').readers).toEqual([]);
    expect(secretOf(join(out, 'report.json'), 'prod/orders/db').readers).toEqual([]);

    const csv = readFileSync(join(out, 'access.csv'), 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe('account,region,secret,arn,principal,principal_account,change,first_seen,last_seen,reads,denied,source_ips,vpc_endpoints,user_agents');
    expect(csv.slice(1).map((row) => row.split(',').slice(2, 3).concat(row.split(',').slice(4, 7), row.split(',').slice(9, 10)))).toEqual([
      ['prod/payments/db', BOT, ACCOUNT, 'new', '1'],
      ['prod/payments/db', APP, ACCOUNT, '', '300'],
    ]);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const section = /<section class="secret-access" data-secret="prod\/payments\/db"[^>]*>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    expect(section).toContain('2 readers, 1 new');
    expect(section).toMatch(new RegExp(`<tr class="new-reader"><td>${BOT.replaceAll('/', '\\/')} <span class="new">new reader</span>`));
    expect(section).toContain(APP);
    expect(html).not.toContain('data-secret="prod/orders/db"');

    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Who read each secret');
    expect(md).toContain(`| prod/payments/db | ${BOT} **new reader** | 1 | 0 |`);
    expect(md).toContain(`| prod/payments/db | ${APP} | 300 | 0 |`);
  });

  it('has the unused control name the last reader, even one outside the period', async () => {
    const { snapshot, state } = await audited();
    const run = await runCli(['sweep', '--snapshot', snapshot, '--state', state, '--now', NOW, '--format', 'json']);
    const token = (JSON.parse(run.stdout) as { secrets: JsonLine[] }).secrets.find((s) => s.name === 'prod/legacy/token');
    const unused = token?.findings.find((f) => f.controlId === 'unused');
    expect(unused?.status).toBe('FAIL');
    expect(unused?.reason).toBe(`Not accessed for 130 days; the limit is 90 days. The last read vigil saw was by ${BOT} at 2026-07-20T10:15:00Z.`);
    expect(unused?.evidence?.['lastReader']).toMatchObject({ principal: BOT, lastSeenAt: '2026-07-20T10:15:00Z' });
  });

  it('counts a reader as new since the --previous report when one is given', async () => {
    const { dir, snapshot, state } = await audited();
    const before = join(dir, 'before');
    const after = join(dir, 'after');
    // A report evaluated on the 25th: the CI user, first seen on the 26th, is new since; one of the 27th: nobody is.
    await runCli(['sweep', '--snapshot', snapshot, '--state', state, '--now', '2026-11-25T00:00:00Z', '--out', before], at('2026-11-27T00:00:00Z'));
    await runCli(['sweep', '--snapshot', snapshot, '--state', state, '--now', NOW, '--out', after], at('2026-11-27T00:01:00Z'));
    const since25 = join(dir, 'since25');
    const since27 = join(dir, 'since27');
    await runCli(['sweep', '--snapshot', snapshot, '--state', state, '--now', NOW, '--previous', join(before, 'report.json'), '--out', since25], at('2026-11-27T00:02:00Z'));
    await runCli(['sweep', '--snapshot', snapshot, '--state', state, '--now', NOW, '--previous', join(after, 'report.json'), '--out', since27], at('2026-11-27T00:03:00Z'));
    const access = (dir: string) => (JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { access: Record<string, unknown> }).access;
    expect(access(since25)).toMatchObject({ newReadersBasis: 'previous-report', newReadersSince: '2026-11-25T00:00:00.000Z', secretsWithNewReaders: 1 });
    expect(secretOf(join(since25, 'report.json'), 'prod/payments/db').newReaders).toEqual([BOT]);
    expect(access(since27)).toMatchObject({ newReadersBasis: 'previous-report', secretsWithNewReaders: 0 });
    expect(secretOf(join(since27, 'report.json'), 'prod/payments/db').newReaders).toEqual([]);
  });

  it('says who read the secrets under the terminal table', async () => {
    const { snapshot, state } = await audited();
    const run = await runCli(['sweep', '--snapshot', snapshot, '--state', state, '--now', NOW]);
    expect(run.stdout).toContain('Access in the last 90 days (since 2026-08-29T00:00:00.000Z): 1 secret read by 2 principals, 2 not read; 1 with new readers since 2026-11-13T00:00:00.000Z.');
    expect((await runCli(['sweep', '--snapshot', snapshot, '--now', NOW])).stdout).not.toContain('Access');
  });

  it('leaves the state file as it was: a snapshot sweep only reads it', async () => {
    const { snapshot, state, dir } = await audited();
    const kept = readFileSync(state, 'utf8');
    await runCli(['sweep', '--snapshot', snapshot, '--state', state, '--now', NOW, '--out', join(dir, 'out')]);
    expect(readFileSync(state, 'utf8')).toBe(kept);
  });

  it('says in every format that access was not audited when the sweep has no state', async () => {
    const { dir, snapshot } = await audited();
    const out = join(dir, 'out');
    const run = await runCli(['sweep', '--snapshot', snapshot, '--now', NOW, '--out', out]);
    expect(run.exitCode).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { access: Record<string, unknown>; secrets: JsonLine[] };
    expect(doc.access).toEqual({ audited: false, reason: expect.stringMatching(/^access was not audited: the sweep has no state store, .*give --state FILE/) });
    expect(doc.secrets.every((s) => s.readers === undefined)).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<section id="access"><h2>Who read each secret<\/h2><p class="summary">Access: access was not audited/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('Access: access was not audited');
    expect(existsSync(join(out, 'access.csv'))).toBe(false);
  });

  it('refuses a --state file that does not exist beside --snapshot, and --formats access without --state, in one line', async () => {
    const { dir, snapshot } = await audited();
    const missing = await runCli(['sweep', '--snapshot', snapshot, '--state', join(dir, 'nope.json'), '--now', NOW]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: cannot read/);
    const formats = await runCli(['sweep', '--snapshot', snapshot, '--out', join(dir, 'o'), '--formats', 'access']);
    expect(formats.exitCode).toBe(2);
    expect(formats.stderr).toMatch(/--formats access: .*add --state FILE/);
  });
});
