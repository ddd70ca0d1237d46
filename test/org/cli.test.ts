import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, PutResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import type { OrgReport } from '../../src/org/report.js';
import { expandJsonReport } from '../../src/reports/index.js';
import { runCli } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { createOrganization, inAccount } from '../helpers/organization.js';
import { faultyEndpoint, type FaultyEndpoint } from '../helpers/faulty-endpoint.js';

// `vigil sweep --organization` from a laptop: the management account's credentials, the member role in every other account.
let emulator: Emulator;
let faulty: FaultyEndpoint;
let member: string;
let refusing: string;
const PUBLIC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });

beforeAll(async () => {
  emulator = await startEmulator();
  faulty = await faultyEndpoint(emulator.endpoint);
  ({ member, refusing } = await createOrganization(emulator, ['member', 'refusing']));
  faulty.refuseRoleIn.add(refusing);
  for (const region of ['us-east-1', 'eu-west-1']) {
    const sm = secretsManagerClient(await inAccount(emulator, member, region));
    const created = await sm.send(new CreateSecretCommand({ Name: `app/${region}/webhook`, SecretString: 'canary-not-a-value' }));
    await sm.send(new PutResourcePolicyCommand({ SecretId: created.ARN, ResourcePolicy: PUBLIC }));
  }
  await secretsManagerClient(emulator.aws()).send(new CreateSecretCommand({ Name: 'security/break-glass', SecretString: 'canary-not-a-value' }));
}, 120_000);

afterAll(async () => {
  await faulty?.stop();
  await emulator?.stop();
});

const sweep = (...args: string[]) => runCli(['sweep', '--endpoint-url', faulty.endpoint, '--region', 'us-east-1', '--region', 'eu-west-1', ...args]);

