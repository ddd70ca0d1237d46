import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, PutResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnEventHandler } from '../../functions/on-event.js';
import { clientConfig } from '../../src/aws/clients.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { createOrganization, inAccount } from '../helpers/organization.js';
import { faultyEndpoint, type FaultyEndpoint } from '../helpers/faulty-endpoint.js';
import { loadFixture } from '../helpers/fixtures.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

// Events forwarded from member accounts to the central bus (deploy/member.yml) keep their own `account` and `region`: the
// event Lambda reads the secret in that account through the member role and judges it with that account's parameters.
// Two members hold the same secret; only one trusts the partner account and drops the `owner` tag requirement.
const PARTNER = '444455556666';
const REGION = 'eu-west-1';
const PARTNER_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PartnerRead', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:role/partner-reader` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });

let emulator: Emulator;
let faulty: FaultyEndpoint;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
let dlqUrl: string;
let members: { payments: string; retail: string; locked: string };
const arns: Record<string, string> = {};

beforeAll(async () => {
  emulator = await startEmulator();
  faulty = await faultyEndpoint(emulator.endpoint);
  const home = emulator.aws();
  members = await createOrganization(emulator, ['payments', 'retail', 'locked']);
  for (const account of [members.payments, members.retail]) {
    const sm = secretsManagerClient(await inAccount(emulator, account, REGION));
    const created = await sm.send(new CreateSecretCommand({ Name: 'app/db', SecretString: 'canary-not-a-value', Tags: [{ Key: 'team', Value: 'data' }] }));
    await sm.send(new PutResourcePolicyCommand({ SecretId: created.ARN, ResourcePolicy: PARTNER_POLICY }));
    arns[account] = created.ARN as string;
  }
  faulty.refuseRoleIn.add(members.locked);
  await new DynamoDBClient(clientConfig(home)).send(new CreateTableCommand({ TableName: 'vigil-idempotency', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
  topic = await topicWithSubscriber(home, 'vigil-alerts');
  dlqUrl = (await sqsClient(home).send(new CreateQueueCommand({ QueueName: 'vigil-dlq' }))).QueueUrl as string;
}, 120_000);

afterAll(async () => {
  await faulty?.stop();
  await emulator?.stop();
});

/** What the Lambda runtime hands every invocation: the idempotency records are bounded by the time left. */
const lambdaContext = { getRemainingTimeInMillis: () => 60_000 };

function handler() {
  const handle = createOnEventHandler({
    env: {
      AWS_REGION: 'us-east-1',
      VIGIL_ALERT_TOPIC_ARN: topic.topicArn,
      VIGIL_DLQ_URL: dlqUrl,
      VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency',
      VIGIL_MEMBER_ROLE_NAME: 'vigil-audit',
      VIGIL_PARAMS: JSON.stringify({ requiredTagKeys: ['team', 'owner'], accounts: { [members.payments]: { requiredTagKeys: ['team'], trustedAccounts: [PARTNER] } } }),
    },
    aws: (region) => ({ ...emulator.aws(region), endpoint: faulty.endpoint }),
    sleep: async () => undefined,
  });
  return (event: unknown) => handle(event, lambdaContext);
}

/** A recorded event as a member account's rule forwards it: its own account and region, its secret's ARN. */
function forwarded(fixture: string, account: string, id: string): Record<string, unknown> {
  const arn = arns[account] ?? `arn:aws:secretsmanager:${REGION}:${account}:secret:app/db-AbCdEf`;
  let text = JSON.stringify(loadFixture(`eventbridge/${fixture}`));
  text = text.replace(/arn:aws:secretsmanager:us-east-1:111122223333:secret:[\w/-]+/g, arn).replaceAll('111122223333', account).replaceAll('us-east-1', REGION);
  const event = JSON.parse(text) as { id: string; detail: { eventID: string; responseElements?: { name?: string } | null } };
  if (event.detail.responseElements?.name) event.detail.responseElements.name = 'app/db';
  event.id = `eb-${id}`;
  event.detail.eventID = `ct-${id}`;
  return event;
}

async function parked(): Promise<{ reason: string; kind?: string }[]> {
  const sqs = sqsClient(emulator.aws());
  const out: { reason: string; kind?: string }[] = [];
  for (;;) {
    const batch = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }));
    if (!batch.Messages?.length) return out;
    for (const m of batch.Messages) out.push({ reason: (JSON.parse(m.Body as string) as { reason: string }).reason, ...(m.MessageAttributes?.['kind']?.StringValue ? { kind: m.MessageAttributes['kind'].StringValue } : {}) });
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: batch.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
  }
}

describe('events forwarded from member accounts', () => {
  it('reads the secret in its own account and judges it with that account’s parameters; the alert names the account and region', async () => {
    for (const account of [members.payments, members.retail]) await handler()(forwarded('UntagResource.json', account, `untag-${account}`));
    const subjects = (await topic.receive()).map((r) => r.Subject).filter((s) => s?.includes('required-tags'));
    // retail inherits the organisation's required tags (team, owner); payments requires only team.
    expect(subjects).toEqual([`[LOW] app/db now fails required-tags (${members.retail} ${REGION})`]);
    // The secret was described in each member account, with the member role's credentials, not in the central account.
    const described = faulty.requests.filter((r) => r.action === 'secretsmanager.DescribeSecret').map((r) => r.account);
    expect(described.sort()).toEqual([members.payments, members.retail].sort());
  });

  it('applies an account’s own trusted accounts to a new resource policy', async () => {
    for (const account of [members.payments, members.retail]) await handler()(forwarded('PutResourcePolicy-cross-account.json', account, `policy-${account}`));
    const subjects = (await topic.receive()).map((r) => r.Subject);
    expect(subjects).toEqual([`[HIGH] app/db now fails no-untrusted-cross-account (${members.retail} ${REGION})`]);
  });

  it('parks the event of an account whose role refuses vigil in the alarmed dead-letter queue, with the reason, and alerts nothing', async () => {
    const result = await handler()(forwarded('UntagResource.json', members.locked, 'untag-locked'));
    expect(result.status).toBe('rejected');
    expect(result.reason).toContain(`account ${members.locked} cannot be read: AccessDenied on sts:AssumeRole arn:aws:iam::${members.locked}:role/vigil-audit`);
    expect(await parked()).toEqual([{ reason: result.reason, kind: 'unreadable-account' }]);
    expect(await topic.receive()).toEqual([]);
  });

  it('assumes a member role once per account, not once per event', async () => {
    const before = faulty.requests.filter((r) => r.action === 'AssumeRole').length;
    const judge = handler();
    for (const n of [1, 2, 3]) await judge(forwarded('UntagResource.json', members.retail, `again-${n}`));
    expect(faulty.requests.filter((r) => r.action === 'AssumeRole').length - before).toBe(1);
    await topic.receive();
  });
});
