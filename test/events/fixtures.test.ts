import { describe, expect, it } from 'vitest';
import { normaliseInput, type SecretEvent } from '../../src/events/index.js';
import { fixtureFiles, loadFixture } from '../helpers/fixtures.js';

const ACCOUNT = '111122223333';
const arn = (name: string, suffix: string, region = 'us-east-1') => `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${suffix}`;
const ORDERS = arn('prod/db/orders', 'Xy12Ab');
const PAYMENTS = arn('prod/api/payments-key', 'Qw34Er');
const REPORTING = arn('prod/db/reporting', 'Zx56Cv');
const KEY_ID = '0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const BOB = `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_PlatformAdmin_0123456789abcdef/bob@example.com`;

type Expected = Partial<Omit<SecretEvent, 'actor' | 'secret' | 'key'>> & {
  actor?: Partial<SecretEvent['actor']>;
  secret?: SecretEvent['secret'] | null;
  key?: Partial<NonNullable<SecretEvent['key']>>;
};

// One row per EventBridge fixture: what a person reading the event would say it is.
const eventBridge: Record<string, Expected | { ignored: string }> = {
  'CreateSecret.json': { kind: 'secret-api-call', eventName: 'CreateSecret', secret: { given: 'prod/db/orders', arn: ORDERS, name: 'prod/db/orders' },
    request: { kmsKeyId: 'alias/prod-secrets', tags: [{ key: 'team', value: 'orders' }, { key: 'data-classification', value: 'confidential' }] },
    actor: { type: 'AssumedRole', invokedBy: 'cloudformation.amazonaws.com', sessionIssuerArn: `arn:aws:iam::${ACCOUNT}:role/cfn-exec-role` } },
  'CreateSecret-legacy-aRN.json': { eventName: 'CreateSecret', time: '2023-06-14T16:02:51.000Z', secret: { given: 'legacy/ftp', arn: arn('legacy/ftp', 'Lk78Jh'), name: 'legacy/ftp' }, request: {} },
  'UpdateSecret-kms-key.json': { eventName: 'UpdateSecret', time: '2026-11-02T09:14:07.512Z', secret: { given: PAYMENTS, arn: PAYMENTS, name: 'prod/api/payments-key' }, request: { kmsKeyId: KEY_ARN }, actor: { type: 'AssumedRole', arn: BOB } },
  'PutSecretValue.json': { eventName: 'PutSecretValue', secret: { given: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/db/orders`, arn: ORDERS, name: 'prod/db/orders' }, request: {} },
  'PutResourcePolicy-public.json': { eventName: 'PutResourcePolicy', secret: { given: 'prod/api/payments-key', arn: PAYMENTS, name: 'prod/api/payments-key' },
    request: { blockPublicPolicy: false, resourcePolicy: expect.stringContaining('"Principal":"*"') as unknown as string } },
  'PutResourcePolicy-org-bounded.json': { eventName: 'PutResourcePolicy', secret: { given: REPORTING, arn: REPORTING, name: 'prod/db/reporting' },
    request: { blockPublicPolicy: true, resourcePolicy: expect.stringContaining('aws:PrincipalOrgID') as unknown as string } },
  'PutResourcePolicy-cross-account.json': { eventName: 'PutResourcePolicy', secret: { given: ORDERS, arn: ORDERS, name: 'prod/db/orders' },
    request: { blockPublicPolicy: true, resourcePolicy: expect.stringContaining('444455556666') as unknown as string } },
  'DeleteResourcePolicy.json': { eventName: 'DeleteResourcePolicy', secret: { given: 'prod/db/reporting', arn: REPORTING, name: 'prod/db/reporting' }, request: {} },
  'DeleteSecret-recovery-window.json': { eventName: 'DeleteSecret', secret: { given: REPORTING, arn: REPORTING, name: 'prod/db/reporting' },
    request: { recoveryWindowInDays: 7, deletionDate: '2026-11-09T09:14:07.000Z' }, actor: { arn: BOB, sourceIp: '203.0.113.24' } },
  'DeleteSecret-default-window.json': { eventName: 'DeleteSecret', time: '2026-11-02T21:40:11.000Z', secret: { given: 'prod/db/orders', arn: ORDERS, name: 'prod/db/orders' },
    request: { deletionDate: '2026-12-02T21:40:11.000Z' } },
  'DeleteSecret-force.json': { eventName: 'DeleteSecret', secret: { given: PAYMENTS, arn: PAYMENTS, name: 'prod/api/payments-key' },
    request: { forceDeleteWithoutRecovery: true, deletionDate: '2026-11-02T09:14:07.000Z' }, actor: { arn: BOB, sourceIp: '198.51.100.77' } },
  'DeleteSecret-access-denied.json': { eventName: 'DeleteSecret', errorCode: 'AccessDenied', errorMessage: expect.stringContaining('not authorized') as unknown as string,
    secret: { given: 'prod/db/orders', name: 'prod/db/orders' }, request: { forceDeleteWithoutRecovery: true }, actor: { type: 'IAMUser', arn: ALICE } },
  'RestoreSecret.json': { eventName: 'RestoreSecret', secret: { given: REPORTING, arn: REPORTING, name: 'prod/db/reporting' }, request: {} },
  'RotateSecret.json': { eventName: 'RotateSecret', secret: { given: ORDERS, arn: ORDERS, name: 'prod/db/orders' },
    request: { rotationLambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:SecretsManagerRDSPostgreSQLRotationSingleUser`, rotationRules: { automaticallyAfterDays: 30 }, rotateImmediately: true } },
  'RotateSecret-schedule-expression.json': { eventName: 'RotateSecret', time: '2026-11-02T09:14:07.000Z',
    request: { rotationLambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:reporting-rotation`, rotationRules: { scheduleExpression: 'cron(0 4 ? * SUN *)', duration: '3h' }, rotateImmediately: false } },
  'CancelRotateSecret.json': { eventName: 'CancelRotateSecret', secret: { given: ORDERS, arn: ORDERS, name: 'prod/db/orders' }, request: {} },
  'TagResource.json': { eventName: 'TagResource', secret: { given: 'prod/db/orders', name: 'prod/db/orders' },
    request: { tags: [{ key: 'vigil:exempt:rotation-enabled', value: '2026-12-31 vendor rotates out of band' }] } },
  'UntagResource.json': { eventName: 'UntagResource', secret: { given: REPORTING, arn: REPORTING, name: 'prod/db/reporting' }, request: { removedTagKeys: ['owner', 'cost-center'] } },
  'ReplicateSecretToRegions.json': { eventName: 'ReplicateSecretToRegions', request: { addedReplicaRegions: [{ region: 'eu-west-1', kmsKeyId: 'alias/prod-secrets' }, { region: 'us-west-2' }] } },
  'RemoveRegionsFromReplication.json': { eventName: 'RemoveRegionsFromReplication', request: { removedReplicaRegions: ['us-west-2'] } },
  'StopReplicationToReplica.json': { eventName: 'StopReplicationToReplica', region: 'eu-west-1',
    secret: { given: arn('prod/db/orders', 'Xy12Ab', 'eu-west-1'), arn: arn('prod/db/orders', 'Xy12Ab', 'eu-west-1'), name: 'prod/db/orders' } },
  'AssociateCrossAccountReplica.json': { eventName: 'AssociateCrossAccountReplica', secret: { given: ORDERS, arn: ORDERS, name: 'prod/db/orders' },
    request: { crossAccountReplicaArn: 'arn:aws:secretsmanager:us-east-1:999988887777:secret:orders-copy-Rp12Lc', replicaRestriction: 'NoRestriction', replicationRoleArn: `arn:aws:iam::${ACCOUNT}:role/orders-replication`, replicationStatus: 'InProgress' } },
  'AssociateCrossAccountReplica-trusted.json': { eventName: 'AssociateCrossAccountReplica', secret: { given: 'prod/db/reporting', arn: REPORTING, name: 'prod/db/reporting' },
    request: { crossAccountReplicaArn: 'arn:aws:secretsmanager:us-east-1:222233334444:secret:reporting-copy-Tr34Ad', replicationStatus: 'InProgress' } },
  'DisassociateCrossAccountReplica.json': { eventName: 'DisassociateCrossAccountReplica', secret: { given: ORDERS, arn: ORDERS, name: 'prod/db/orders' },
    request: { crossAccountReplicaArn: 'arn:aws:secretsmanager:us-east-1:999988887777:secret:orders-copy-Rp12Lc' } },
  'CreateSecret-cross-account-replica.json': { eventName: 'CreateSecret', secret: { given: 'partner/ledger-replica', arn: arn('partner/ledger-replica', 'Lr78Pq'), name: 'partner/ledger-replica' },
    request: { kmsKeyId: KEY_ARN, crossAccountPrimaryArn: 'arn:aws:secretsmanager:us-east-1:555566667777:secret:ledger-Gh56Jk', tags: [{ key: 'team', value: 'ledger' }, { key: 'owner', value: 'ledger-oncall' }] } },
  'PutResourcePolicy-policy-name.json': { eventName: 'PutResourcePolicy', secret: { given: ORDERS, arn: ORDERS, name: 'prod/db/orders' },
    request: { policyName: 'default', blockPublicPolicy: false, resourcePolicy: expect.stringContaining('"Principal":"*"') as unknown as string } },
  'UpdateSecretVersionStage.json': { eventName: 'UpdateSecretVersionStage', request: { versionStage: 'AWSCURRENT' } },
  'GetSecretValue-denied.json': { ignored: 'GetSecretValue is read-only' },
  'RotationStarted.json': { kind: 'secret-service-event', eventName: 'RotationStarted', secret: { given: ORDERS, arn: ORDERS, name: 'prod/db/orders' } },
  'RotationSucceeded.json': { kind: 'secret-service-event', eventName: 'RotationSucceeded', time: '2026-11-02T04:13:02.000Z' },
  'RotationFailed.json': { kind: 'secret-service-event', eventName: 'RotationFailed', secret: { given: REPORTING, arn: REPORTING, name: 'prod/db/reporting' },
    errorMessage: expect.stringContaining('during setSecret step') as unknown as string, actor: { invokedBy: 'secretsmanager.amazonaws.com', accountId: ACCOUNT } },
  'RotationAbandoned.json': { kind: 'secret-service-event', eventName: 'RotationAbandoned', secret: { given: ORDERS, arn: ORDERS, name: 'prod/db/orders' } },
  'StartSecretVersionDelete.json': { kind: 'secret-service-event', eventName: 'StartSecretVersionDelete', time: '2026-11-09T09:14:09.000Z' },
  'CancelSecretVersionDelete.json': { kind: 'secret-service-event', eventName: 'CancelSecretVersionDelete' },
  'EndSecretVersionDelete.json': { kind: 'secret-service-event', eventName: 'EndSecretVersionDelete', secret: { given: REPORTING, arn: REPORTING, name: 'prod/db/reporting' } },
  'ScheduleKeyDeletion.json': { kind: 'key-api-call', source: 'aws.kms', eventName: 'ScheduleKeyDeletion', secret: null,
    key: { given: KEY_ID, arn: KEY_ARN, id: KEY_ID, multiRegion: false }, request: { pendingWindowInDays: 7, keyState: 'PendingDeletion', deletionDate: '2026-11-09T09:14:07.000Z' } },
  'ScheduleKeyDeletion-multi-region.json': { kind: 'key-api-call', eventName: 'ScheduleKeyDeletion',
    key: { id: 'mrk-1234abcd12ab34cd56ef1234567890ab', multiRegion: true, arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab` },
    request: { pendingWindowInDays: 30, deletionDate: '2026-12-02T18:58:30.000Z' } },
  'DeleteImportedKeyMaterial.json': { kind: 'key-api-call', eventName: 'DeleteImportedKeyMaterial', secret: null, key: { given: KEY_ID, arn: KEY_ARN, id: KEY_ID }, request: {} },
  'DisableKey.json': { kind: 'key-api-call', eventName: 'DisableKey', key: { given: 'alias/prod-secrets', alias: 'alias/prod-secrets', arn: KEY_ARN, id: KEY_ID }, request: {} },
  'CancelKeyDeletion.json': { kind: 'key-api-call', eventName: 'CancelKeyDeletion', key: { arn: KEY_ARN, id: KEY_ID } },
  'EnableKey.json': { kind: 'key-api-call', eventName: 'EnableKey', key: { given: KEY_ID, arn: KEY_ARN } },
};

