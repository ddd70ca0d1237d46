import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnEventHandler } from '../../functions/on-event.js';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { DEMO_SECRETS, seedAccount, type SeededAccount } from '../../src/demo/account.js';
import { loadEventFixture, retarget } from '../../src/demo/incident.js';
import { DynamoStateStore, createStateTable, type StateStore } from '../../src/state/index.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { secretState } from '../helpers/state.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

const ACCOUNT = '123456789012';
const FIXTURE_SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab';
let emulator: Emulator;
let seeded: SeededAccount;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
let dlqUrl: string;
let tables = 0;

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  seeded = await seedAccount({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), primary: (r) => ({ secretsManager: secretsManagerClient(emulator.aws(r)) }) }, DEMO_SECRETS, (n) => `value-${n.length}`, ACCOUNT);
  await new DynamoDBClient({ ...aws }).send(new CreateTableCommand({ TableName: 'idem', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
  topic = await topicWithSubscriber(aws, 'vigil-state-alerts');
  dlqUrl = (await sqsClient(aws).send(new CreateQueueCommand({ QueueName: 'vigil-state-dlq' }))).QueueUrl as string;
});

afterAll(async () => {
  await emulator?.stop();
});

/** A handler with its own, empty state table. */
async function withStore(): Promise<{ handle: ReturnType<typeof createOnEventHandler>; store: StateStore }> {
  const table = `vigil-state-${++tables}`;
  const client = new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 });
  await createStateTable(client, table);
  const handle = createOnEventHandler({
    env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_DLQ_URL: dlqUrl, VIGIL_IDEMPOTENCY_TABLE: 'idem', VIGIL_STATE_TABLE: table, VIGIL_PARAMS: JSON.stringify({ requiredTagKeys: ['team', 'owner'] }) },
    aws: (region) => emulator.aws(region),
    sleep: async () => undefined,
    clock: () => Date.parse('2026-12-04T12:00:00Z') / 1000,
  });
  return { handle, store: new DynamoStateStore(table, client) };
}

// Lambda hands every invocation its context; the idempotency records use its remaining time.
const LAMBDA_CONTEXT = { getRemainingTimeInMillis: () => 300_000 };

let ids = 0;
function eventOn(fixture: string, secretName: string, time: string, id = `ct-state-${++ids}`) {
  const arn = seeded.arns[secretName] as string;
  const event = retarget(loadEventFixture(`eventbridge/${fixture}`), { account: ACCOUNT, id, time, secret: { fixtureArn: FIXTURE_SECRET, arn, name: secretName } });
  // The fixture's tag is an exemption, which raises its own exemption-added alert; these tests are about control transitions.
  const request = (event as { detail?: { requestParameters?: { tags?: unknown } } }).detail?.requestParameters;
  if (request?.tags) request.tags = [{ key: 'cost-center', value: 'cc-1234' }];
  return event;
}

/** The secret loses its owner tag, so required-tags turns FAIL (the change the event then reports). */
async function dropOwner(arn: string) {
  await secretsManagerClient(emulator.aws()).send(new UntagResourceCommand({ SecretId: arn, TagKeys: ['owner'] }));
}

// Only control-failed alerts are about transitions (the fixtures' TagResource also adds an exemption tag, alerted on its own).
const controlFailures = async () => (await topic.receive()).filter((n) => n.MessageAttributes?.['kind']?.Value === 'control-failed');
const subjects = async () => (await controlFailures()).map((n) => n.Subject).sort();

