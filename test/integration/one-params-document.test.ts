import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, PutResourcePolicyCommand, RotateSecretCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfigRuleHandler } from '../../functions/config-rule.js';
import { createOnEventHandler } from '../../functions/on-event.js';
import { createSweepHandler } from '../../functions/sweep.js';
import { eventBridgeClient } from '../../src/aws/clients/eventbridge.js';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { s3Client } from '../../src/aws/clients/s3.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { COMPLIANCE } from '../../src/config/index.js';
import { listControls } from '../../src/controls/index.js';
import { DEFAULT_PARAMS } from '../../src/controls/params.js';
import { expandJsonReport, type JsonReport } from '../../src/reports/index.js';
import { createStateTable } from '../../src/state/index.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { loadFixture } from '../helpers/fixtures.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

// The sweep Lambda, the event Lambda and the Config rule Lambda, each deployed with the same VIGIL_PARAMS, judge one secret.
const ACCOUNT = '123456789012';
const PARTNER = '222233334444';
const NOW = Math.floor(Date.now() / 1000);
let emulator: Emulator;
let secretArn: string;
let params: Record<string, unknown>;
let topicArn: string;
let compliance: { url: string; arn: string };
const lambda = { getRemainingTimeInMillis: () => 600_000 };

async function queue(name: string) {
  const sqs = sqsClient(emulator.aws());
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'] as string;
  return { url, arn };
}

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  const kms = kmsClient(aws);
  const used = (await kms.send(new CreateKeyCommand({ Description: 'the key the secret uses' }))).KeyMetadata?.Arn as string;
  const allowed = (await kms.send(new CreateKeyCommand({ Description: 'the only key the params allow' }))).KeyMetadata?.Arn as string;
  const sm = secretsManagerClient(aws);
  secretArn = (await sm.send(new CreateSecretCommand({ Name: 'prod/orders/db', SecretString: 'placeholder', KmsKeyId: used, Tags: [{ Key: 'team', Value: 'orders' }] }))).ARN as string;
  await sm.send(new RotateSecretCommand({ SecretId: secretArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
  await sm.send(new PutResourcePolicyCommand({ SecretId: secretArn, ResourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] }) }));
  // Every one of these differs from the default, and changes a verdict.
  params = { requiredTagKeys: ['team', 'owner'], allowedKmsKeyArns: [allowed], maxRotationIntervalDays: 7, trustedAccounts: [PARTNER] };

  await s3Client(aws).send(new CreateBucketCommand({ Bucket: 'vigil-reports' }));
  topicArn = (await topicWithSubscriber(aws, 'vigil-alerts')).topicArn;
  await new DynamoDBClient({ ...aws }).send(new CreateTableCommand({ TableName: 'vigil-idempotency', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
  await createStateTable(new DynamoDBClient({ ...aws }), 'vigil-sweep-state');
  compliance = await queue('compliance-subscriber');
  const events = eventBridgeClient(aws);
  await events.send(new PutRuleCommand({ Name: 'vigil-compliance', EventPattern: JSON.stringify({ source: ['vigil'], 'detail-type': ['vigil Compliance Change'] }) }));
  await events.send(new PutTargetsCommand({ Rule: 'vigil-compliance', Targets: [{ Id: 'queue', Arn: compliance.arn }] }));
});

afterAll(async () => {
  await emulator?.stop();
});

/** Each control's status for the secret, as the sweep Lambda's report says. */
async function judgedBySweep(env: Record<string, string>): Promise<Record<string, string>> {
  const sweep = createSweepHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_REPORT_BUCKET: 'vigil-reports', VIGIL_ALERT_TOPIC_ARN: topicArn, VIGIL_STATE_TABLE: 'vigil-sweep-state', ...env }, aws: (r) => emulator.aws(r), clock: () => NOW, invokeSelf: async () => undefined });
  const result = await sweep(undefined, lambda);
  expect(result.status).toBe('completed');
  const answer = await s3Client(emulator.aws()).send(new GetObjectCommand({ Bucket: 'vigil-reports', Key: `reports/${ACCOUNT}/us-east-1/latest/report.json` }));
  const report = expandJsonReport(JSON.parse((await answer.Body?.transformToString()) ?? '') as JsonReport);
  return Object.fromEntries(report.findings.filter((f) => f.resource.arn === secretArn).map((f) => [f.controlId, f.status]));
}

