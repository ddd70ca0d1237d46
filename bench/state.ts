import { CreateTableCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand, TagResourceCommand, UntagResourceCommand, UpdateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import { createOnEventHandler } from '../functions/on-event.js';
import { kmsClient } from '../src/aws/clients/kms.js';
import { logger } from '../src/aws/logger.js';
import { secretsManagerClient } from '../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../src/aws/clients/sqs.js';
import { DEFAULT_PARAMS, evaluateSecrets } from '../src/controls/index.js';
import { startEmulator, type Emulator } from '../src/demo/emulator.js';
import { loadEventFixture, retarget } from '../src/demo/incident.js';
import { topicWithSubscriber } from '../src/demo/subscriber.js';
import { readInventory, readSecret, rememberSweep } from '../src/inventory/index.js';
import type { SecretState } from '../src/model/index.js';
import { DynamoStateStore, FileStateStore, createStateTable, recordFromSweep, type StateStore } from '../src/state/index.js';
import type { Metric } from './metrics.js';

const ACCOUNT = '123456789012';
const SWEPT = 1000;
const KEY_SECRETS = 10_000;

/** The state store's figures (issue 17), against the emulator. */
export async function benchState(): Promise<Metric[]> {
  const emulator = await startEmulator();
  try {
    return [await incrementalSweep(emulator), ...(await reactions(emulator))];
  } finally {
    await emulator.stop();
  }
}

/** 1,000 secrets swept once into the store; 2% change; the second sweep's Secrets Manager and KMS calls per secret. */
async function incrementalSweep(emulator: Emulator): Promise<Metric> {
  const aws = { ...emulator.aws(), maxAttempts: 3 };
  const sm = secretsManagerClient(aws);
  const limit = pLimit(8);
  const arns = await Promise.all(Array.from({ length: SWEPT }, (_, i) => limit(async () => (await sm.send(new CreateSecretCommand({ Name: `bench-state/${i}`, SecretString: 'bench' }))).ARN as string)));
  const store = await FileStateStore.open();
  const sweep = async () => {
    const inventory = await readInventory({ secretsManager: sm, kms: kmsClient(aws), store, policyRatePerSecond: 100_000 });
    await rememberSweep(store, inventory, await evaluateSecrets(inventory.states, { now: Date.now() / 1000, params: DEFAULT_PARAMS }), Date.now() / 1000);
    return inventory;
  };
  await sweep();
  // LastChangedDate has one-second precision.
  await new Promise((r) => setTimeout(r, 1100));
  const changed = arns.filter((_, i) => i % 50 === 0);
  for (const arn of changed) await sm.send(new UpdateSecretCommand({ SecretId: arn, Description: 'changed since the last sweep' }));
  const second = await sweep();
  const calls = second.apiCalls.listSecrets + second.apiCalls.getResourcePolicy + second.apiCalls.describeKey;
  return { metric: 'sweep.incremental_api_calls_per_secret', value: calls / second.states.length, unit: `calls/secret, ${changed.length} of ${second.states.length} changed (ListSecrets pages included; ${second.memory?.fresh.size ?? 0} read fresh)`, target: { op: '<=', value: 0.1 } };
}

const lambdaContext = { getRemainingTimeInMillis: () => 60_000 };

/** A region of 10,000 secrets under one key, as a sweep leaves them in the store. */
async function fillKeyRegion(store: StateStore, keyArn: string): Promise<void> {
  const limit = pLimit(8);
  await Promise.all(
    Array.from({ length: KEY_SECRETS }, (_, i) =>
      limit(async () => {
        const arn = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:bench-kms/${i}-AbCdEf`;
        const state = { arn, name: `bench-kms/${i}`, account: ACCOUNT, region: 'us-east-1', createdAt: 0, lastAccessedAt: null, lastRotatedAt: null, lastChangedAt: 0, nextRotationAt: null, deletedAt: null, rotationEnabled: false, rotationLambdaArn: null, rotationRules: null, rotationOccurringAsScheduled: null, owningService: null, primaryRegion: null, kmsKeyId: keyArn, kmsKey: { arn: keyArn, keyManager: 'CUSTOMER', keyState: 'Enabled' }, tags: {}, resourcePolicy: null, versions: [], unreadable: {} };
        await store.putSecret({ arn, state, statuses: {}, observedAt: 1, lastChangedDate: 0, readAt: 1, dirty: false, version: 0 });
      }),
    ),
  );
  await store.putMeta({ filledAt: 1 });
}

/** Handles one ScheduleKeyDeletion of the key over the filled store; the time end to end and the secrets its alert names. */
async function kmsEvent(handle: ReturnType<typeof createOnEventHandler>, topic: Awaited<ReturnType<typeof topicWithSubscriber>>, key: { arn: string; id: string }, id: string) {
  const event = retarget(loadEventFixture('eventbridge/ScheduleKeyDeletion.json'), { account: ACCOUNT, id, key: { fixtureArn: 'arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d', ...key } });
  const start = performance.now();
  await handle(event, lambdaContext);
  const ms = performance.now() - start;
  const [alert] = await topic.receive();
  return { ms, atRisk: Number(/(\d+) secrets at risk/.exec(alert?.Subject ?? '')?.[1] ?? 0) };
}

async function reactions(emulator: Emulator): Promise<Metric[]> {
  logger.setLogLevel('SILENT');
  const aws = { ...emulator.aws(), maxAttempts: 3 };
  const dynamo = new DynamoDBClient(aws);
  await dynamo.send(new CreateTableCommand({ TableName: 'bench-idem', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
  await createStateTable(dynamo, 'bench-state');
  const dynamoStore = new DynamoStateStore('bench-state', dynamo);
  const topic = await topicWithSubscriber(aws, 'bench-alerts');
  const dlq = (await sqsClient(aws).send(new CreateQueueCommand({ QueueName: 'bench-dlq' }))).QueueUrl as string;
  const env = { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_DLQ_URL: dlq, VIGIL_IDEMPOTENCY_TABLE: 'bench-idem', VIGIL_STATE_TABLE: 'bench-state', VIGIL_PARAMS: JSON.stringify({ requiredTagKeys: ['team', 'owner'] }) };
  const handlerWith = (store: StateStore) => createOnEventHandler({ env, aws: () => aws, sleep: async () => undefined, store });

  const created = (await kmsClient(aws).send(new CreateKeyCommand({}))).KeyMetadata;
  const key = { arn: created?.Arn as string, id: created?.KeyId as string };
  // The key index in a generated store (the local file store, in memory); SNS, KMS and the idempotency table on the emulator.
  const generated = await FileStateStore.open();
  await fillKeyRegion(generated, key.arn);
  const inFile = await kmsEvent(handlerWith(generated), topic, key, 'bench-kms-file');
  // The same key index in moto's DynamoDB. moto answers each Query page by walking every item of the table (all
  // partitions, src: moto/dynamodb/models/table.py Table.query), so its time grows with the table, not the key's secrets.
  await fillKeyRegion(dynamoStore, key.arn);
  const inMoto = await kmsEvent(handlerWith(dynamoStore), topic, key, 'bench-kms-dynamo');
  let pages = 0;
  const queryStart = performance.now();
  for (const name of [key.arn, key.id]) {
    let from: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(new QueryCommand({ TableName: 'bench-state', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `KEY#${name}` } }, ...(from ? { ExclusiveStartKey: from as never } : {}) }));
      pages += 1;
      from = page.LastEvaluatedKey;
    } while (from);
  }
  const queryMs = performance.now() - queryStart;

  // 50 scripted events on secrets with known failures (no rotation, no customer key: a sweep stored them), each describing
  // exactly the call made on the emulator: plain tags, descriptions, and each fifth event a real transition (the owner tag
  // removed, then given back). Every control-failed alert counts.
  const handle = handlerWith(dynamoStore);
  const sm = secretsManagerClient(aws);
  const secrets = await Promise.all(Array.from({ length: 5 }, async (_, i) => ({ name: `bench-seq/${i}`, arn: (await sm.send(new CreateSecretCommand({ Name: `bench-seq/${i}`, SecretString: 'bench', Tags: [{ Key: 'team', Value: 't' }, { Key: 'owner', Value: 'o' }] }))).ARN as string })));
  const sweptAt = Date.parse('2026-12-04T09:00:00Z') / 1000;
  for (const { arn } of secrets) {
    const state = (await readSecret(arn, { secretsManager: sm, kms: kmsClient(aws) })) as SecretState;
    const [findings = []] = await evaluateSecrets([state], { now: sweptAt, params: { ...DEFAULT_PARAMS, requiredTagKeys: ['team', 'owner'] } });
    await dynamoStore.putSecret(recordFromSweep(undefined, state, findings, sweptAt));
  }
  let expected = 0;
  let sent = 0;
  for (let n = 0; n < 50; n += 1) {
    const secret = secrets[n % secrets.length] as { name: string; arn: string };
    const time = new Date(Date.parse('2026-12-04T10:00:00Z') + n * 60_000).toISOString();
    let fixture = 'TagResource.json';
    let request: Record<string, unknown>;
    if (n >= 5 && n % 10 === 5) {
      await sm.send(new UntagResourceCommand({ SecretId: secret.arn, TagKeys: ['owner'] }));
      fixture = 'UntagResource.json';
      request = { secretId: secret.arn, tagKeys: ['owner'] };
      expected += 1;
    } else if (n >= 5 && n % 10 === 0) {
      await sm.send(new TagResourceCommand({ SecretId: secret.arn, Tags: [{ Key: 'owner', Value: 'o' }] }));
      request = { secretId: secret.arn, tags: [{ key: 'owner', value: 'o' }] };
    } else if (n % 3 === 0) {
      await sm.send(new UpdateSecretCommand({ SecretId: secret.arn, Description: `edit ${n}` }));
      fixture = 'UpdateSecret-kms-key.json';
      request = { secretId: secret.arn, description: `edit ${n}` };
    } else {
      await sm.send(new TagResourceCommand({ SecretId: secret.arn, Tags: [{ Key: 'cost-center', Value: `cc-${n}` }] }));
      request = { secretId: secret.arn, tags: [{ key: 'cost-center', value: `cc-${n}` }] };
    }
    const fixtureArn = fixture === 'UntagResource.json' ? 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/reporting-Zx56Cv' : fixture.startsWith('UpdateSecret') ? 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er' : 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab';
    const scripted = retarget(loadEventFixture(`eventbridge/${fixture}`), { account: ACCOUNT, id: `bench-seq-${n}`, time, secret: { fixtureArn, arn: secret.arn, name: secret.name } });
    scripted.detail.requestParameters = request;
    await handle(scripted, lambdaContext);
    sent += (await topic.receive()).filter((a) => a.MessageAttributes?.['kind']?.Value === 'control-failed').length;
  }
  return [
    { metric: 'reaction.kms_event_ms.10k', value: inFile.ms, unit: `ms, ScheduleKeyDeletion over ${KEY_SECRETS} secrets in a generated store (${inFile.atRisk} named at risk), handler end to end on the emulator`, target: { op: '<=', value: 1000 } },
    {
      metric: 'reaction.kms_event_ms.10k.moto_dynamodb',
      value: inMoto.ms,
      unit: `ms, the same over the key index in moto's DynamoDB (${inMoto.atRisk} named at risk); ${Math.round(queryMs)} ms of it its ${pages} Query pages, each walking moto's whole table: DynamoDB's own Query time shows only in a real account`,
    },
    { metric: 'reaction.repeat_alerts', value: sent - expected, unit: `extra alerts over 50 scripted events (${expected} real transitions, ${sent} control-failed alerts sent)`, target: { op: '<=', value: 0 } },
  ];
}