function check(event: unknown, expected: Expected | { ignored: string }) {
  if ('ignored' in expected) {
    expect(event).toMatchObject({ kind: 'ignored', reason: expected.ignored });
    return;
  }
  const { secret, actor, key, ...rest } = expected;
  const source = rest.kind === 'key-api-call' ? 'aws.kms' : 'aws.secretsmanager';
  expect(event).toMatchObject({ account: ACCOUNT, region: 'us-east-1', readOnly: false, source, kind: 'secret-api-call', ...rest });
  const e = event as SecretEvent;
  expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
  if (secret === null) expect(e.secret).toBeUndefined();
  else if (secret) expect(e.secret).toEqual(secret);
  if (actor) expect(e.actor).toMatchObject(actor);
  if (key) expect(e.key).toMatchObject(key);
  if (!('errorCode' in rest)) expect(e.errorCode).toBeUndefined();
}

describe('normalising the recorded EventBridge fixtures', () => {
  it('has an expectation for every fixture in events/eventbridge', () => {
    expect(fixtureFiles('eventbridge').map((f) => f.replace('eventbridge/', ''))).toEqual(Object.keys(eventBridge).sort());
  });

  it.each(Object.entries(eventBridge))('reads %s', (file, expected) => {
    const batch = normaliseInput(loadFixture(`eventbridge/${file}`));
    expect(batch.invalid).toEqual([]);
    expect(batch.records).toHaveLength(1);
    check(batch.records[0], expected);
  });

  it('never carries the hidden secret string, even as a request field', () => {
    for (const file of fixtureFiles('eventbridge')) {
      expect(JSON.stringify(normaliseInput(loadFixture(file)))).not.toContain('HIDDEN_DUE_TO_SECURITY_REASONS');
    }
  });
});

