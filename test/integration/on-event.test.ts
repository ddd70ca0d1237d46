import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteSecretCommand, DescribeSecretCommand, GetResourcePolicyCommand, PutResourcePolicyCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnEventHandler } from '../../functions/on-event.js';
import { eventBridgeClient } from '../../src/aws/clients/eventbridge.js';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { DEMO_SECRETS, policyDocument, seedAccount, type SeededAccount } from '../../src/demo/account.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { loadFixture } from '../helpers/fixtures.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

const ACCOUNT = '123456789012';
let emulator: Emulator;
let seeded: SeededAccount;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
let dlqUrl: string;
let complianceQueueUrl: string;
const CANARY = (name: string) => `canary-value-${name.replaceAll('/', '_')}-91xq`;

async function queue(name: string) {
  const sqs = sqsClient(emulator.aws());
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'] as string;
  return { url, arn };
}

async function drain(url: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (;;) {
    const batch = await sqsClient(emulator.aws()).send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
    if (!batch.Messages?.length) return out;
    out.push(...batch.Messages.map((m) => JSON.parse(m.Body as string) as Record<string, unknown>));
    const { DeleteMessageBatchCommand } = await import('@aws-sdk/client-sqs');
    await sqsClient(emulator.aws()).send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: batch.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
  }
}

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  seeded = await seedAccount({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), primary: (r) => ({ secretsManager: secretsManagerClient(emulator.aws(r)) }) }, DEMO_SECRETS, CANARY, ACCOUNT);
  await new DynamoDBClient({ ...aws }).send(new CreateTableCommand({ TableName: 'vigil-idempotency', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
  topic = await topicWithSubscriber(aws, 'vigil-alerts');
  dlqUrl = (await queue('vigil-dlq')).url;
  const compliance = await queue('compliance-subscriber');
  complianceQueueUrl = compliance.url;
  const events = eventBridgeClient(aws);
  await events.send(new PutRuleCommand({ Name: 'vigil-compliance', EventPattern: JSON.stringify({ source: ['vigil'], 'detail-type': ['vigil Compliance Change'] }) }));
  await events.send(new PutTargetsCommand({ Rule: 'vigil-compliance', Targets: [{ Id: 'queue', Arn: compliance.arn }] }));
});

afterAll(async () => {
  await emulator?.stop();
});

/** What the Lambda runtime hands every invocation: the idempotency records are bounded by the time left. */
const lambdaContext = { getRemainingTimeInMillis: () => 60_000 };

function handler(overrides: Record<string, string> = {}) {
  return createOnEventHandler({
    env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_DLQ_URL: dlqUrl, VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency', VIGIL_PARAMS: JSON.stringify({ requiredTagKeys: ['team', 'owner'] }), ...overrides },
    aws: (region) => emulator.aws(region),
    sleep: async () => undefined,
  });
}

/** A recorded fixture, pointed at a secret of the emulator's account, with a fresh event id. */
function eventFor(fixture: string, secretName: string, fixtureSecret: string, id: string): Record<string, unknown> {
  const arn = seeded.arns[secretName] as string;
  let text = JSON.stringify(loadFixture(`eventbridge/${fixture}`));
  text = text.replaceAll(`arn:aws:secretsmanager:us-east-1:111122223333:secret:${fixtureSecret}`, arn).replaceAll('111122223333', ACCOUNT);
  const event = JSON.parse(text) as { id: string; detail: { eventID: string; requestParameters?: Record<string, unknown>; responseElements?: Record<string, unknown> | null } };
  event.id = `eb-${id}`;
  event.detail.eventID = `ct-${id}`;
  if (event.detail.requestParameters && 'secretId' in event.detail.requestParameters) event.detail.requestParameters['secretId'] = arn;
  if (event.detail.requestParameters && 'name' in event.detail.requestParameters) event.detail.requestParameters['name'] = secretName;
  if (event.detail.responseElements && 'name' in event.detail.responseElements) event.detail.responseElements['name'] = secretName;
  return event;
}

describe('the event Lambda against the emulator', () => {
  it('alerts on-call when a secret is scheduled for deletion: subject, attributes and bodies', async () => {
    const result = await handler()(eventFor('DeleteSecret-recovery-window.json', 'prod/orders/db-credentials', 'prod/db/reporting-Zx56Cv', 'delete-1'), lambdaContext);
    expect(result.deliveries.map((d) => d.outcome)).toEqual(['published']);
    const [received, ...more] = await topic.receive();
    expect(more).toEqual([]);
    expect(received?.Subject).toBe('[HIGH] Secret prod/orders/db-credentials scheduled for deletion on 2026-11-09');
    expect(received?.MessageAttributes).toMatchObject({ severity: { Value: 'HIGH' }, kind: { Value: 'secret-deletion-scheduled' }, account: { Value: ACCOUNT }, region: { Value: 'us-east-1' } });
    const body = JSON.parse(received?.Message ?? '{}') as { alert: { kind: string; message: string; details: { restoreCommand: string } } };
    expect(body.alert.kind).toBe('secret-deletion-scheduled');
    expect(body.alert.details.restoreCommand).toBe(`aws secretsmanager restore-secret --secret-id ${seeded.arns['prod/orders/db-credentials']}`);
    expect(body.alert.message).toContain('Who:     arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PlatformAdmin_0123456789abcdef/bob@example.com (AssumedRole) from 203.0.113.24');
  });

  it('alerts once when EventBridge delivers the same event twice', async () => {
    const event = eventFor('DeleteSecret-force.json', 'prod/payments/stripe-api-key', 'prod/api/payments-key-Qw34Er', 'force-1');
    await handler()(event, lambdaContext);
    const second = await handler()(structuredClone(event), lambdaContext);
    expect(second.deliveries.map((d) => d.outcome)).toEqual(['published']);
    const received = await topic.receive();
    expect(received.map((r) => r.Subject)).toEqual(['[CRITICAL] Secret prod/payments/stripe-api-key force-deleted, no recovery (123456789012 us-east-1)']);
  });

  it('puts an alert SNS will not take into the dead-letter queue, once, and loses none', async () => {
    const broken = handler({ VIGIL_ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT}:no-such-topic` });
    const result = await broken(eventFor('RotationFailed.json', 'prod/reports/smtp-password', 'prod/db/reporting-Zx56Cv', 'rotfail-1'), lambdaContext);
    expect(result.deliveries.map((d) => d.outcome)).toEqual(['dead-lettered']);
    const parked = await drain(dlqUrl);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ reason: expect.stringContaining('SNS refused the alert 4 times') });
    expect(JSON.parse(String((parked[0]?.['snsMessage'] as { Message: string }).Message))).toHaveProperty('email');
    expect(await topic.receive()).toEqual([]);
  });

  it('judges a new resource policy from the event, alerts, and tells EventBridge the compliance changed', async () => {
    const result = await handler()(eventFor('PutResourcePolicy-public.json', 'prod/data/redis-auth', 'prod/api/payments-key-Qw34Er', 'public-1'), lambdaContext);
    expect(result.complianceChanges).toBe(2);
    const received = await topic.receive();
    expect(received.map((r) => r.Subject).sort()).toEqual([
      '[CRITICAL] prod/data/redis-auth now fails no-public-principal (123456789012 us-east-1)',
      '[HIGH] prod/data/redis-auth now fails no-untrusted-cross-account (123456789012 us-east-1)',
    ]);
    const changes = (await drain(complianceQueueUrl)) as { 'detail-type': string; source: string; detail: { controlId: string; newStatus: string; oldStatus: null } }[];
    expect(changes.map((c) => [c.source, c['detail-type'], c.detail.controlId, c.detail.newStatus, c.detail.oldStatus]).sort()).toEqual([
      ['vigil', 'vigil Compliance Change', 'no-public-principal', 'FAIL', null],
      ['vigil', 'vigil Compliance Change', 'no-untrusted-cross-account', 'FAIL', null],
    ]);
  });

  it('pages HIGH when a secret is replicated to an untrusted account, judging the link from the event where DescribeSecret does not show it yet', async () => {
    // moto implements no AssociateCrossAccountReplica: the recorded event stands for the call, the live read for the rest.
    const result = await handler()(eventFor('AssociateCrossAccountReplica.json', 'prod/data/redis-auth', 'prod/db/orders-Xy12Ab', 'replica-1'), lambdaContext);
    expect(result.deliveries).toHaveLength(1);
    const received = await topic.receive();
    expect(received.map((r) => r.Subject)).toEqual(['[HIGH] prod/data/redis-auth now replicates to account 999988887777 (123456789012 us-east-1)']);
    const changes = (await drain(complianceQueueUrl)) as { detail: { controlId: string; newStatus: string } }[];
    expect(changes.map((c) => [c.detail.controlId, c.detail.newStatus])).toContainEqual(['no-untrusted-replica', 'FAIL']);
  });

  it('names every secret a disabled key protects', async () => {
    const keyArn = seeded.keys.prod;
    const event = JSON.parse(JSON.stringify(loadFixture('eventbridge/DisableKey.json')).replaceAll('arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d', keyArn).replaceAll('111122223333', ACCOUNT)) as { id: string; detail: { eventID: string } };
    event.id = 'eb-disable-1';
    event.detail.eventID = 'ct-disable-1';
    await handler()(event, lambdaContext);
    const [received] = await topic.receive();
    const onProdKey = DEMO_SECRETS.filter((s) => s.key === 'prod' && !s.replicaOf).length;
    expect(received?.Subject).toBe(`[CRITICAL] KMS key disabled: ${onProdKey} secrets at risk (123456789012 us-east-1)`);
    expect(JSON.parse(received?.Message ?? '{}').alert.message).toContain('prod/orders/db-credentials');
  });

  it('with remediation on, restores a protected secret whose deletion was scheduled, and says so', async () => {
    const sm = secretsManagerClient(emulator.aws());
    const arn = seeded.arns['prod/identity/signing-key'] as string;
    await sm.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'vigil:protect', Value: 'true' }] }));
    await sm.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));
    await handler({ VIGIL_REMEDIATION: 'true' })(eventFor('DeleteSecret-recovery-window.json', 'prod/identity/signing-key', 'prod/db/reporting-Zx56Cv', 'protect-1'), lambdaContext);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: arn }))).DeletedDate).toBeUndefined();
    const subjects = (await topic.receive()).map((r) => r.Subject).sort();
    expect(subjects).toEqual(['[HIGH] Secret prod/identity/signing-key scheduled for deletion on 2026-11-09', '[HIGH] vigil restored prod/identity/signing-key (123456789012 us-east-1)']);
  });

  it('with remediation on, removes a public policy from a secret that opted into lockdown', async () => {
    const sm = secretsManagerClient(emulator.aws());
    const arn = seeded.arns['prod/mobile/push-certificate-password'] as string;
    await sm.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'vigil:lockdown', Value: 'true' }] }));
    await sm.send(new PutResourcePolicyCommand({ SecretId: arn, ResourcePolicy: policyDocument('public', ACCOUNT) }));
    await handler({ VIGIL_REMEDIATION: 'true' })(eventFor('PutResourcePolicy-public.json', 'prod/mobile/push-certificate-password', 'prod/api/payments-key-Qw34Er', 'lockdown-1'), lambdaContext);
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: arn }))).ResourcePolicy).toBeUndefined();
    expect((await topic.receive()).map((r) => r.Subject)).toContain('[HIGH] vigil locked down prod/mobile/push-certificate-password (123456789012 us-east-1)');
    await drain(complianceQueueUrl);
  });

  it('leaves secrets alone when remediation is off, whatever their tags', async () => {
    const sm = secretsManagerClient(emulator.aws());
    const arn = seeded.arns['prod/data/kafka-credentials'] as string;
    await sm.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'vigil:protect', Value: 'true' }] }));
    await sm.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));
    await handler()(eventFor('DeleteSecret-recovery-window.json', 'prod/data/kafka-credentials', 'prod/db/reporting-Zx56Cv', 'noremed-1'), lambdaContext);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: arn }))).DeletedDate).toBeDefined();
    await topic.receive();
  });

  it('reports malformed input once and parks it in the dead-letter queue instead of failing into retries', async () => {
    const event = eventFor('DeleteSecret-recovery-window.json', 'prod/orders/db-credentials', 'prod/db/reporting-Zx56Cv', 'bad-1') as { detail: { requestParameters: Record<string, unknown> } };
    event.detail.requestParameters['secretId'] = 42;
    const result = await handler()(event, lambdaContext);
    expect(result).toMatchObject({ status: 'rejected', reason: 'detail.requestParameters.secretId: expected string, received number' });
    const parked = await drain(dlqUrl);
    expect(parked).toEqual([expect.objectContaining({ reason: 'detail.requestParameters.secretId: expected string, received number' })]);
    expect(await topic.receive()).toEqual([]);
  });

  it('never sends a secret value anywhere', async () => {
    await handler()(eventFor('CreateSecret.json', 'prod/ci/npm-token', 'prod/db/orders-Xy12Ab', 'create-1'), lambdaContext);
    const everything = JSON.stringify([await topic.receive(), await drain(dlqUrl), await drain(complianceQueueUrl)]);
    for (const secret of DEMO_SECRETS) expect(everything).not.toContain(CANARY(secret.name));
  });
});
