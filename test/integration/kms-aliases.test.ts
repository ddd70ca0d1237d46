import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { readInventory, readSecret } from '../../src/inventory/index.js';
import type { JsonReport } from '../../src/reports/index.js';
import { runCli } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

// allowedKmsKeyArns: an alias resolves through the key's aliases (kms:ListAliases), against moto's KMS.
let emulator: Emulator;
let keyArn: string;
const dir = mkdtempSync(join(tmpdir(), 'vigil-aliases-'));
const paramsFile = (name: string, allowed: string[]) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ allowedKmsKeyArns: allowed }));
  return file;
};

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = { ...emulator.aws(), maxAttempts: 1 };
  const kms = kmsClient(aws);
  const sm = secretsManagerClient(aws);
  const key = (await kms.send(new CreateKeyCommand({ Description: 'approved secrets key' }))).KeyMetadata;
  keyArn = key?.Arn as string;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/approved', TargetKeyId: key?.KeyId }));
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/team-key', TargetKeyId: key?.KeyId }));
  const other = (await kms.send(new CreateKeyCommand({ Description: 'another key' }))).KeyMetadata;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/elsewhere', TargetKeyId: other?.KeyId }));
  // No secret value matters here; each names its key differently.
  await sm.send(new CreateSecretCommand({ Name: 'by-key-arn', SecretString: 'x', KmsKeyId: keyArn, Tags: [{ Key: 'owner', Value: 'a' }] }));
  await sm.send(new CreateSecretCommand({ Name: 'by-other-alias', SecretString: 'x', KmsKeyId: 'alias/team-key' }));
  await sm.send(new CreateSecretCommand({ Name: 'on-another-key', SecretString: 'x', KmsKeyId: other?.Arn }));
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
});

async function keyStatuses(args: string[]): Promise<Record<string, string>> {
  const run = await runCli([...args, '--format', 'json']);
  expect(run.exitCode, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout) as JsonReport;
  return Object.fromEntries(report.secrets.map((s) => [s.name, s.findings.find((f) => f.controlId === 'customer-managed-key')?.status ?? 'missing']));
}

describe('allowedKmsKeyArns with an alias, live', () => {
  it("records each key's aliases, ListAliases read once for the region", async () => {
    const aws = { ...emulator.aws(), maxAttempts: 1 };
    const inventory = await readInventory({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws) });
    expect(Object.fromEntries(inventory.states.map((s) => [s.name, s.kmsKey?.aliases]))).toEqual({
      'by-key-arn': ['alias/approved', 'alias/team-key'],
      'by-other-alias': ['alias/approved', 'alias/team-key'],
      'on-another-key': ['alias/elsewhere'],
    });
    expect(inventory.apiCalls.listAliases).toBe(1);
  });

  it('passes a secret whose key carries the allowed alias, however the secret names the key, and fails it for another alias', async () => {
    const live = ['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1'];
    expect(await keyStatuses([...live, '--params', paramsFile('approved.json', ['alias/approved'])])).toEqual({ 'by-key-arn': 'PASS', 'by-other-alias': 'PASS', 'on-another-key': 'FAIL' });
    expect(await keyStatuses([...live, '--params', paramsFile('alias-arn.json', [`arn:aws:kms:us-east-1:${keyArn.split(':')[4]}:alias/approved`])])).toEqual({ 'by-key-arn': 'PASS', 'by-other-alias': 'PASS', 'on-another-key': 'FAIL' });
    expect(await keyStatuses([...live, '--params', paramsFile('elsewhere.json', ['alias/elsewhere'])])).toEqual({ 'by-key-arn': 'FAIL', 'by-other-alias': 'FAIL', 'on-another-key': 'PASS' });
    expect(await keyStatuses([...live, '--params', paramsFile('key-id.json', [keyArn.split('/')[1] as string])])).toEqual({ 'by-key-arn': 'PASS', 'by-other-alias': 'PASS', 'on-another-key': 'FAIL' });
  });

  it('keeps the aliases in a snapshot, so the offline sweep judges alike', async () => {
    const file = join(dir, 'account.json');
    const capture = await runCli(['snapshot', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--out', file]);
    expect(capture.exitCode, capture.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { secrets: { describe: { Name: string }; kmsKey: { Aliases?: string[] } }[] };
    expect(doc.secrets.find((s) => s.describe.Name === 'by-key-arn')?.kmsKey.Aliases).toEqual(['alias/approved', 'alias/team-key']);
    expect(await keyStatuses(['sweep', '--snapshot', file, '--params', paramsFile('approved.json', ['alias/approved'])])).toEqual({ 'by-key-arn': 'PASS', 'by-other-alias': 'PASS', 'on-another-key': 'FAIL' });
  });

  it('reads one secret with its key and aliases as the event Lambda and the Config rule do', async () => {
    const aws = { ...emulator.aws(), maxAttempts: 1 };
    const state = await readSecret('by-other-alias', { secretsManager: secretsManagerClient(aws), kms: kmsClient(aws) });
    expect(state?.kmsKey).toEqual({ arn: keyArn, keyManager: 'CUSTOMER', keyState: 'Enabled', aliases: ['alias/approved', 'alias/team-key'] });
  });
});