describe('normalising CloudTrail records and log files', () => {
  it('reads a bare CloudTrail record', () => {
    const [event] = normaliseInput(loadFixture('cloudtrail/DeleteSecret-record.json')).records;
    check(event, { eventName: 'DeleteSecret', time: '2026-11-03T02:11:45.000Z', secret: { given: arn('legacy/ftp', 'Lk78Jh'), arn: arn('legacy/ftp', 'Lk78Jh'), name: 'legacy/ftp' },
      request: { forceDeleteWithoutRecovery: true, deletionDate: '2026-11-03T02:11:45.000Z' }, actor: { arn: BOB } });
  });

  it.each(['cloudtrail/mixed-log.json', 'cloudtrail/mixed-log.json.gz'])('reads every record of %s, ignoring what vigil does not watch', (file) => {
    const batch = normaliseInput(loadFixture(file));
    expect(batch.invalid).toEqual([]);
    expect(batch.records.map((r) => (r.kind === 'ignored' ? `ignored ${r.eventName}: ${r.reason}` : `${r.eventName} ${r.time}`))).toEqual([
      'CreateSecret 2026-11-03T01:00:00.000Z',
      'PutResourcePolicy 2026-11-03T01:05:12.441Z',
      "ignored Decrypt: Decrypt does not change a key's state",
      'ignored DescribeInstances: event source ec2.amazonaws.com is not watched by vigil',
      'ignored GetSecretValue: GetSecretValue is read-only',
      'RotationFailed 2026-11-03T04:12:33.000Z',
      'DisableKey 2026-11-03T05:00:00.000Z',
      'DeleteSecret 2026-11-03T02:11:45.000Z',
    ]);
  });

  it('reads a JSON array mixing EventBridge events and bare records', () => {
    const batch = normaliseInput(loadFixture('cloudtrail/mixed-records-array.json'));
    expect(batch.records.map((r) => r.kind !== 'ignored' && `${r.eventName}:${r.secret?.name}`)).toEqual([
      'DeleteSecret:prod/api/payments-key',
      'DeleteSecret:legacy/ftp',
      'RotationFailed:prod/db/reporting',
    ]);
  });

  it('keeps reading a log file past a malformed record, and says which one it was', () => {
    const log = loadFixture<{ Records: Record<string, unknown>[] }>('cloudtrail/mixed-log.json');
    delete log.Records[1]?.['eventID'];
    const batch = normaliseInput(log);
    expect(batch.records).toHaveLength(7);
    expect(batch.invalid.map((e) => e.message)).toEqual([expect.stringMatching(/^Records\[1\]\.eventID: expected string/)]);
  });
});

