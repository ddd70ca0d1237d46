import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverAlert, SNS_MESSAGE_LIMIT_BYTES, snsMessageBytes, renderAlert } from '../../src/alerts/index.js';
import { snsClient } from '../../src/aws/clients/sns.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { normaliseEventBridgeEvent, type SecretEvent } from '../../src/events/index.js';
import type { SecretState } from '../../src/model/index.js';
import { decide, type Decision } from '../../src/reactions/index.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';
import { loadFixture } from '../helpers/fixtures.js';
import { knownSecrets } from '../helpers/replay.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d';
let emulator: Emulator;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
let dlqUrl: string;

beforeAll(async () => {
  emulator = await startEmulator();
  topic = await topicWithSubscriber(emulator.aws(), 'vigil-size-alerts');
  dlqUrl = (await sqsClient(emulator.aws()).send(new CreateQueueCommand({ QueueName: 'vigil-size-dlq' }))).QueueUrl as string;
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
});

/** A public resource policy of over 20 KB: 170 statements, each granting everyone the read. */
function publicPolicy(): string {
  const statements = Array.from({ length: 170 }, (_, i) => ({ Sid: `PublicReadForPartnerIntegrationNumber${i}`, Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }));
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

async function publicPolicyDecision(): Promise<Decision> {
  // prod/db/orders, which the snapshot knows as bounded to its organisation, made public.
  const text = JSON.stringify(loadFixture('eventbridge/PutResourcePolicy-public.json')).replaceAll('prod/api/payments-key-Qw34Er', 'prod/db/orders-Xy12Ab').replaceAll('prod/api/payments-key', 'prod/db/orders');
  const event = JSON.parse(text) as { detail: { requestParameters: { resourcePolicy: string } } };
  event.detail.requestParameters.resourcePolicy = publicPolicy();
  expect(event.detail.requestParameters.resourcePolicy.length).toBeGreaterThan(20_000);
  return decide(normaliseEventBridgeEvent(event) as SecretEvent, { params: DEFAULT_PARAMS, knownSecrets: knownSecrets() });
}

async function keyOfManySecretsDecision(count: number): Promise<Decision> {
  const template = knownSecrets()[0] as SecretState;
  const secrets = Array.from({ length: count }, (_, i): SecretState => {
    const name = `prod/team-${String(i).padStart(4, '0')}/a-rather-long-application-name/database-credentials`;
    return { ...template, name, arn: `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-Ab12Cd`, kmsKeyId: KEY, kmsKey: { arn: KEY, keyManager: 'CUSTOMER', keyState: 'Enabled' } };
  });
  return decide(normaliseEventBridgeEvent(loadFixture('eventbridge/ScheduleKeyDeletion.json')) as SecretEvent, { params: DEFAULT_PARAMS, knownSecrets: secrets });
}

async function publishAll(decision: Decision) {
  const deliveries = [];
  for (const alert of decision.alerts) deliveries.push(await deliverAlert(alert, decision, { sns: snsClient(emulator.aws()), topicArn: topic.topicArn, deadLetter: { sqs: async () => sqsClient(emulator.aws()), queueUrl: dlqUrl }, attempts: 1 }));
  return deliveries;
}

describe('alerts always fit in one SNS message', () => {
  it('publishes the CRITICAL alert of a 20 KB public policy with many statements, within 256 KiB', async () => {
    const decision = await publicPolicyDecision();
    expect(decision.alerts.map((a) => a.kind)).toContain('control-failed');
    for (const alert of decision.alerts) expect(snsMessageBytes(renderAlert(alert, decision))).toBeLessThanOrEqual(SNS_MESSAGE_LIMIT_BYTES);
    expect((await publishAll(decision)).map((d) => d.outcome)).toEqual(decision.alerts.map(() => 'published'));
    const received = await topic.receive();
    expect(received.map((r) => r.Subject)).toContain('[CRITICAL] prod/db/orders now fails no-public-principal (111122223333 us-east-1)');
    const dead = await sqsClient(emulator.aws()).send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    expect(dead.Messages ?? []).toEqual([]);
  });

  it('publishes the alert of a KMS key protecting 2,000 secrets: the first ones named, the count, and where the rest are', async () => {
    const decision = await keyOfManySecretsDecision(2000);
    expect(decision.secretArns).toHaveLength(2000);
    const [alert] = decision.alerts;
    expect(alert?.kind).toBe('kms-key-deletion-scheduled');
    const sns = renderAlert(alert as never, decision);
    expect(snsMessageBytes(sns)).toBeLessThanOrEqual(SNS_MESSAGE_LIMIT_BYTES);
    expect((await publishAll(decision)).map((d) => d.outcome)).toEqual(['published']);
    const [received] = await topic.receive();
    const body = JSON.parse(received?.Message ?? '{}') as { alert: { message: string; details: { secretCount: number; secrets: unknown[] } }; decision?: unknown };
    expect(body.decision).toBeUndefined();
    expect(body.alert.details.secretCount).toBe(2000);
    expect(body.alert.details.secrets.length).toBeLessThan(2000);
    expect(body.alert.message).toContain('prod/team-0000/a-rather-long-application-name/database-credentials');
    expect(body.alert.message).toMatch(/and 1,9\d\d more: vigil replay/);
    const dead = await sqsClient(emulator.aws()).send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    expect(dead.Messages ?? []).toEqual([]);
  });

  it('cuts any alert, however large its text and facts, to fit: the last line of defence', async () => {
    const { alerts: [alert], ...rest } = await keyOfManySecretsDecision(1);
    const huge = { ...(alert as NonNullable<typeof alert>), message: 'ü'.repeat(600_000), details: { list: Array.from({ length: 20_000 }, (_, i) => ({ i, text: 'é'.repeat(300) })), text: '€'.repeat(400_000) } };
    const decision: Decision = { ...rest, alerts: [huge] };
    const sns = renderAlert(huge, decision);
    expect(snsMessageBytes(sns)).toBeLessThanOrEqual(SNS_MESSAGE_LIMIT_BYTES);
    expect(JSON.parse(sns.Message)).toHaveProperty('email', expect.stringMatching(/^ü+\n… [\d,]+ more characters; the full record: vigil replay of event /));
    expect((await publishAll(decision)).map((d) => d.outcome)).toEqual(['published']);
    await topic.receive();
  });
});
