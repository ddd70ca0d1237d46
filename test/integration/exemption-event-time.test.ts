import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, PutResourcePolicyCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnEventHandler } from '../../functions/on-event.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { createStateTable } from '../../src/state/index.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { loadFixture } from '../helpers/fixtures.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

// The event Lambda reads a secret some time after its event; an exemption tag it finds then may have been set after the
// event, and must not hold back that event's alert. Exemptions the state store knew before the event still hold.
const ACCOUNT = '123456789012';
const NOW = Math.floor(Date.now() / 1000);
const UNTIL = new Date((NOW + 30 * 86_400) * 1000).toISOString().slice(0, 10);
const EXEMPT = { Key: 'vigil:exempt:no-untrusted-cross-account', Value: `${UNTIL} partner onboarding` };
const SHARED = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:role/partner-reader' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
const lambda = { getRemainingTimeInMillis: () => 600_000 };
let emulator: Emulator;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
let dlqUrl: string;
let tables = 0;

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  topic = await topicWithSubscriber(aws, 'vigil-alerts');
  dlqUrl = (await sqsClient(aws).send(new CreateQueueCommand({ QueueName: 'vigil-dlq' }))).QueueUrl as string;
  await new DynamoDBClient({ ...aws }).send(new CreateTableCommand({ TableName: 'vigil-idempotency', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
});

afterAll(async () => {
  await emulator?.stop();
});

function eventAt(fixture: string, secret: { arn: string; name: string }, at: number, request: Record<string, unknown>) {
  const text = JSON.stringify(loadFixture(`eventbridge/${fixture}`)).replaceAll('arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab', secret.arn).replaceAll('prod/db/orders', secret.name);
  const event = JSON.parse(text.replaceAll('111122223333', ACCOUNT)) as { id: string; time: string; detail: { eventID: string; eventTime: string; requestParameters: Record<string, unknown> } };
  event.id = `eb-${secret.name}-${fixture}-${at}`;
  event.detail.eventID = `ct-${secret.name}-${fixture}-${at}`;
  event.time = event.detail.eventTime = new Date(at * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  event.detail.requestParameters = { ...event.detail.requestParameters, secretId: secret.arn, ...request };
  return event;
}

/**
 * A secret is shared with another account at NOW + 60 (`before` tags it first, as vigil's store learns at NOW; `after`
 * tags it between the event and the Lambda's read at NOW + 120). Returns the subjects of the alerts on-call gets.
 */
async function paged(name: string, tags: { before?: typeof EXEMPT; after?: typeof EXEMPT }, env: Record<string, string>): Promise<string[]> {
  const sm = secretsManagerClient(emulator.aws());
  const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'placeholder', Tags: [{ Key: 'team', Value: 'orders' }, ...(tags.before ? [tags.before] : [])] }));
  const secret = { arn: created.ARN as string, name };
  const table = `vigil-state-${++tables}`;
  await createStateTable(new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 }), table);
  const handler = (clock: number) =>
    createOnEventHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_DLQ_URL: dlqUrl, VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency', VIGIL_STATE_TABLE: table, ...env }, aws: (r) => emulator.aws(r), sleep: async () => undefined, clock: () => clock });
  // vigil learns the secret as it is at NOW (a tag change it re-judges).
  await handler(NOW)(eventAt('TagResource.json', secret, NOW, { tags: [{ key: 'team', value: 'orders' }] }), lambda);
  await topic.receive();
  await sm.send(new PutResourcePolicyCommand({ SecretId: secret.arn, ResourcePolicy: SHARED }));
  if (tags.after) await sm.send(new TagResourceCommand({ SecretId: secret.arn, Tags: [tags.after] }));
  expect(await handler(NOW + 120)(eventAt('PutResourcePolicy-cross-account.json', secret, NOW + 60, { resourcePolicy: SHARED }), lambda)).toMatchObject({ status: 'decided' });
  return (await topic.receive()).map((n) => n.Subject ?? '');
}

// With remediation on, the Lambda reads the secret live after a PutResourcePolicy (for the tags that opt into lockdown).
const LIVE_READ = { VIGIL_REMEDIATION: 'true' };

describe('the event Lambda judges an exemption as of the event time', () => {
  it('alerts a cross-account share though an exemption tag, set after the share, is on the secret when the Lambda reads it', async () => {
    const subjects = await paged('prod/orders/late-exempt', { after: EXEMPT }, LIVE_READ);
    expect(subjects).toContainEqual(expect.stringMatching(/^\[HIGH\] prod\/orders\/late-exempt now fails no-untrusted-cross-account/));
  });

  it('holds the alert back for an exemption vigil knew before the event', async () => {
    const subjects = await paged('prod/orders/known-exempt', { before: EXEMPT }, LIVE_READ);
    expect(subjects.filter((s) => s.includes('no-untrusted-cross-account'))).toEqual([]);
  });

  it('judges the same without remediation, where the policy is taken from the event and the tags from the store', async () => {
    expect(await paged('prod/orders/late-exempt-2', { after: EXEMPT }, {})).toContainEqual(expect.stringContaining('now fails no-untrusted-cross-account'));
    expect((await paged('prod/orders/known-exempt-2', { before: EXEMPT }, {})).filter((s) => s.includes('no-untrusted-cross-account'))).toEqual([]);
  });
});