describe('normalising AWS Config rule invocations', () => {
  it('decodes a change notification with its configuration item and rule parameters', () => {
    const [invocation] = normaliseInput(loadFixture('config/ConfigurationItemChangeNotification.json')).configInvocations;
    expect(invocation).toMatchObject({
      messageType: 'ConfigurationItemChangeNotification',
      configRuleName: 'vigil-rotation-enabled',
      accountId: ACCOUNT,
      eventLeftScope: false,
      ruleParameters: { controlId: 'rotation-enabled' },
      notificationCreationTime: '2026-11-02T09:20:16.711Z',
      configurationItem: { resourceType: 'AWS::SecretsManager::Secret', resourceId: ORDERS, configurationItemStatus: 'OK', configuration: { KMSKeyId: KEY_ARN, RotationOccurringAsScheduled: true } },
    });
  });

  it('decodes an oversized notification to the item summary it carries', () => {
    const [invocation] = normaliseInput(loadFixture('config/OversizedConfigurationItemChangeNotification.json')).configInvocations;
    expect(invocation?.configurationItem).toBeUndefined();
    expect(invocation?.configurationItemSummary).toMatchObject({ resourceId: ORDERS, resourceType: 'AWS::SecretsManager::Secret' });
  });

  it('decodes a scheduled notification, which names no resource', () => {
    const [invocation] = normaliseInput(loadFixture('config/ScheduledNotification.json')).configInvocations;
    expect(invocation).toMatchObject({ messageType: 'ScheduledNotification', ruleParameters: { controlId: 'unused' }, notificationCreationTime: '2026-11-02T00:00:03.112Z' });
  });

  it('reads a deleted resource that left the rule scope', () => {
    const [invocation] = normaliseInput(loadFixture('config/ConfigurationItemChangeNotification-deleted.json')).configInvocations;
    expect(invocation).toMatchObject({ eventLeftScope: true, configurationItem: { configurationItemStatus: 'ResourceDeleted', configuration: null } });
  });

  it('takes an empty ruleParameters string as no parameters', () => {
    const [invocation] = normaliseInput(loadFixture('config/ConfigurationItemChangeNotification-schedule-expression.json')).configInvocations;
    expect(invocation?.ruleParameters).toEqual({});
    expect(invocation?.configurationItem?.configuration).toMatchObject({ RotationRules: { RotationScheduleExpression: 'cron(0 4 ? * SUN *)' } });
  });
});
