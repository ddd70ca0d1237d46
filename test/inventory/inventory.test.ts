import { DescribeKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { GetResourcePolicyCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, evaluateSecrets } from '../../src/controls/index.js';
import { withoutBridge } from '../../src/aws/secrets-manager-2026.js';
import { readInventory } from '../../src/inventory/index.js';

const sm = mockClient(SecretsManagerClient);
const kms = mockClient(KMSClient);
const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`;
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1111';
// An endpoint that knows none of the 2026 operations: the inventory reads what the SDK can, as before them.
const bridge = withoutBridge('the endpoint does not know the 2026 operations');
const denied = (action: string) => Object.assign(new Error(`User is not authorized to perform: ${action}`), { name: 'AccessDeniedException' });

beforeEach(() => {
  sm.reset();
  kms.reset();
});

describe('reading the inventory when AWS says no', () => {
  it('turns AccessDenied into ERROR findings for exactly the controls it blocks, and drops a secret deleted mid-sweep', async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        { ARN: arn('readable'), Name: 'readable', KmsKeyId: KEY, CreatedDate: new Date('2026-11-01T00:00:00Z') },
        { ARN: arn('no-policy-access'), Name: 'no-policy-access', KmsKeyId: 'alias/other', CreatedDate: new Date('2026-11-01T00:00:00Z') },
        { ARN: arn('gone'), Name: 'gone', CreatedDate: new Date('2026-11-01T00:00:00Z') },
      ],
    });
    sm.on(GetResourcePolicyCommand, { SecretId: arn('readable') }).resolves({ ARN: arn('readable') });
    sm.on(GetResourcePolicyCommand, { SecretId: arn('no-policy-access') }).rejects(denied('secretsmanager:GetResourcePolicy'));
    sm.on(GetResourcePolicyCommand, { SecretId: arn('gone') }).rejects(Object.assign(new Error('Secrets Manager can’t find the specified secret.'), { name: 'ResourceNotFoundException' }));
    kms.on(DescribeKeyCommand, { KeyId: KEY }).resolves({ KeyMetadata: { KeyId: '1111', Arn: KEY, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kms.on(DescribeKeyCommand, { KeyId: 'alias/other' }).rejects(denied('kms:DescribeKey'));

    const inventory = await readInventory({ secretsManager: sm as unknown as SecretsManagerClient, kms: kms as unknown as KMSClient, bridge });
    expect(inventory.states.map((s) => s.name)).toEqual(['readable', 'no-policy-access']);
    expect(inventory.dropped).toEqual([{ arn: arn('gone'), note: 'deleted while the sweep ran; not evaluated' }]);
    expect(inventory.states[1]?.unreadable).toEqual({
      resourcePolicy: 'AccessDeniedException on secretsmanager:GetResourcePolicy: User is not authorized to perform: secretsmanager:GetResourcePolicy',
      kmsKey: 'AccessDeniedException on kms:DescribeKey: User is not authorized to perform: kms:DescribeKey',
    });

    const [readable, blocked] = await evaluateSecrets(inventory.states, { now: Date.UTC(2026, 10, 20) / 1000 });
    const errors = (findings: typeof readable) => (findings ?? []).filter((f) => f.status === 'ERROR').map((f) => f.controlId);
    expect(errors(readable)).toEqual([]);
    expect(errors(blocked)).toEqual(['customer-managed-key', 'no-public-principal', 'no-untrusted-cross-account']);
  });

  it('describes each distinct key once, however many secrets use it, and never the AWS managed alias', async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        ...Array.from({ length: 5 }, (_, i) => ({ ARN: arn(`k${i}`), Name: `k${i}`, KmsKeyId: KEY })),
        { ARN: arn('default'), Name: 'default', KmsKeyId: 'alias/aws/secretsmanager' },
        { ARN: arn('none'), Name: 'none' },
      ],
    });
    sm.on(GetResourcePolicyCommand).resolves({});
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: '1111', Arn: KEY, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    const inventory = await readInventory({ secretsManager: sm as unknown as SecretsManagerClient, kms: kms as unknown as KMSClient, bridge });
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(1);
    expect(inventory.apiCalls).toEqual({ listSecrets: 1, describeSecret: 0, listResourcePolicies: 0, getResourcePolicy: 7, describeKey: 1, listAliases: 1 });
  });

  it("lists the region's aliases once, page by page, and records each key's own", async () => {
    const OTHER = 'arn:aws:kms:us-east-1:111122223333:key/2222';
    sm.on(ListSecretsCommand).resolves({ SecretList: [{ ARN: arn('a'), Name: 'a', KmsKeyId: KEY }, { ARN: arn('b'), Name: 'b', KmsKeyId: 'alias/b-key' }, { ARN: arn('c'), Name: 'c', KmsKeyId: KEY }] });
    sm.on(GetResourcePolicyCommand).resolves({});
    kms.on(DescribeKeyCommand, { KeyId: KEY }).resolves({ KeyMetadata: { KeyId: '1111', Arn: KEY, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kms.on(DescribeKeyCommand, { KeyId: 'alias/b-key' }).resolves({ KeyMetadata: { KeyId: '2222', Arn: OTHER, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kms.on(ListAliasesCommand, { Limit: 100 }).resolves({ Aliases: [{ AliasName: 'alias/z-approved', TargetKeyId: '1111' }, { AliasName: 'alias/aws/secretsmanager' }], Truncated: true, NextMarker: 'm2' });
    kms.on(ListAliasesCommand, { Limit: 100, Marker: 'm2' }).resolves({ Aliases: [{ AliasName: 'alias/b-key', TargetKeyId: '2222' }, { AliasName: 'alias/approved', TargetKeyId: '1111' }], Truncated: false });
    const inventory = await readInventory({ secretsManager: sm as unknown as SecretsManagerClient, kms: kms as unknown as KMSClient, bridge });
    expect(inventory.states.map((s) => [s.name, s.kmsKey?.aliases])).toEqual([
      ['a', ['alias/approved', 'alias/z-approved']],
      ['b', ['alias/b-key']],
      ['c', ['alias/approved', 'alias/z-approved']],
    ]);
    expect(kms.commandCalls(ListAliasesCommand)).toHaveLength(2);
    expect(inventory.captured[1]?.kmsKey).toEqual({ KeyId: 'alias/b-key', Arn: OTHER, KeyManager: 'CUSTOMER', KeyState: 'Enabled', Aliases: ['alias/b-key'] });
  });

  it('records no aliases when ListAliases is refused, and the key control says an alias entry could not resolve', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [{ ARN: arn('a'), Name: 'a', KmsKeyId: KEY }] });
    sm.on(GetResourcePolicyCommand).resolves({});
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: '1111', Arn: KEY, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kms.on(ListAliasesCommand).rejects(denied('kms:ListAliases'));
    const inventory = await readInventory({ secretsManager: sm as unknown as SecretsManagerClient, kms: kms as unknown as KMSClient, bridge });
    expect(inventory.states[0]?.kmsKey).toEqual({ arn: KEY, keyManager: 'CUSTOMER', keyState: 'Enabled' });
    const [findings] = await evaluateSecrets(inventory.states, { now: Date.UTC(2026, 10, 20) / 1000, params: { ...DEFAULT_PARAMS, allowedKmsKeyArns: ['alias/approved'] }, controlIds: ['customer-managed-key'] });
    expect(findings?.[0]).toMatchObject({ status: 'FAIL', reason: expect.stringContaining('its aliases were not read') });
  });

  it('follows ListSecrets pages and asks for secrets scheduled for deletion too', async () => {
    sm.on(ListSecretsCommand, { NextToken: undefined }).resolves({ SecretList: [{ ARN: arn('a'), Name: 'a' }], NextToken: 'page-2' });
    sm.on(ListSecretsCommand, { NextToken: 'page-2' }).resolves({ SecretList: [{ ARN: arn('b'), Name: 'b', DeletedDate: new Date('2026-11-25T00:00:00Z') }] });
    sm.on(GetResourcePolicyCommand).resolves({});
    const inventory = await readInventory({ secretsManager: sm as unknown as SecretsManagerClient, kms: kms as unknown as KMSClient, bridge });
    expect(inventory.states.map((s) => s.name)).toEqual(['a', 'b']);
    expect(sm.commandCalls(ListSecretsCommand).every((c) => c.args[0].input.IncludePlannedDeletion === true)).toBe(true);
  });

  it('never asks for a secret value', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [{ ARN: arn('a'), Name: 'a' }] });
    sm.on(GetResourcePolicyCommand).resolves({});
    await readInventory({ secretsManager: sm as unknown as SecretsManagerClient, kms: kms as unknown as KMSClient, bridge });
    expect(sm.calls().map((c) => c.args[0].constructor.name).sort()).toEqual(['GetResourcePolicyCommand', 'ListSecretsCommand']);
  });
});
