import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, listControls } from '../../src/controls/index.js';
import { toPolicySecret } from '../../src/controls/input.js';
import { fromDescribeSecret } from '../../src/inventory/index.js';
import { expandJsonReport, type JsonReport, type Report } from '../../src/reports/index.js';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

const SNAPSHOT = join(EVENTS_DIR, 'snapshots', 'acme-prod.json');
const PARAMS = join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json');
const NOW = '2026-11-20T00:00:00Z';

const CONTROLS = ['customer-managed-key', 'no-public-principal', 'no-untrusted-cross-account', 'no-untrusted-replica', 'pending-deletion', 'replication-healthy', 'required-tags', 'rotated-within-period', 'rotation-enabled', 'rotation-succeeding', 'unused'] as const;
type Row = readonly [string, string, string, string, string, string, string, string, string, string, string];

// The expected status of every (secret, control) of the fixture account, in CONTROLS order; reviewed by hand against
// each secret's design in events/snapshots/acme-prod.json (params: acme-prod.params.json, evaluated at 2026-11-20).
const P = 'PASS', F = 'FAIL', E = 'ERROR', N = 'NOT_APPLICABLE';
const expected: Record<string, Row> = {
  //                                               cmk public cross replica del replication tags period enabled succeeding unused
  'prod/db/orders':                               [P, P, P, N, P, N, P, P, P, P, P], // the model secret; org-bounded policy to a trusted org
  'prod/api/payments-key':                        [F, F, F, N, P, N, F, F, F, N, P], // default key, public policy, owner tag missing, never rotated in 400 days
  'prod/db/reporting':                            [F, P, F, N, P, N, P, P, P, F, P], // key pending deletion, untrusted partner account, next rotation 33 days overdue
  'legacy/ftp':                                   [F, P, P, N, P, N, F, F, F, N, F], // alias/aws/secretsmanager, no tags, last accessed 200 days ago
  'rds!db-7f3a9c1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b':  [P, P, P, N, P, N, P, P, P, P, P], // rotated by RDS without a rotation function
  'shared/app-config':                            [P, P, P, N, P, N, P, N, N, N, P], // replica of eu-west-1: rotation is the primary's
  'new/api/webhook-token':                        [P, P, P, N, P, N, P, P, F, N, P], // 5 days old: never rotated or used, and that is fine
  'prod/db/analytics':                            [P, P, P, N, P, N, P, P, F, P, P], // rate(120 days) > maxRotationIntervalDays 90
  'prod/db/inventory':                            [P, P, P, N, P, N, P, P, P, F, P], // AWSPENDING version stuck for 3 days
  'old/batch-creds':                              [P, P, P, N, F, N, P, P, F, N, P], // scheduled for deletion
  'prod/api/broken-policy':                       [P, E, E, N, P, N, P, P, P, P, P], // resource policy is not JSON
  'prod/api/restricted':                          [E, E, E, N, P, N, P, P, P, P, P], // AccessDenied on GetResourcePolicy and kms:DescribeKey
  'partner/shared-token':                         [P, P, P, N, P, N, P, P, F, N, F], // trusted partner account; exempt (active) from rotation-enabled, expired for unused
  'prod/db/aws-managed-key':                      [F, P, P, N, P, N, P, P, P, P, P], // KeyManager AWS
  'prod/api/stale-token':                         [P, P, P, N, P, N, P, F, F, N, P], // last rotated 120 days ago, rotation off
};

async function sweepJson(extra: string[] = []): Promise<Report> {
  const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--format', 'json', ...extra]);
  expect(run.exitCode).toBe(0);
  return expandJsonReport(JSON.parse(run.stdout) as JsonReport);
}

