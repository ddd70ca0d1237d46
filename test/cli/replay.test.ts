import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

const f = (p: string) => join(EVENTS_DIR, p);

describe('vigil replay', () => {
  it('prints one decision per event in DESIGN.md\'s JSON contract', async () => {
    const run = await runCli(['replay', f('cloudtrail/mixed-log.json.gz'), f('eventbridge/DeleteSecret-force.json'), '--snapshot', f('snapshots/acme-prod.json'), '--format', 'json']);
    expect(run.exitCode).toBe(0);
    const { decisions } = JSON.parse(run.stdout) as { decisions: Record<string, unknown>[] };
    expect(decisions).toHaveLength(9);
    for (const d of decisions) expect(Object.keys(d)).toEqual(expect.arrayContaining(['eventId', 'eventName', 'secretArns', 'alerts', 'findings']));
    expect(decisions.filter((d) => 'ignored' in d).map((d) => d['eventName'])).toEqual(['Decrypt', 'DescribeInstances', 'GetSecretValue']);
    const forced = decisions[8] as { alerts: { kind: string; severity: string; subject: string; message: string }[] };
    expect(forced.alerts).toEqual([{ kind: 'secret-deletion-forced', severity: 'CRITICAL', subject: expect.stringContaining('prod/api/payments-key'), message: expect.stringContaining('without a recovery window'), account: '111122223333', region: 'us-east-1', eventId: expect.any(String), eventName: 'DeleteSecret', secretArn: expect.any(String), secretName: 'prod/api/payments-key', details: expect.any(Object) }]);
  });

  it('reads without a snapshot, and says what it could not judge', async () => {
    const run = await runCli(['replay', f('eventbridge/UntagResource.json'), f('eventbridge/PutResourcePolicy-public.json')]);
    expect(run.stdout).toContain('no alert: the secret prod/db/reporting is not known, so the change cannot be judged offline (give a snapshot)');
    expect(run.stdout).toContain('ALERT control-failed CRITICAL: [CRITICAL] prod/api/payments-key now fails no-public-principal');
    expect(run.stdout).toMatch(/2 events, 2 alerts\n$/);
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

  it('refuses a file it cannot read', async () => {
    const run = await runCli(['replay', f('nope.json')]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('nope.json: cannot read (ENOENT)');
  });
});