describe('the event Lambda with a state store', () => {
  it('alerts a secret\'s known failures once, saying they may predate the event, and never again for tag changes', async () => {
    const { handle } = await withStore();
    const first = await handle(eventOn('TagResource.json', 'prod/ci/npm-token', '2026-12-01T10:00:00Z'), LAMBDA_CONTEXT);
    const sent = await controlFailures();
    expect(sent.map((n) => n.Subject).sort()).toEqual([
      '[LOW] prod/ci/npm-token now fails required-tags (123456789012 us-east-1)',
      '[MEDIUM] prod/ci/npm-token now fails rotation-enabled (123456789012 us-east-1)',
    ]);
    expect(JSON.parse(sent[0]?.Message ?? '{}').alert.message).toContain('vigil had no earlier state of this secret, so this failure may predate the event.');
    expect(first.complianceChanges).toBe(2);

    for (const [i, time] of ['2026-12-01T10:05:00Z', '2026-12-01T10:06:00Z', '2026-12-01T10:07:00Z'].entries()) {
      const again = await handle(eventOn(i % 2 ? 'UntagResource.json' : 'TagResource.json', 'prod/ci/npm-token', time), LAMBDA_CONTEXT);
      expect(again.complianceChanges).toBe(0);
    }
    expect(await subjects()).toEqual([]);
  });

  it('alerts a PASS → FAIL transition once, and reports FAIL → PASS as a compliance change without an alert', async () => {
    const { handle, store } = await withStore();
    const sm = secretsManagerClient(emulator.aws());
    const arn = seeded.arns['prod/orders/db-credentials'] as string;
    await handle(eventOn('TagResource.json', 'prod/orders/db-credentials', '2026-12-01T11:00:00Z'), LAMBDA_CONTEXT);
    await topic.receive();
    expect((await store.getSecret(arn))?.statuses['required-tags']).toBe('PASS');

    await dropOwner(arn);
    const untag = eventOn('UntagResource.json', 'prod/orders/db-credentials', '2026-12-01T11:10:00Z');
    const failed = await handle(untag, LAMBDA_CONTEXT);
    const [alert, ...more] = await controlFailures();
    expect([alert?.Subject, more]).toEqual(['[LOW] prod/orders/db-credentials now fails required-tags (123456789012 us-east-1)', []]);
    expect(JSON.parse(alert?.Message ?? '{}').alert.message).not.toContain('may predate');
    expect(failed.complianceChanges).toBe(1);

    // EventBridge delivers the same event again: decided again, sent never again.
    await handle(structuredClone(untag), LAMBDA_CONTEXT);
    expect(await subjects()).toEqual([]);

    await sm.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'owner', Value: 'orders@example.com' }] }));
    const passed = await handle(eventOn('TagResource.json', 'prod/orders/db-credentials', '2026-12-01T11:20:00Z'), LAMBDA_CONTEXT);
    expect(await subjects()).toEqual([]);
    expect(passed.complianceChanges).toBe(1);
    expect((await store.getSecret(arn))?.statuses['required-tags']).toBe('PASS');
  });

  it('ignores an event older than the stored state: it cannot move the state back in time', async () => {
    const { handle, store } = await withStore();
    const arn = seeded.arns['prod/payments/stripe-api-key'] as string;
    await handle(eventOn('TagResource.json', 'prod/payments/stripe-api-key', '2026-12-02T09:00:00Z'), LAMBDA_CONTEXT);
    await topic.receive();
    const stored = await store.getSecret(arn);
    await secretsManagerClient(emulator.aws()).send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'late', Value: 'yes' }] }));
    const late = await handle(eventOn('TagResource.json', 'prod/payments/stripe-api-key', '2026-12-02T08:00:00Z'), LAMBDA_CONTEXT);
    expect(late).toMatchObject({ status: 'ignored', reason: expect.stringContaining('observed after this event is stored') });
    expect(await store.getSecret(arn)).toEqual(stored);
    expect(await subjects()).toEqual([]);
  });

  it('sends one alert when two events for the same secret race', async () => {
    const { handle, store } = await withStore();
    const arn = seeded.arns['prod/inventory/db-credentials'] as string;
    await handle(eventOn('TagResource.json', 'prod/inventory/db-credentials', '2026-12-03T09:00:00Z'), LAMBDA_CONTEXT);
    await topic.receive();
    await dropOwner(arn);
    await Promise.all([handle(eventOn('UntagResource.json', 'prod/inventory/db-credentials', '2026-12-03T09:01:00Z'), LAMBDA_CONTEXT), handle(eventOn('TagResource.json', 'prod/inventory/db-credentials', '2026-12-03T09:01:01Z'), LAMBDA_CONTEXT)]);
    expect(await subjects()).toEqual(['[LOW] prod/inventory/db-credentials now fails required-tags (123456789012 us-east-1)']);
    expect((await store.getSecret(arn))?.statuses['required-tags']).toBe('FAIL');
  });

  it('finds the secrets of a KMS key in the key index once the store is filled, without listing the region', async () => {
    const { handle, store } = await withStore();
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/9d8c7b6a-0000-4000-8000-00000000abcd';
    // Secrets only the store knows: an alert naming them can only have come from the index.
    for (const name of ['indexed/one', 'indexed/two']) {
      const state = secretState({ name, kmsKeyId: keyArn, kmsKey: { arn: keyArn, keyManager: 'CUSTOMER', keyState: 'Enabled' } });
      await store.putSecret({ arn: state.arn, state, statuses: {}, observedAt: 1, lastChangedDate: 1, readAt: 1, dirty: false, version: 0 });
    }
    await store.putMeta({ filledAt: 1 });
    const event = retarget(loadEventFixture('eventbridge/ScheduleKeyDeletion.json'), { account: ACCOUNT, id: 'ct-key-index-1', key: { fixtureArn: 'arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d', arn: keyArn, id: '9d8c7b6a-0000-4000-8000-00000000abcd' } });
    await handle(event, LAMBDA_CONTEXT);
    const [alert] = await topic.receive();
    expect(alert?.Subject).toBe('[CRITICAL] KMS key scheduled for deletion: 2 secrets at risk (123456789012 us-east-1)');
    expect(JSON.parse(alert?.Message ?? '{}').alert.message).toContain('indexed/two');
  });

  it('falls back to listing the region while the store has never been filled', async () => {
    const { handle } = await withStore();
    const event = retarget(loadEventFixture('eventbridge/DisableKey.json'), { account: ACCOUNT, id: 'ct-key-fallback-1', key: { fixtureArn: 'arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d', arn: seeded.keys.prod, id: seeded.keys.prod.split('/')[1] as string } });
    await handle(event, LAMBDA_CONTEXT);
    const [alert] = await topic.receive();
    expect(alert?.Subject).toBe(`[CRITICAL] KMS key disabled: ${DEMO_SECRETS.filter((s) => s.key === 'prod' && !s.replicaOf).length} secrets at risk (123456789012 us-east-1)`);
  });
});
