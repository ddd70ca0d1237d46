import { CreateSecretCommand, GetResourcePolicyCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { DEMO_SECRETS, seedAccount, type SeededAccount } from '../../src/demo/account.js';
import { readSnapshot } from '../../src/inventory/index.js';
import { expandJsonReport, type JsonReport, type Report } from '../../src/reports/index.js';
import { runVigil } from '../helpers/bin.js';
import { runCli } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

// A live sweep of an account seeded through the real SDK in moto's server. What moto cannot show is covered by the
// snapshot tests (test/controls/snapshot-sweep.test.ts) instead, namely:
// - LastAccessedDate (moto never records one), so `unused` fails there, not here;
// - rotation by schedule expression or with a rotation function (moto enables rotation only for AutomaticallyAfterDays,
//   and needs a real Lambda for a function), and overdue or stuck rotations, which need time to pass;
// - a replica's own KMS key (moto's replica keeps none, so the replicas here read as on the AWS managed key).
const PARAMS = join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json');
const CONTROLS = ['customer-managed-key', 'no-public-principal', 'no-untrusted-cross-account', 'no-untrusted-replica', 'pending-deletion', 'replication-healthy', 'required-tags', 'rotated-within-period', 'rotation-enabled', 'rotation-succeeding', 'unused'] as const;
const P = 'PASS', F = 'FAIL', N = 'NOT_APPLICABLE';
const compliant = [P, P, P, N, P, N, P, P, P, P, P];
const noRotation = [P, P, P, N, P, N, P, P, F, N, P];

//                                                   cmk public cross replica del replication tags period enabled succeeding unused
const expected: Record<string, string[]> = {
  'prod/orders/db-credentials':            compliant,
  'prod/payments/db-credentials':          compliant,
  'prod/inventory/db-credentials':         compliant,
  'prod/search/db-credentials':            compliant, // "*" bounded to a VPC endpoint
  'prod/identity/signing-key':             compliant, // 90 days = maxRotationIntervalDays
  'prod/billing/db-credentials':           compliant, // shared with the trusted account
  'staging/orders/db-credentials':         compliant,
  'prod/payments/stripe-api-key':          noRotation,
  'prod/notifications/twilio-token':       [F, P, P, N, P, N, P, P, F, N, P], // default key
  'prod/analytics/warehouse-password':     [F, P, P, N, P, N, P, P, F, N, P], // alias/aws/secretsmanager
  'prod/legacy/ftp-password':              [F, P, P, N, P, N, F, P, F, N, P],
  'prod/reports/smtp-password':            [F, P, P, N, P, N, P, P, P, P, P], // key disabled
  'prod/archive/s3-hmac':                  [F, P, P, N, P, N, P, P, F, N, P], // key pending deletion
  'prod/marketing/webhook-secret':         [P, F, F, N, P, N, P, P, F, N, P], // public policy
  'prod/partners/feed-token':              [P, P, F, N, P, N, P, P, F, N, P], // untrusted account
  'prod/partners/acme-token':              compliant,
  'prod/shared/readonly-db':               compliant, // trusted organisation
  'prod/shared/other-org-token':           [P, P, F, N, P, N, P, P, F, N, P], // another organisation
  'prod/ml/feature-store-key':             [P, F, F, N, P, N, P, P, F, N, P], // arn:aws:iam::*:role/...
  'prod/security/break-glass':             compliant, // Deny statements grant nothing
  'prod/ci/deploy-token':                  [P, P, P, N, P, N, F, P, P, P, P], // untagged
  'prod/ci/npm-token':                     [P, P, P, N, P, N, F, P, F, N, P], // owner tag missing
  'prod/old/batch-credentials':            [P, P, P, N, F, N, P, P, F, N, P], // deletion scheduled
  'prod/old/reporting-db':                 [F, P, P, N, F, N, F, P, F, N, P],
  'prod/global/app-config':                [F, P, P, N, P, P, P, N, N, N, P], // replica; org policy read from the primary region; InSync
  'prod/global/feature-flags-key':         [F, P, P, N, P, P, P, N, N, N, P], // replica, InSync
  'dev/sandbox/api-key':                   [F, P, P, N, P, N, F, P, F, N, P],
  'prod/exempt/vendor-token':              noRotation, // the FAIL carries an active exemption
  'prod/mobile/push-certificate-password': compliant,
  'prod/data/kafka-credentials':           compliant,
  'prod/data/redis-auth':                  compliant,
};

const CANARY = (name: string) => `vigil-canary-${name.replaceAll('/', '-')}-4f7a9c`;

let emulator: Emulator;
let seeded: SeededAccount;

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  seeded = await seedAccount(
    { secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), primary: (region) => ({ secretsManager: secretsManagerClient(emulator.aws(region)) }) },
    DEMO_SECRETS,
    CANARY,
    '123456789012',
  );
});

