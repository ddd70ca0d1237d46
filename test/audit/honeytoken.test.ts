import { DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { runCli } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { T0, readRecord } from './traffic.js';

let emulator: Emulator;
const sm = () => secretsManagerClient({ ...emulator.aws(), maxAttempts: 1 });
const create = (...args: string[]) => runCli(['honeytoken', 'create', ...args, '--endpoint-url', emulator.endpoint, '--region', 'us-east-1']);

beforeAll(async () => {
  emulator = await startEmulator();
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
});

describe('vigil honeytoken create', () => {
  it('creates a decoy tagged vigil:honeytoken=true whose random value it never prints', async () => {
    const run = await create('prod/billing/admin-db', '--tag', 'team=billing', '--format', 'json');
    expect(run.exitCode).toBe(0);
    const created = JSON.parse(run.stdout) as { arn: string; name: string; tags: Record<string, string> };
    expect(created).toMatchObject({ name: 'prod/billing/admin-db', tags: { team: 'billing', 'vigil:honeytoken': 'true' } });

    const described = await sm().send(new DescribeSecretCommand({ SecretId: created.arn }));
    expect(Object.fromEntries((described.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({ team: 'billing', 'vigil:honeytoken': 'true' });
    expect(described.Description).toBe('Database credentials');
    // The test reads the value (vigil never does) to show it is a plausible credential that went nowhere else.
    const value = JSON.parse((await sm().send(new GetSecretValueCommand({ SecretId: created.arn }))).SecretString as string) as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['dbname', 'engine', 'host', 'password', 'port', 'username']);
    expect(String(value['password'])).toHaveLength(32);
    for (const part of [value['password'], value['username'], value['host']]) {
      expect(run.stdout).not.toContain(String(part));
      expect(run.stderr).not.toContain(String(part));
    }
    // The audit Lambda finds honeytokens this way.
    const listed = await sm().send(new ListSecretsCommand({ Filters: [{ Key: 'tag-key', Values: ['vigil:honeytoken'] }] }));
    expect(listed.SecretList?.map((s) => s.ARN)).toContain(created.arn);
  });

  it('writes a different random value each time', async () => {
    const a = JSON.parse((await create('prod/hr/payroll-db', '--format', 'json')).stdout) as { arn: string };
    const b = JSON.parse((await create('prod/hr/payroll-db-replica', '--format', 'json')).stdout) as { arn: string };
    const value = async (arn: string) => JSON.parse((await sm().send(new GetSecretValueCommand({ SecretId: arn }))).SecretString as string) as { password: string };
    expect((await value(a.arn)).password).not.toBe((await value(b.arn)).password);
  });

  it('a read of the decoy it made is a CRITICAL honeytoken-read in vigil audit', async () => {
    await create('prod/ops/root-ssh-key');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-honeytoken-'));
    const snapshot = join(dir, 'snapshot.json');
    expect((await runCli(['snapshot', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--out', snapshot])).exitCode).toBe(0);
    const read = readRecord('GetSecretValue-iam-user.json', { time: T0, secretId: 'prod/ops/root-ssh-key', account: '123456789012' });
    writeFileSync(join(dir, 'read.json'), JSON.stringify(read));
    const audit = await runCli(['audit', join(dir, 'read.json'), '--snapshot', snapshot, '--format', 'json']);
    expect(JSON.parse(audit.stdout).detections).toMatchObject([{ kind: 'honeytoken-read', severity: 'CRITICAL' }]);
  });

  it('never overwrites a secret: an existing name exits 2 in one line', async () => {
    expect((await create('prod/shared/api-key')).exitCode).toBe(0);
    const again = await create('prod/shared/api-key');
    expect(again.exitCode).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('a secret named prod/shared/api-key already exists in us-east-1');
  });

  it('refuses a bad name or tag before any call, exit 2', async () => {
    for (const [args, says] of [
      [['prod/bad name'], 'a secret name is 1-512'],
      [['prod/looks-Ab12Cd'], "an ARN's suffix"],
      [['prod/ok', '--tag', 'novalue'], 'expected KEY=VALUE'],
      [['prod/ok', '--tag', 'vigil:honeytoken=false'], 'vigil sets vigil:honeytoken itself'],
    ] as const) {
      const run = await create(...args);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(says);
    }
    const listed = await sm().send(new ListSecretsCommand({}));
    expect(listed.SecretList?.map((s) => s.Name)).not.toContain('prod/ok');
  });
});