describe('vigil sweep --snapshot', () => {
  it('finds the expected status for every secret and control of the fixture account', async () => {
    const report = await sweepJson();
    const actual: Record<string, string[]> = {};
    for (const f of report.findings) {
      const row = (actual[f.resource.name] ??= Array<string>(CONTROLS.length).fill('missing'));
      row[CONTROLS.indexOf(f.controlId as (typeof CONTROLS)[number])] = f.status;
    }
    expect(actual).toEqual(expected);
    expect(report.findings).toHaveLength(15 * 11);
  });

  it('prints nothing but the JSON report on stdout with --format json', async () => {
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--now', NOW, '--format', 'json']);
    expect(() => JSON.parse(run.stdout)).not.toThrow();
    expect(run.stdout.trimStart().startsWith('{')).toBe(true);
  });

  it('gives each finding what a person needs to act: severity, resource, reason, evidence, remediation, mappings', async () => {
    const report = await sweepJson();
    const publicPolicy = report.findings.find((f) => f.resource.name === 'prod/api/payments-key' && f.controlId === 'no-public-principal');
    expect(publicPolicy).toMatchObject({
      severity: 'CRITICAL',
      title: 'No public access through the resource policy',
      resource: { arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er', account: '111122223333', region: 'us-east-1' },
      evidence: { publicStatements: ['Statement[0]'] },
      remediation: expect.stringContaining('--secret-id arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er'),
    });
    const rotation = report.findings.find((f) => f.resource.name === 'legacy/ftp' && f.controlId === 'rotation-enabled');
    expect(rotation?.mappings).toMatchObject({
      awsConfigRule: 'secretsmanager-rotation-enabled-check',
      securityHub: 'SecretsManager.1',
      frameworks: { 'NIST-SP-800-53-r5': ['AC-2(1)', 'AC-3(15)'], 'PCI-DSS-v4.0.1': ['8.3.9', '8.6.3'], 'HIPAA-Security-Rule': ['164.308(a)(4)(ii)(B)'] },
    });
    const key = report.findings.find((f) => f.controlId === 'customer-managed-key');
    expect(key?.mappings.frameworks).toEqual({ 'NIST-SP-800-53-r5': ['AU-9(3)', 'CP-9d', 'SC-8(3)', 'SC-8(4)', 'SC-13a', 'SC-28(1)', 'SI-19(4)'], 'PCI-DSS-v4.0.1': ['3.5.1', '3.5.1.1', '8.3.2'], 'HIPAA-Security-Rule': ['164.312(a)(2)(iv)', '164.312(e)(2)(ii)'] });
  });

  it('shows in each judged finding the facts its control decided on, with the parameters in force', async () => {
    const report = await sweepJson();
    const find = (name: string, controlId: string) => report.findings.find((f) => f.resource.name === name && f.controlId === controlId);
    expect(find('legacy/ftp', 'unused')?.evidence).toEqual({ lastAccessedAt: expect.any(Number), createdAt: expect.any(Number), unusedForDays: 90 });
    expect(find('prod/db/analytics', 'rotation-enabled')?.evidence).toMatchObject({ rotationEnabled: true, rotationSchedule: 'rate(120 days)', rotationIntervalSeconds: 120 * 86_400, maxRotationIntervalDays: 90 });
    expect(find('prod/db/inventory', 'rotation-succeeding')?.evidence).toMatchObject({ graceHours: 24, rotationWindowSeconds: expect.any(Number), now: Date.parse(NOW) / 1000 });
    expect(find('old/batch-creds', 'pending-deletion')?.evidence).toEqual({ deletedAt: expect.any(Number) });
    expect(find('prod/db/aws-managed-key', 'customer-managed-key')?.evidence).toMatchObject({ kmsKey: { keyManager: 'AWS' }, allowedKmsKeyArns: [] });
    // Nothing was judged for a replica's rotation, so it carries no facts.
    expect(find('shared/app-config', 'rotation-succeeding')?.evidence).toEqual({});
  });

  it('declares as evidence only fields the policy reads and parameters that exist', async () => {
    // lastReader is in the input when the access audit saw a read (a sweep with a state store).
    const fields = Object.keys(toPolicySecret(fromDescribeSecret({ ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf', Name: 'x' }), 0, { principal: 'arn:aws:iam::111122223333:role/app', lastSeen: 0 }));
    const controls = await listControls();
    expect(controls.filter((c) => c.evidence).length).toBeGreaterThanOrEqual(6);
    for (const control of controls) {
      for (const field of control.evidence?.secret ?? []) expect(fields, `${control.id} declares ${field}`).toContain(field);
      for (const name of control.evidence?.params ?? []) expect(Object.keys(DEFAULT_PARAMS), `${control.id} declares ${name}`).toContain(name);
    }
  });

  it('says where every framework mapping comes from, and claims none without a source', async () => {
    const report = await sweepJson();
    const byControl = new Map(report.findings.map((f) => [f.controlId, f.mappings]));
    expect(byControl.size).toBe(11);
    for (const [controlId, mappings] of byControl) {
      const claimed = Object.keys(mappings.frameworks);
      if (claimed.includes('HIPAA-Security-Rule') || controlId === 'customer-managed-key') expect(mappings.source, controlId).toMatch(/conformance pack/);
      if (mappings.securityHub && claimed.length) expect(mappings.source, controlId).toContain(mappings.securityHub === 'SecretsManager.1' ? 'SecretsManager.1' : mappings.securityHub);
      if (!claimed.length) expect(mappings.source, controlId).toMatch(/no framework mapping is claimed/);
    }
  });

  it('keeps an exempted failure a FAIL, carries the exemption, and counts it apart', async () => {
    const report = await sweepJson();
    const exempt = report.findings.find((f) => f.resource.name === 'partner/shared-token' && f.controlId === 'rotation-enabled');
    expect(exempt).toMatchObject({ status: 'FAIL', exemption: { active: true, until: '2026-12-31', reason: 'partner rotates the token out of band (TICKET-4711)' } });
    const expired = report.findings.find((f) => f.resource.name === 'partner/shared-token' && f.controlId === 'unused');
    expect(expired).toMatchObject({ status: 'FAIL', exemption: { active: false, note: 'ignored: expired at the end of 2026-06-30' } });
    expect(report.summary.exemptedFailures).toBe(1);
    expect(report.summary.byControl.find((c) => c.controlId === 'rotation-enabled')).toMatchObject({ exemptedFailures: 1, counts: { FAIL: 7 } });
    expect(report.summary.failuresBySeverity.MEDIUM).toBe(report.findings.filter((f) => f.status === 'FAIL' && f.severity === 'MEDIUM').length - 1);
  });

  it('says in the report what it could not read', async () => {
    const report = await sweepJson();
    expect(report.unreadable).toEqual([
      { arn: expect.stringContaining('prod/api/restricted'), field: 'resourcePolicy', why: expect.stringContaining('AccessDeniedException') },
      { arn: expect.stringContaining('prod/api/restricted'), field: 'kmsKey', why: expect.stringContaining('kms:DescribeKey') },
    ]);
  });

  it('exits 1 with --fail-on when an unexempted failure is that severe, and 0 when none is', async () => {
    expect((await runCli(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--fail-on', 'CRITICAL'])).exitCode).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-failon-'));
    const compliantOnly = join(dir, 'compliant.json');
    const doc = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { secrets: unknown[] };
    writeFileSync(compliantOnly, JSON.stringify({ ...doc, secrets: doc.secrets.slice(0, 1) }));
    expect((await runCli(['sweep', '--snapshot', compliantOnly, '--params', PARAMS, '--now', NOW, '--fail-on', 'LOW'])).exitCode).toBe(0);
  });

  it('writes every report format with --out, and points at the HTML report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-out-'));
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--out', out]);
    expect(run.stderr).toContain(`wrote 7 report files to ${out}; open ${join(out, 'report.html')}`);
    expect(readdirSync(out).sort()).toEqual(['findings.asff.json', 'findings.csv', 'findings.ocsf.json', 'frameworks.json', 'report.html', 'report.json', 'report.md']);
    expect((JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as JsonReport).summary.secrets).toBe(15);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| `no-public-principal` No public access through the resource policy | CRITICAL | 92.3% | 12 | 1 | 0 | 2 | 0 |');
    expect(md).toMatch(/## CRITICAL \(1\)\n\n- \*\*prod\/api\/payments-key\*\* `no-public-principal`/);
  });

  it('says what is new and what was resolved since --previous', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-prev-'));
    const doc = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { secrets: { describe: { Name: string } }[] };
    const before = join(dir, 'before.json');
    writeFileSync(before, JSON.stringify({ ...doc, secrets: doc.secrets.filter((s) => s.describe.Name !== 'prod/api/payments-key') }));
    const previous = join(dir, 'previous.json');
    writeFileSync(previous, (await runCli(['sweep', '--snapshot', before, '--params', PARAMS, '--now', NOW, '--format', 'json'])).stdout);
    const out = join(dir, 'out');
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--params', PARAMS, '--now', NOW, '--previous', previous, '--out', out]);
    expect(run.stderr).toContain('6 new failures, 0 resolved');
    expect(JSON.parse(readFileSync(join(out, 'diff.json'), 'utf8'))).toMatchObject({ unchangedFailures: 18, resolvedFailures: [] });
  });

  it('refuses a params file with an unknown parameter, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-params-'));
    const file = join(dir, 'params.json');
    writeFileSync(file, '{"unusedDays": 30}');
    const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--params', file]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`${file}: unknown parameter "unusedDays"`);
  });

  it('refuses a snapshot with a missing field, naming where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-snap-'));
    const file = join(dir, 'snap.json');
    const doc = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { secrets: { describe: Record<string, unknown> }[] };
    delete doc.secrets[3]?.describe['ARN'];
    writeFileSync(file, JSON.stringify(doc));
    const run = await runCli(['sweep', '--snapshot', file]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`${file}.secrets[3].describe.ARN: expected string, received undefined`);
  });

  it('asks for a region when a live sweep has none', async () => {
    const run = await runCli(['sweep']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('no region: pass --region REGION (repeatable) or --all-regions, or set AWS_REGION');
  });
});
