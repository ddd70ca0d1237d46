import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR, loadFixture } from '../helpers/fixtures.js';

const f = (p: string) => join(EVENTS_DIR, p);

describe('vigil replay', () => {
  it('prints one decision per event in DESIGN.md\'s JSON contract', async () => {
    const run = await runCli(['replay', f('cloudtrail/mixed-log.json.gz'), f('eventbridge/DeleteSecret-force.json'), '--snapshot', f('snapshots/acme-prod.json'), '--format', 'json']);
    expect(run.exitCode).toBe(0);
    const { decisions } = JSON.parse(run.stdout) as { decisions: Record<string, unknown>[] };
    expect(decisions).toHaveLength(9);
    for (const d of decisions) expect(Object.keys(d)).toEqual(expect.arrayContaining(['eventId', 'eventName', 'secretArns', 'alerts', 'findings']));
    expect(decisions.filter((d) => 'ignored' in d).map((d) => d['eventName'])).toEqual(['Decrypt', 'DescribeInstances', 'GetSecretValue']);
    // The EventBridge event is the earliest (2 November): judged first, though its file was given last.
    const forced = decisions[0] as { alerts: { kind: string; severity: string; subject: string; message: string }[] };
    expect(forced.alerts).toEqual([{ kind: 'secret-deletion-forced', severity: 'CRITICAL', subject: expect.stringContaining('prod/api/payments-key'), message: expect.stringContaining('without a recovery window'), account: '111122223333', region: 'us-east-1', eventId: expect.any(String), eventName: 'DeleteSecret', secretArn: expect.any(String), secretName: 'prod/api/payments-key', details: expect.any(Object) }]);
  });

  it('reads without a snapshot, and says what it could not judge', async () => {
    const run = await runCli(['replay', f('eventbridge/UntagResource.json'), f('eventbridge/PutResourcePolicy-public.json')]);
    expect(run.stdout).toContain('no alert: the secret prod/db/reporting is not known, so the change cannot be judged offline (give a snapshot)');
    expect(run.stdout).toContain('ALERT control-failed CRITICAL: [CRITICAL] prod/api/payments-key now fails no-public-principal');
    expect(run.stdout).toMatch(/\n2 events, 2 alerts\n$/);
    const one = await runCli(['replay', f('eventbridge/DeleteSecret-force.json')]);
    expect(one.stdout).toMatch(/\n1 event, 1 alert\n$/);
  });

  it('names an unreadable record and still decides the rest', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-replay-')), 'events.json');
    writeFileSync(file, JSON.stringify([{ 'detail-type': 'AWS API Call via CloudTrail', detail: {} }, JSON.parse((await import('node:fs')).readFileSync(f('eventbridge/RotationFailed.json'), 'utf8'))]));
    const run = await runCli(['replay', file, '--format', 'json']);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(`vigil: ${file}: [0].id: expected string, received undefined`);
    const out = JSON.parse(run.stdout) as { decisions: unknown[]; invalid: unknown[] };
    expect(out.decisions).toHaveLength(1);
    expect(out.invalid).toEqual([{ file, path: '[0].id', problem: 'expected string, received undefined' }]);
  });

  it('decides a sample as people share it (placeholder accounts, trimmed fields, an unfamiliar region), saying what it could not read', async () => {
    const shared = JSON.stringify(loadFixture('eventbridge/PutResourcePolicy-public.json')).replaceAll('111122223333', 'XXXXXXXXXXXX').replaceAll('us-east-1', 'eu-mars-1');
    const sample = JSON.parse(shared) as { detail: Record<string, unknown> };
    for (const field of ['tlsDetails', 'userAgent', 'requestID', 'eventVersion', 'recipientAccountId']) delete sample.detail[field];
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-replay-sample-')), 'shared.json');
    writeFileSync(file, JSON.stringify([sample, loadFixture('eventbridge/DeleteSecret-force.json')]));
    const text = await runCli(['replay', file]);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('  note: account "XXXXXXXXXXXX" is not an account id (a placeholder?); read as 000000000000\n  ALERT control-failed CRITICAL: [CRITICAL] prod/api/payments-key now fails no-public-principal (000000000000 eu-mars-1)');
    const json = JSON.parse((await runCli(['replay', file, '--format', 'json'])).stdout) as { decisions: { eventName: string; notes?: string[]; alerts: unknown[] }[] };
    expect(json.decisions.map((d) => [d.eventName, d.notes?.length ?? 0, d.alerts.length])).toEqual([
      ['PutResourcePolicy', 1, 2],
      ['DeleteSecret', 0, 1],
    ]);
  });

  it('decides trimmed records (no eventID, no awsRegion, no account, no eventSource) with a note for each field it read from elsewhere', async () => {
    const record = loadFixture<{ detail: Record<string, unknown> }>('eventbridge/PutResourcePolicy-public.json').detail;
    const { eventID: _id, awsRegion: _region, ...noIdNoRegion } = record;
    const { userIdentity: _who, recipientAccountId: _account, eventSource: _source, ...noAccountNoSource } = record;
    const other = { ...noIdNoRegion, requestParameters: { ...(record['requestParameters'] as object), blockPublicPolicy: true } };
    const { eventTime: _time, ...noTime } = record;
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-replay-trimmed-')), 'trimmed.json');
    writeFileSync(file, JSON.stringify({ Records: [noIdNoRegion, noAccountNoSource, noIdNoRegion, other, noTime] }));
    const run = await runCli(['replay', file, '--format', 'json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const { decisions, invalid } = JSON.parse(run.stdout) as { decisions: { eventId: string; region: string; account: string; alerts: unknown[]; ignored?: string; notes?: string[] }[]; invalid: unknown[] };
    expect(decisions.map((d) => [d.account, d.region, d.alerts.length])).toEqual([
      ['111122223333', 'us-east-1', 2],
      ['111122223333', 'us-east-1', 0],
      ['', '', 0],
      ['111122223333', 'us-east-1', 0],
    ]);
    const [first, second, copy, distinct] = decisions;
    // The stand-in id comes from the content: the same record is a duplicate, a different one is not.
    expect(first?.eventId).toMatch(/^sample-[0-9a-f]{32}$/);
    expect(second?.eventId).toBe(record['eventID']);
    expect(copy).toMatchObject({ eventId: first?.eventId, ignored: `a duplicate of CloudTrail event ${first?.eventId}, already decided` });
    expect(distinct?.eventId).toMatch(/^sample-/);
    expect(distinct?.eventId).not.toBe(first?.eventId);
    expect(first?.notes).toEqual([
      `no eventID; read as ${first?.eventId} (from the record's content: an identical copy is still a duplicate)`,
      'no awsRegion; read as us-east-1 (the region of arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er)',
    ]);
    expect(second?.notes).toEqual([
      'no eventSource; read as secretsmanager.amazonaws.com (the only source of PutResourcePolicy)',
      'no recipientAccountId; read as 111122223333 (the account of arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er)',
    ]);
    // A field a decision needs stays an error that names it.
    expect(invalid).toEqual([{ file, path: 'Records[4].eventTime', problem: 'expected the time of the event (ISO-8601 or epoch seconds): a decision is judged at it' }]);
    const text = await runCli(['replay', file]);
    expect(text.stdout).toContain(`  note: no awsRegion; read as us-east-1 (the region of arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er)\n  ALERT control-failed CRITICAL`);
  });

  it('reads an EventBridge event whose record was trimmed from its envelope, and the envelope from its record', async () => {
    const event = loadFixture<{ detail: Record<string, unknown> } & Record<string, unknown>>('eventbridge/DeleteSecret-force.json');
    const { eventID: _id, awsRegion: _region, eventTime: _time, ...detail } = event.detail;
    const { id: _envelopeId, ...envelope } = event;
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-replay-trimmed-eb-')), 'trimmed.json');
    writeFileSync(file, JSON.stringify({ ...envelope, detail }));
    const run = await runCli(['replay', file, '--format', 'json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const [decision] = (JSON.parse(run.stdout) as { decisions: { eventId: string; region: string; time: string; alerts: { kind: string }[]; notes: string[] }[] }).decisions;
    expect(decision).toMatchObject({ region: event['region'], time: new Date(event['time'] as string).toISOString(), alerts: [{ kind: 'secret-deletion-forced' }] });
    expect(decision?.notes).toEqual([
      `no detail.awsRegion; read as ${String(event['region'])} (the event's region)`,
      `no detail.eventTime; read as ${String(event['time'])} (the event's time)`,
      `no eventID; read as ${decision?.eventId} (from the record's content: an identical copy is still a duplicate)`,
      `no id; read as ${decision?.eventId} (the record's eventID)`,
    ]);
  });

  it('says a redacted policy could not be read, and does not claim the controls were left as they were', async () => {
    const event = loadFixture<{ detail: { requestParameters: Record<string, unknown> } }>('eventbridge/PutResourcePolicy-public.json');
    event.detail.requestParameters['resourcePolicy'] = 'HIDDEN';
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-replay-hidden-')), 'hidden.json');
    writeFileSync(file, JSON.stringify(event));
    const run = await runCli(['replay', file]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('left every control it touches as it was');
    expect(run.stdout).toContain('  no alert: after PutResourcePolicy, no-public-principal and no-untrusted-cross-account could not be judged (the resource policy is not valid JSON), and nothing was known of them before\n');
    expect(run.stdout).toContain('  note: requestParameters.resourcePolicy ("HIDDEN") could not be read (redacted, or not a JSON policy), so the controls that judge the policy could not be judged\n');
  });

  it('refuses a file it cannot read', async () => {
    const run = await runCli(['replay', f('nope.json')]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('nope.json: cannot read (ENOENT)');
  });

  it('judges records in event-time order, not file order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-order-'));
    // The rotation failed a day before the forced deletion; the file lists the deletion first.
    const at = (fixture: string, time: string) => {
      const event = loadFixture<{ detail: Record<string, unknown> }>(fixture);
      return { ...event, time, detail: { ...event.detail, eventTime: time } };
    };
    const deletion = at('eventbridge/DeleteSecret-force.json', '2026-11-05T00:00:00Z');
    const failed = at('eventbridge/RotationFailed.json', '2026-11-04T00:00:00Z');
    const file = join(dir, 'unsorted.json');
    writeFileSync(file, JSON.stringify([deletion, failed]));
    const run = await runCli(['replay', file, '--snapshot', f('snapshots/acme-prod.json'), '--format', 'json']);
    const { decisions } = JSON.parse(run.stdout) as { decisions: { eventName: string; time: string }[] };
    expect(decisions.map((d) => d.eventName)).toEqual(['RotationFailed', 'DeleteSecret']);
  });

  it('decides a repeated event id once, and says the copy is a duplicate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-dupe-'));
    const event = loadFixture<Record<string, unknown>>('eventbridge/DeleteSecret-force.json');
    const file = join(dir, 'twice.json');
    writeFileSync(file, JSON.stringify([event, event]));
    const run = await runCli(['replay', file, '--snapshot', f('snapshots/acme-prod.json'), '--format', 'json']);
    const { decisions } = JSON.parse(run.stdout) as { decisions: { alerts: unknown[]; ignored?: string }[] };
    expect(decisions.map((d) => d.alerts.length)).toEqual([1, 0]);
    expect(decisions[1]?.ignored).toMatch(/^a duplicate of CloudTrail event .*, already decided$/);
  });

  it('exits 2 for a file with no events, or only unreadable ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-empty-'));
    writeFileSync(join(dir, 'empty.json'), '{"Records": []}');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ detail: {} }]));
    const empty = await runCli(['replay', join(dir, 'empty.json')]);
    expect(empty).toMatchObject({ exitCode: 2, stdout: '' });
    expect(empty.stderr).toBe(`vigil: no event in ${join(dir, 'empty.json')}\n`);
    const bad = await runCli(['replay', join(dir, 'bad.json')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/every record was invalid \(above\)\n$/);
    // Beside a good file, each is still refused by name, before any decision is printed.
    const good = f('eventbridge/DeleteSecret-force.json');
    const mixed = await runCli(['replay', join(dir, 'empty.json'), good, join(dir, 'bad.json')]);
    expect(mixed).toMatchObject({ exitCode: 2, stdout: '' });
    expect(mixed.stderr).toMatch(new RegExp(`vigil: no event in ${join(dir, 'empty.json')}; no readable event in ${join(dir, 'bad.json')} \\(every record was invalid, above\\): nothing was replayed`));
    expect(mixed.stderr).not.toContain(good);
  });

  it('replays 200,000 records against a 100,000-secret snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-big-'));
    const template = loadFixture<{ secrets: { describe: Record<string, unknown> }[] }>('snapshots/acme-prod.json');
    const model = template.secrets[0] as { describe: Record<string, unknown> };
    const arn = (i: number) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:bulk/${i}-AbCdEf`;
    const secrets = Array.from({ length: 100_000 }, (_, i) => ({ ...model, describe: { ...model.describe, ARN: arn(i), Name: `bulk/${i}` } }));
    writeFileSync(join(dir, 'big.json'), JSON.stringify({ ...template, secrets }));
    const rotation = loadFixture<{ detail: Record<string, unknown> }>('eventbridge/RotationFailed.json');
    const records = Array.from({ length: 200_000 }, (_, i) => ({ ...rotation, id: `big-${i}`, detail: { ...rotation.detail, eventID: `big-${i}`, additionalEventData: { SecretId: arn(i % 100_000) } } }));
    writeFileSync(join(dir, 'events.json'), JSON.stringify(records));
    const run = await runCli(['replay', join(dir, 'events.json'), '--snapshot', join(dir, 'big.json'), '--format', 'text']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\n200000 events, 200000 alerts\n$/);
  }, 600_000);
});
