import { createServer, request, type Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOnEventHandler } from '../../functions/on-event.js';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { loadFixture } from '../helpers/fixtures.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

const ACCOUNT = '123456789012';
const UNDER_KEY = 230;
let emulator: Emulator;
let proxy: Server;
let proxyEndpoint: string;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
let dlqUrl: string;
let keyArn: string;
/** The Secrets Manager and KMS operations the handler called, by X-Amz-Target. */
let calls: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  // Between the handler and the emulator: counts each call, so the test sees what the KMS path reads.
  const target = new URL(emulator.endpoint);
  proxy = createServer((req, res) => {
    const operation = req.headers['x-amz-target'];
    if (typeof operation === 'string') calls.push(operation);
    const forward = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  proxyEndpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const kms = kmsClient(aws);
  keyArn = (await kms.send(new CreateKeyCommand({ Description: 'protects many secrets' }))).KeyMetadata?.Arn as string;
  const otherKey = (await kms.send(new CreateKeyCommand({ Description: 'another key' }))).KeyMetadata?.Arn as string;
  const sm = secretsManagerClient(aws);
  for (let i = 0; i < UNDER_KEY + 20; i++) {
    await sm.send(new CreateSecretCommand({ Name: `app/${String(i).padStart(3, '0')}/credentials`, SecretString: 'not-read', KmsKeyId: i < UNDER_KEY ? keyArn : otherKey }));
  }
  await new DynamoDBClient({ ...aws }).send(new CreateTableCommand({ TableName: 'vigil-idempotency', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
  topic = await topicWithSubscriber(aws, 'vigil-kms-alerts');
  dlqUrl = (await sqsClient(aws).send(new CreateQueueCommand({ QueueName: 'vigil-kms-dlq' }))).QueueUrl as string;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await emulator?.stop();
});

beforeEach(() => {
  calls = [];
});

function handler() {
  return createOnEventHandler({
    env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_DLQ_URL: dlqUrl, VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency' },
    aws: (region) => ({ ...emulator.aws(region), endpoint: proxyEndpoint }),
    sleep: async () => undefined,
  });
}

function keyEvent(fixture: string, id: string) {
  const keyId = keyArn.split('/').pop() as string;
  const text = JSON.stringify(loadFixture(`eventbridge/${fixture}`))
    .replaceAll('arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d', keyArn)
    .replaceAll('0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d', keyId)
    .replaceAll('alias/prod-secrets', keyId)
    .replaceAll('111122223333', ACCOUNT);
  const event = JSON.parse(text) as { id: string; detail: { eventID: string } };
  event.id = `eb-${id}`;
  event.detail.eventID = `ct-${id}`;
  return event;
}

describe('a KMS event in a region of many secrets', () => {
  it('finds the secrets under the key from ListSecrets pages alone, with no policy read per secret', async () => {
    const result = await handler()(keyEvent('DisableKey.json', 'disable-many'), { getRemainingTimeInMillis: () => 60_000 });
    expect(result.deliveries.map((d) => d.outcome)).toEqual(['published']);
    const [received] = await topic.receive();
    expect(received?.Subject).toBe(`[CRITICAL] KMS key disabled: ${UNDER_KEY} secrets at risk (${ACCOUNT} us-east-1)`);
    expect(calls.filter((c) => c.startsWith('secretsmanager.'))).toEqual(['secretsmanager.ListSecrets', 'secretsmanager.ListSecrets', 'secretsmanager.ListSecrets']);
  });

  it('alerts when a key loses its imported key material, like a disabled key', async () => {
    const result = await handler()(keyEvent('DeleteImportedKeyMaterial.json', 'material-1'), { getRemainingTimeInMillis: () => 60_000 });
    expect(result.deliveries.map((d) => d.outcome)).toEqual(['published']);
    const [received] = await topic.receive();
    expect(received?.Subject).toBe(`[CRITICAL] KMS key material deleted: ${UNDER_KEY} secrets at risk (${ACCOUNT} us-east-1)`);
    expect(received?.MessageAttributes).toMatchObject({ kind: { Value: 'kms-key-material-deleted' }, severity: { Value: 'CRITICAL' } });
    const alert = (JSON.parse(received?.Message ?? '{}') as { alert: { message: string } }).alert;
    expect(alert.message).toContain('app/000/credentials');
    expect(alert.message).not.toContain('app/249/credentials');
    expect(alert.message).toContain('aws kms import-key-material');
  });

  it("finds the secrets that name the key by an alias, through the key's aliases (kms:ListAliases)", async () => {
    const aws = emulator.aws();
    const key = (await kmsClient(aws).send(new CreateKeyCommand({ Description: 'named by alias' }))).KeyMetadata;
    await kmsClient(aws).send(new CreateAliasCommand({ AliasName: 'alias/team-secrets', TargetKeyId: key?.KeyId }));
    for (const name of ['team/a', 'team/b']) await secretsManagerClient(aws).send(new CreateSecretCommand({ Name: name, SecretString: 'not-read', KmsKeyId: 'alias/team-secrets' }));
    const event = keyEvent('DisableKey.json', 'disable-by-alias');
    const text = JSON.stringify(event).replaceAll(keyArn, key?.Arn as string).replaceAll(keyArn.split('/').pop() as string, key?.KeyId as string);
    const result = await handler()(JSON.parse(text) as typeof event, { getRemainingTimeInMillis: () => 60_000 });
    expect(result.deliveries.map((d) => d.outcome)).toEqual(['published']);
    const [received] = await topic.receive();
    expect(received?.Subject).toBe(`[CRITICAL] KMS key disabled: 2 secrets at risk (${ACCOUNT} us-east-1)`);
    expect(calls).toContain('TrentService.ListAliases');
  });
});