/** Each control's status for the secret, as its Config rule reports it to Config. */
async function judgedByConfig(env: Record<string, string>): Promise<Record<string, string>> {
  const rule = createConfigRuleHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_CONFIG_TEST_MODE: 'true', ...env }, aws: (r) => emulator.aws(r) });
  const raw = loadFixture<Record<string, unknown> & { invokingEvent: string }>('config/ScheduledNotification.json');
  const invokingEvent = JSON.stringify({ ...(JSON.parse(raw.invokingEvent) as object), awsAccountId: ACCOUNT, notificationCreationTime: new Date(NOW * 1000).toISOString() });
  const judged: Record<string, string> = {};
  for (const { id } of await listControls()) {
    const result = await rule({ ...raw, accountId: ACCOUNT, invokingEvent, ruleParameters: JSON.stringify({ controlId: id }) });
    const evaluation = result.evaluations.find((e) => e.ComplianceResourceId === secretArn);
    judged[id] = Object.entries(COMPLIANCE).find(([, type]) => type === evaluation?.ComplianceType)?.[0] ?? `no evaluation (${result.rejected ?? ''})`;
  }
  return judged;
}

/** The controls the secret fails, as the event Lambda tells EventBridge after a tag change (every control re-judged). */
async function failingByEventLambda(env: Record<string, string>, id: string): Promise<string[]> {
  const onEvent = createOnEventHandler({
    env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topicArn, VIGIL_DLQ_URL: compliance.url, VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency', ...env },
    aws: (r) => emulator.aws(r),
    sleep: async () => undefined,
  });
  await secretsManagerClient(emulator.aws()).send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: 'team', Value: 'orders' }] }));
  const event = JSON.parse(JSON.stringify(loadFixture('eventbridge/TagResource.json')).replaceAll('111122223333', ACCOUNT)) as { id: string; time: string; detail: { eventID: string; eventTime: string; requestParameters: Record<string, unknown> } };
  event.id = `eb-${id}`;
  event.detail.eventID = `ct-${id}`;
  event.time = event.detail.eventTime = new Date(NOW * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  event.detail.requestParameters = { secretId: secretArn, tags: [{ key: 'team', value: 'orders' }] };
  expect(await onEvent(event, lambda)).toMatchObject({ status: 'decided' });
  const failing: string[] = [];
  for (;;) {
    const batch = await sqsClient(emulator.aws()).send(new ReceiveMessageCommand({ QueueUrl: compliance.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!batch.Messages?.length) return failing.sort();
    for (const m of batch.Messages) {
      const detail = (JSON.parse(m.Body as string) as { detail: { resourceId: string; controlId: string; newStatus: string; cause: { eventId: string } } }).detail;
      if (detail.resourceId === secretArn && detail.newStatus === 'FAIL' && detail.cause.eventId === `ct-${id}`) failing.push(detail.controlId);
    }
  }
}

const failingOf = (judged: Record<string, string>) => Object.keys(judged).filter((c) => judged[c] === 'FAIL').sort();

describe('one params document for every vigil Lambda', () => {
  it('makes the sweep, the event Lambda and the Config rules judge one secret the same under non-default parameters', async () => {
    const env = { VIGIL_PARAMS: JSON.stringify(params) };
    const bySweep = await judgedBySweep(env);
    expect(await judgedByConfig(env)).toEqual(bySweep);
    expect(await failingByEventLambda(env, 'tagged-1')).toEqual(failingOf(bySweep));
    // The parameters were applied, not the defaults: each one turned a verdict.
    expect(bySweep).toMatchObject({ 'required-tags': 'FAIL', 'customer-managed-key': 'FAIL', 'rotation-enabled': 'FAIL', 'no-untrusted-cross-account': 'PASS' });
  });

  it('judges differently with the defaults, so the agreement above is not the defaults agreeing', async () => {
    expect(DEFAULT_PARAMS.requiredTagKeys).toEqual([]);
    const bySweep = await judgedBySweep({});
    expect(bySweep).toMatchObject({ 'required-tags': 'NOT_APPLICABLE', 'customer-managed-key': 'PASS', 'rotation-enabled': 'PASS', 'no-untrusted-cross-account': 'FAIL' });
    expect(await judgedByConfig({})).toEqual(bySweep);
    expect(await failingByEventLambda({}, 'tagged-2')).toEqual(failingOf(bySweep));
  });
});