describe('vigil sweep --organization', () => {
  it('sweeps every account and region, says so per unit, and writes per-account and organisation reports', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-org-cli-'));
    const run = await sweep('--organization', '--format', 'json', '--out', out);
    expect(run.exitCode).toBe(0);
    const report = JSON.parse(run.stdout) as OrgReport;
    expect(report.scope).toEqual({ accounts: 3, regions: ['eu-west-1', 'us-east-1'], units: 6 });
    expect(report.failures.filter((f) => f.controlId === 'no-public-principal').map((f) => `${f.account} ${f.name}`).sort()).toEqual([`${member} app/eu-west-1/webhook`, `${member} app/us-east-1/webhook`]);
    expect(report.failedUnits.map((u) => [u.account, u.region])).toEqual([[refusing, 'eu-west-1'], [refusing, 'us-east-1']]);
    expect(run.stderr).toContain(`vigil: ${member} eu-west-1: 1 secret, `);
    expect(run.stderr).toMatch(new RegExp(`vigil: ${refusing} us-east-1: NOT SWEPT: AccessDenied on sts:AssumeRole arn:aws:iam::${refusing}:role/vigil-audit`));
    expect(JSON.parse(readFileSync(join(out, member, 'us-east-1', 'report.json'), 'utf8')).scope.account).toBe(member);
    expect(JSON.parse(readFileSync(join(out, member, 'us-east-1', 'report.json'), 'utf8')).access).toEqual({ audited: false, reason: expect.stringMatching(/^access was not audited: an organisation sweep/) });
    expect(existsSync(join(out, 'organization.md'))).toBe(true);
    expect(readFileSync(join(out, 'organization.md'), 'utf8')).toContain('## 2 units could not be swept');
    // one snapshot holds every account swept; judged again, it fails the same secrets of the same accounts
    expect(run.stderr).toContain(`vigil: wrote 3 secrets of 3 accounts to ${join(out, 'snapshot.json')}`);
    const again = await runCli(['sweep', '--snapshot', join(out, 'snapshot.json'), '--format', 'json']);
    expect(again.exitCode).toBe(0);
    const judged = expandJsonReport(JSON.parse(again.stdout));
    expect(new Set(judged.findings.map((f) => f.resource.account))).toEqual(new Set([member, '123456789012']));
    expect(judged.findings.filter((f) => f.controlId === 'no-public-principal' && f.status === 'FAIL').map((f) => `${f.resource.account} ${f.resource.name}`).sort()).toEqual(report.failures.filter((f) => f.controlId === 'no-public-principal').map((f) => `${f.account} ${f.name}`).sort());
  }, 120_000);

  it('trips --fail-on on a failure in any account, and on a unit it could not judge', async () => {
    const run = await sweep('--accounts', `${member},${refusing}`, '--fail-on', 'CRITICAL', '--role-name', 'vigil-audit');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('--fail-on CRITICAL tripped by 2 findings');
    expect(run.stderr).toContain('2 units could not be swept, so could not be judged');
    expect(run.stdout).toContain('# vigil organisation report');
  }, 120_000);

  it('diffs against a previous organisation report', async () => {
    const first = await sweep('--accounts', member, '--format', 'json');
    const previous = join(mkdtempSync(join(tmpdir(), 'vigil-org-prev-')), 'organization.json');
    writeFileSync(previous, first.stdout);
    const sm = secretsManagerClient(await inAccount(emulator, member, 'us-east-1'));
    const created = await sm.send(new CreateSecretCommand({ Name: 'app/new-public', SecretString: 'canary-not-a-value' }));
    await sm.send(new PutResourcePolicyCommand({ SecretId: created.ARN, ResourcePolicy: PUBLIC }));
    const run = await sweep('--accounts', member, '--previous', previous, '--fail-on-new', 'CRITICAL');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/--fail-on-new CRITICAL tripped by 1 finding: \d{12} us-east-1 app\/new-public no-public-principal/);
    expect(run.stdout).toMatch(/4 new failures, 0 resolved \(2 units compared\)/);
    expect(run.stdout).toContain("NEW CRITICAL");
  }, 120_000);

  it('with --state, reads again in every account only what changed since the last run, and --full reads everything', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'vigil-org-state-')), 'state.jsonl');
    const policyReads = () => faulty.requests.filter((r) => r.action === 'secretsmanager.GetResourcePolicy').length;
    const first = await sweep('--accounts', member, '--state', state, '--format', 'json');
    expect(first.exitCode).toBe(0);
    const secrets = (JSON.parse(first.stdout) as OrgReport).summary.secrets;
    let before = policyReads();
    const out = mkdtempSync(join(tmpdir(), 'vigil-org-incremental-'));
    const again = await sweep('--accounts', member, '--state', state, '--format', 'json', '--out', out);
    expect(policyReads() - before).toBe(0);
    expect((JSON.parse(again.stdout) as OrgReport).failures).toEqual((JSON.parse(first.stdout) as OrgReport).failures);
    expect(JSON.parse(readFileSync(join(out, member, 'eu-west-1', 'report.json'), 'utf8')).scope.freshness).toMatchObject({ readFresh: 0, fromStore: 1 });
    before = policyReads();
    expect((await sweep('--accounts', member, '--state', state, '--full')).exitCode).toBe(0);
    expect(policyReads() - before).toBe(secrets);
    expect(await sweep('--accounts', member, '--full')).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--full needs --state FILE') });
    expect(await sweep('--accounts', member, '--state', state, '--offline')).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--offline judges a state file alone') });
  }, 120_000);

  it('refuses what it cannot use, before any call', async () => {
    expect(await sweep('--accounts', '12345', '--format', 'json')).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--accounts: "12345" is not a 12-digit account id') });
    expect(await sweep('--role-name', 'x')).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--role-name only apply to an organisation sweep') });
    expect(await sweep('--accounts', member, '--organization')).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--accounts and --organization exclude each other') });
    expect(await runCli(['sweep', '--snapshot', 'x.json', '--organization'])).toMatchObject({ exitCode: 2 });
  });
});
