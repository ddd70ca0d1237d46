import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, DeleteResourcePolicyCommand, PutResourcePolicyCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfigRuleHandler } from '../../functions/config-rule.js';
import { createOnEventHandler } from '../../functions/on-event.js';
import { createSweepHandler } from '../../functions/sweep.js';
import { s3Client } from '../../src/aws/clients/s3.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { expandJsonReport, type JsonReport } from '../../src/reports/index.js';
import { createStateTable } from '../../src/state/index.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { loadFixture } from '../helpers/fixtures.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

// One public secret exempted from the CRITICAL no-public-principal, judged by the sweep, the Config rule and the event Lambda
// under the one params document: the exemption holds only where that document says allowCriticalExemptions.
const ACCOUNT = '123456789012';
const NOW = Math.floor(Date.now() / 1000);
const UNTIL = new Date((NOW + 30 * 86_400) * 1000).toISOString().slice(0, 10);
const TAG = 'vigil:exempt:no-public-principal';
const PUBLIC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
const lambda = { getRemainingTimeInMillis: () => 600_000 };
let emulator: Emulator;
let secretArn: string;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
let dlqUrl: string;

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  const sm = secretsManagerClient(aws);
  secretArn = (await sm.send(new CreateSecretCommand({ Name: 'prod/partner/feed', SecretString: 'placeholder', Tags: [{ Key: TAG, Value: `${UNTIL} partner reads anonymously (TICKET-9)` }] }))).ARN as string;
  await sm.send(new PutResourcePolicyCommand({ SecretId: secretArn, ResourcePolicy: PUBLIC }));
  await s3Client(aws).send(new CreateBucketCommand({ Bucket: 'vigil-reports' }));
  topic = await topicWithSubscriber(aws, 'vigil-alerts');
  dlqUrl = (await sqsClient(aws).send(new CreateQueueCommand({ QueueName: 'vigil-dlq' }))).QueueUrl as string;
  await new DynamoDBClient({ ...aws }).send(new CreateTableCommand({ TableName: 'vigil-idempotency', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
});

afterAll(async () => {
  await emulator?.stop();
});

/** The sweep Lambda's finding for the secret. */
async function sweptExemption(env: Record<string, string>) {
  // A fresh state store each time: the sweep reads every secret, as a first sweep does.
  const table = `vigil-sweep-state-${++tables}`;
  await createStateTable(new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 }), table);
  const sweep = createSweepHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_REPORT_BUCKET: 'vigil-reports', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_STATE_TABLE: table, ...env }, aws: (r) => emulator.aws(r), clock: () => NOW, invokeSelf: async () => undefined });
  expect((await sweep(undefined, lambda)).status).toBe('completed');
  await topic.receive();
  const answer = await s3Client(emulator.aws()).send(new GetObjectCommand({ Bucket: 'vigil-reports', Key: `reports/${ACCOUNT}/us-east-1/latest/report.json` }));
  const report = expandJsonReport(JSON.parse((await answer.Body?.transformToString()) ?? '') as JsonReport);
  return report.findings.find((f) => f.resource.arn === secretArn && f.controlId === 'no-public-principal');
}

async function configAnnotation(env: Record<string, string>) {
  const rule = createConfigRuleHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_CONFIG_TEST_MODE: 'true', ...env }, aws: (r) => emulator.aws(r) });
  const raw = loadFixture<Record<string, unknown> & { invokingEvent: string }>('config/ScheduledNotification.json');
  const invokingEvent = JSON.stringify({ ...(JSON.parse(raw.invokingEvent) as object), awsAccountId: ACCOUNT, notificationCreationTime: new Date(NOW * 1000).toISOString() });
  const result = await rule({ ...raw, accountId: ACCOUNT, invokingEvent, ruleParameters: JSON.stringify({ controlId: 'no-public-principal' }) });
  return result.evaluations.find((e) => e.ComplianceResourceId === secretArn);
}

let tables = 0;

/** A recorded EventBridge event, pointed at the secret, at a time. */
function eventAt(fixture: string, at: number, request: Record<string, unknown>) {
  const text = JSON.stringify(loadFixture(`eventbridge/${fixture}`)).replaceAll('arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er', secretArn).replaceAll('prod/api/payments-key', 'prod/partner/feed');
  const event = JSON.parse(text.replaceAll('111122223333', ACCOUNT)) as { id: string; time: string; detail: { eventID: string; eventTime: string; requestParameters: Record<string, unknown> } };
  event.id = `eb-${fixture}-${at}-${tables}`;
  event.detail.eventID = `ct-${fixture}-${at}-${tables}`;
  event.time = event.detail.eventTime = new Date(at * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  event.detail.requestParameters = { ...event.detail.requestParameters, secretId: secretArn, ...request };
  return event;
}

/**
 * The alerts on-call receives when the event Lambda sees the exempted secret made public. A tag change first has the Lambda
 * store the secret private and exempted, so the exemption is known from before the event, and the event is a transition.
 */
async function pagedWhenMadePublic(env: Record<string, string>): Promise<string[]> {
  const table = `vigil-state-${++tables}`;
  await createStateTable(new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 }), table);
  const handler = (clock: number) => createOnEventHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_DLQ_URL: dlqUrl, VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency', VIGIL_STATE_TABLE: table, ...env }, aws: (r) => emulator.aws(r), sleep: async () => undefined, clock: () => clock });
  const sm = secretsManagerClient(emulator.aws());
  await sm.send(new DeleteResourcePolicyCommand({ SecretId: secretArn }));
  await sm.send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: 'team', Value: 'partner' }] }));
  await handler(NOW)(eventAt('TagResource.json', NOW, { tags: [{ key: 'team', value: 'partner' }] }), lambda);
  await topic.receive();
  await sm.send(new PutResourcePolicyCommand({ SecretId: secretArn, ResourcePolicy: PUBLIC }));
  expect(await handler(NOW + 90)(eventAt('PutResourcePolicy-public.json', NOW + 60, { resourcePolicy: PUBLIC }), lambda)).toMatchObject({ status: 'decided' });
  return (await topic.receive()).map((n) => n.Subject ?? '');
}

describe('allowCriticalExemptions, through the one params document', () => {
  it('by default a CRITICAL control is not exempted, in the sweep, the Config rule and the event Lambda, and the finding says why', async () => {
    expect(await pagedWhenMadePublic({})).toContainEqual(expect.stringMatching(/^\[CRITICAL\] prod\/partner\/feed now fails no-public-principal/));
    expect(await sweptExemption({})).toMatchObject({ status: 'FAIL', exemption: { active: false, tag: TAG, until: UNTIL, note: expect.stringContaining('allowCriticalExemptions is true') } });
    const evaluation = await configAnnotation({});
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(evaluation?.Annotation).not.toContain('Exempted');
  });

  it('with allowCriticalExemptions true the exemption holds in all three', async () => {
    const env = { VIGIL_PARAMS: JSON.stringify({ allowCriticalExemptions: true }) };
    const paged = await pagedWhenMadePublic(env);
    expect(paged.filter((s) => s.includes('no-public-principal'))).toEqual([]);
    // The same policy still fails the control that is not exempted, so the event was judged, not dropped.
    expect(paged).toContainEqual(expect.stringContaining('now fails no-untrusted-cross-account'));
    expect(await sweptExemption(env)).toMatchObject({ status: 'FAIL', exemption: { active: true, until: UNTIL } });
    expect((await configAnnotation(env))?.Annotation).toContain(`Exempted until ${UNTIL}.`);
  });
});