afterAll(async () => {
  await emulator?.stop();
});

const now = () => Date.now() / 1000;

describe('vigil sweep against a live (emulated) account', () => {
  it('seeds at least 30 secrets through the real SDK', async () => {
    expect(Object.keys(seeded.arns)).toHaveLength(DEMO_SECRETS.length);
    expect(DEMO_SECRETS.length).toBeGreaterThanOrEqual(30);
    // The values are really there, so a report that leaked one would be caught below.
    const value = await secretsManagerClient(emulator.aws()).send(new GetSecretValueCommand({ SecretId: seeded.arns['prod/ci/npm-token'] }));
    expect(value.SecretString).toBe(CANARY('prod/ci/npm-token'));
  });

  it('finds the expected status for every secret and control', async () => {
    const run = await runCli(['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--params', PARAMS, '--format', 'json'], now);
    expect(run.exitCode).toBe(0);
    const report = expandJsonReport(JSON.parse(run.stdout) as JsonReport);
    const actual: Record<string, string[]> = {};
    for (const f of report.findings) (actual[f.resource.name] ??= Array<string>(CONTROLS.length).fill('missing'))[CONTROLS.indexOf(f.controlId as (typeof CONTROLS)[number])] = f.status;
    expect(actual).toEqual(expected);
    expect(report.scope).toMatchObject({ source: 'live', account: '123456789012', regions: ['us-east-1'] });
    expect(report.findings.find((f) => f.resource.name === 'prod/exempt/vendor-token' && f.controlId === 'rotation-enabled')?.exemption).toMatchObject({ active: true });
    // moto does not know ListResourcePolicies: the report says so once, and every default policy was still read.
    // (once per region read: the replicas' policies come from their primary's region, eu-west-1)
    expect(report.unreadable.map((u) => `${u.arn}: ${u.field}`).sort()).toEqual(['every secret in eu-west-1: ListResourcePolicies', 'every secret in us-east-1: ListResourcePolicies']);
    for (const u of report.unreadable) expect(u.why).toContain('only each secret\'s default resource policy was read');
  });

  it('never puts a secret value in a report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-live-'));
    const run = await runCli(['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--out', out, '--format', 'md'], now);
    for (const text of [run.stdout, run.stderr, readFileSync(join(out, 'report.json'), 'utf8'), readFileSync(join(out, 'report.md'), 'utf8')]) {
      for (const secret of DEMO_SECRETS) expect(text).not.toContain(CANARY(secret.name));
    }
  });

  it('captures a snapshot that sweeps to the same findings offline', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-snap-')), 'account.json');
    const capture = await runCli(['snapshot', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--out', file], now);
    expect(capture.exitCode).toBe(0);
    expect(capture.stderr).toContain(`wrote ${DEMO_SECRETS.length} secrets of 123456789012 us-east-1`);
    expect(readSnapshot(readFileSync(file), file).secrets).toHaveLength(DEMO_SECRETS.length);
    for (const secret of DEMO_SECRETS) expect(readFileSync(file, 'utf8')).not.toContain(CANARY(secret.name));
    const at = new Date().toISOString();
    const live = expandJsonReport(JSON.parse((await runCli(['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--params', PARAMS, '--now', at, '--format', 'json'], now)).stdout) as JsonReport);
    const offline = expandJsonReport(JSON.parse((await runCli(['sweep', '--snapshot', file, '--params', PARAMS, '--now', at, '--format', 'json'], now)).stdout) as JsonReport);
    const statuses = (r: Report) => r.findings.map((f) => `${f.resource.arn} ${f.controlId} ${f.status}`).sort();
    expect(statuses(offline)).toEqual(statuses(live));
  });

  it('writes the snapshot gzipped when --out ends in .gz (in any case, as account.JSON.GZ), through the vigil bin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-snap-gz-'));
    const file = join(dir, 'account.JSON.GZ');
    const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_MAX_ATTEMPTS: '1' };
    const capture = await runVigil(['snapshot', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--out', file], env);
    expect(capture.exitCode, capture.stderr).toBe(0);
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const document = JSON.parse(gunzipSync(bytes).toString('utf8')) as { snapshotVersion: number; account: string; region: string; secrets: unknown[] };
    expect(document).toMatchObject({ snapshotVersion: 1, account: '123456789012', region: 'us-east-1' });
    expect(document.secrets).toHaveLength(DEMO_SECRETS.length);
    // The gzipped file is a snapshot sweep reads as it is.
    const sweep = await runVigil(['sweep', '--snapshot', file, '--params', PARAMS, '--format', 'json'], env);
    expect(sweep.exitCode, sweep.stderr).toBe(0);
    expect((JSON.parse(sweep.stdout) as JsonReport).secrets).toHaveLength(DEMO_SECRETS.length);
    expect(capture.stderr).toBe(`vigil: wrote ${DEMO_SECRETS.length} secrets of 123456789012 us-east-1 to ${file}\n`);
    // A region of one secret: said in the singular.
    await secretsManagerClient(emulator.aws('ap-southeast-2')).send(new CreateSecretCommand({ Name: 'solo/api-key', SecretString: CANARY('solo/api-key') }));
    const solo = await runVigil(['snapshot', '--endpoint-url', emulator.endpoint, '--region', 'ap-southeast-2', '--out', join(dir, 'solo.json')], env);
    expect(solo.stderr).toBe(`vigil: wrote 1 secret of 123456789012 ap-southeast-2 to ${join(dir, 'solo.json')}\n`);
  });

  it('writes every format with --out, quotes the public statement in full, and reports as a snapshot sweep of the account does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-live-out-'));
    const file = join(dir, 'account.json');
    expect((await runCli(['snapshot', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--out', file], now)).exitCode).toBe(0);
    const at = new Date().toISOString();
    const live = await runCli(['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--params', PARAMS, '--now', at, '--out', join(dir, 'live')], now);
    expect(live.exitCode, live.stderr).toBe(0);
    expect(readdirSync(join(dir, 'live')).sort()).toEqual(['findings.asff.json', 'findings.csv', 'findings.ocsf.json', 'frameworks.json', 'report.html', 'report.json', 'report.md']);

    // The statement that makes the policy public, as the account holds it, is in the HTML in full.
    const policy = await secretsManagerClient(emulator.aws()).send(new GetResourcePolicyCommand({ SecretId: seeded.arns['prod/marketing/webhook-secret'] }));
    const statements = (JSON.parse(policy.ResourcePolicy ?? '{}') as { Statement: { Principal?: unknown }[] }).Statement;
    const open = statements.find((s) => JSON.stringify(s.Principal).includes('"*"'));
    expect(open).toBeDefined();
    const html = readFileSync(join(dir, 'live', 'report.html'), 'utf8');
    const row = html.split('</tr>').find((r) => r.includes('prod/marketing/webhook-secret') && r.includes('data-control="no-public-principal"')) ?? '';
    const quoted = /in full:<\/div><pre class="statement">([^<]*)<\/pre>/.exec(row)?.[1] ?? '';
    const unescape = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    expect(JSON.parse(unescape(quoted))).toEqual(open);

    const snapshot = await runCli(['sweep', '--snapshot', file, '--params', PARAMS, '--now', at, '--out', join(dir, 'snapshot'), '--formats', 'json'], now);
    expect(snapshot.exitCode, snapshot.stderr).toBe(0);
    // The same document but for when it was made and where the secrets were read from — and what the endpoint could not
    // answer, which only the live sweep knows (a snapshot does not record that moto lacks ListResourcePolicies).
    const timeless = (name: string) => {
      const { generatedAt: _generated, scope: _scope, unreadable, ...rest } = JSON.parse(readFileSync(join(dir, name, 'report.json'), 'utf8')) as JsonReport & { generatedAt: string; scope: unknown; unreadable: { field: string }[] };
      return { ...rest, unreadable: unreadable.filter((u) => u.field !== 'ListResourcePolicies') };
    };
    expect(timeless('live')).toEqual(timeless('snapshot'));
    expect(timeless('live').secrets.length).toBe(DEMO_SECRETS.length);
  });

  it('says plainly when AWS cannot be reached', async () => {
    const run = await runCli(['sweep', '--endpoint-url', 'http://127.0.0.1:9', '--region', 'us-east-1'], now);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toBe('vigil: AWS could not be reached: connect ECONNREFUSED 127.0.0.1:9\n');
  });
});
