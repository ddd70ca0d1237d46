import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, DeleteSecretCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuditHandler } from '../../functions/audit.js';
import { eventBridgeClient } from '../../src/aws/clients/eventbridge.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { clientConfig, type AwsOptions } from '../../src/aws/clients.js';
import { DynamoStateStore, createStateTable, type AuditItem } from '../../src/state/index.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { secretState } from '../helpers/state.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';
import { T0, readRecord } from './traffic.js';

const ACCOUNT = '123456789012';
let emulator: Emulator;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
let readQueue: { url: string; arn: string };
let dlqUrl: string;
let decoyArn: string;

async function queue(name: string) {
  const sqs = sqsClient({ ...emulator.aws(), maxAttempts: 1 });
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'] as string;
  return { url, arn };
}

/** What Lambda's SQS poller would hand the function: the queue's messages as one batch. */
async function pollBatch(url: string): Promise<SQSEvent> {
  const records: SQSEvent['Records'] = [];
  for (;;) {
    const answer = await sqsClient({ ...emulator.aws(), maxAttempts: 1 }).send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!answer.Messages?.length) return { Records: records };
    for (const m of answer.Messages) records.push({ messageId: m.MessageId as string, receiptHandle: m.ReceiptHandle as string, body: m.Body as string, attributes: {} as SQSEvent['Records'][number]['attributes'], messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: readQueue.arn, awsRegion: 'us-east-1' });
  }
}

function handler(stateStore?: (tableName: string, aws: AwsOptions) => DynamoStateStore) {
  const run = createAuditHandler({
    env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_DLQ_URL: dlqUrl, VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency', VIGIL_STATE_TABLE: 'vigil-state' },
    aws: (region) => ({ ...emulator.aws(region), maxAttempts: 1 }),
    sleep: async () => undefined,
    ...(stateStore ? { stateStore } : {}),
  });
  // Lambda hands every invocation its context; the idempotency records use its remaining time.
  return (event: SQSEvent) => run(event, { getRemainingTimeInMillis: () => 300_000 });
}

/** A read as EventBridge delivers it: CloudTrail's record in an "AWS API Call via CloudTrail" envelope. */
function envelope(record: Record<string, unknown>) {
  return { Source: 'aws.secretsmanager', DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(record) };
}

/** The state table as two invocations running at once see it: neither saves a window before both have loaded theirs. */
class InterleavedStore extends DynamoStateStore {
  static loads = 0;
  static conflicts = 0;
  private static release: () => void = () => undefined;
  private static bothLoaded = new Promise<void>((resolve) => (InterleavedStore.release = resolve));

  override async getAuditItems(keys: readonly string[]): Promise<Map<string, AuditItem>> {
    const items = await super.getAuditItems(keys);
    if (++InterleavedStore.loads === 2) InterleavedStore.release();
    return items;
  }

  override async putAuditItem(key: string, item: unknown, expectedVersion: number | null): Promise<'written' | 'conflict'> {
    await InterleavedStore.bothLoaded;
    const outcome = await super.putAuditItem(key, item, expectedVersion);
    if (outcome === 'conflict') InterleavedStore.conflicts++;
    return outcome;
  }
}

/** A table where another batch saves this principal's window between every load and save of this one. */
class ContendedStore extends DynamoStateStore {
  constructor(
    tableName: string,
    aws: AwsOptions,
    private readonly contended: string,
  ) {
    super(tableName, new DynamoDBClient(clientConfig(aws)));
  }

  override async putAuditItem(key: string, item: unknown, expectedVersion: number | null): Promise<'written' | 'conflict'> {
    if (key === `WINDOW#${this.contended}`) {
      const stored = (await this.getAuditItems([key])).get(key);
      await super.putAuditItem(key, stored?.item ?? { principal: this.contended, reads: {}, denials: {}, pending: {} }, stored?.version ?? null);
    }
    return super.putAuditItem(key, item, expectedVersion);
  }
}

/** The function stops (a timeout, a crash) once it has saved the windows, before their alerts go out. */
class CrashingStore extends DynamoStateStore {
  override async updateReaders(): Promise<never> {
    throw new Error('the function timed out');
  }
}

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = { ...emulator.aws(), maxAttempts: 1 };
  const db = new DynamoDBClient(aws);
  await db.send(new CreateTableCommand({ TableName: 'vigil-idempotency', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
  await createStateTable(db, 'vigil-state');
  topic = await topicWithSubscriber(aws, 'vigil-alerts');
  dlqUrl = (await queue('vigil-audit-dlq')).url;
  readQueue = await queue('vigil-reads');
  const events = eventBridgeClient(aws);
  await events.send(new PutRuleCommand({ Name: 'vigil-reads', EventPattern: JSON.stringify({ source: ['aws.secretsmanager'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventName: ['GetSecretValue', 'BatchGetSecretValue'] } }) }));
  await events.send(new PutTargetsCommand({ Rule: 'vigil-reads', Targets: [{ Id: 'queue', Arn: readQueue.arn }] }));
  decoyArn = (await secretsManagerClient(aws).send(new CreateSecretCommand({ Name: 'prod/decoy/admin-db', SecretString: 'decoy', Tags: [{ Key: 'vigil:honeytoken', Value: 'true' }] }))).ARN as string;
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
});

describe('the audit Lambda', () => {
  it('takes reads from EventBridge through SQS, keeps baselines in DynamoDB and alerts on-call through SNS', async () => {
    const events = eventBridgeClient({ ...emulator.aws(), maxAttempts: 1 });
    const theft = Array.from({ length: 12 }, (_, i) => readRecord('GetSecretValue-iam-user.json', { time: T0 + i * 2000, secretId: `prod/app${String(i).padStart(2, '0')}/config`, account: ACCOUNT }));
    const honeytoken = readRecord('GetSecretValue-iam-user.json', { time: T0 + 30_000, secretId: 'prod/decoy/admin-db', account: ACCOUNT });
    for (let i = 0; i < theft.length; i += 10) await events.send(new PutEventsCommand({ Entries: theft.slice(i, i + 10).map(envelope) }));
    await events.send(new PutEventsCommand({ Entries: [envelope(honeytoken)] }));

    const batch = await pollBatch(readQueue.url);
    expect(batch.Records).toHaveLength(13);
    const result = await handler()(batch);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.detections.map((d) => d.kind).sort()).toEqual(['bulk-retrieval', 'honeytoken-read']);

    const alerts = await topic.receive();
    expect(alerts).toHaveLength(2);
    expect(alerts.some((a) => a.Subject?.includes('bulk-retrieval'))).toBe(true);
    const critical = alerts.find((a) => a.Subject?.includes('honeytoken-read'));
    expect(critical?.MessageAttributes?.['severity']?.Value).toBe('CRITICAL');
    const body = JSON.parse(critical?.Message as string) as { alert: { message: string; secretArn: string } };
    expect(body.alert.secretArn).toBe(decoyArn);
    expect(body.alert.message).toContain('What to do now:');
    expect(body.alert.message).toContain('203.0.113.77');

    const store = DynamoStateStore.fromOptions('vigil-state', { ...emulator.aws(), maxAttempts: 1 });
    const reader = await store.getReader(decoyArn, `arn:aws:iam::${ACCOUNT}:user/ci/deploy-bot`);
    expect(reader).toMatchObject({ reads: 1, denied: 0, sourceIps: ['203.0.113.77'] });
  });

  it('counts a burst split across two batches as one, its window carried in the state table', async () => {
    const reads = Array.from({ length: 10 }, (_, i) => readRecord('GetSecretValue-root.json', { time: T0 + 3_600_000 + i * 1000, secretId: `prod/app${String(i + 10).padStart(2, '0')}/config` }));
    const sqs = sqsClient({ ...emulator.aws(), maxAttempts: 1 });
    const run = handler();
    for (const r of reads.slice(0, 5)) await sqs.send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(r) }));
    const first = await run(await pollBatch(readQueue.url));
    expect(first.detections.map((d) => d.kind)).toEqual(['root-read']);
    for (const r of reads.slice(5)) await sqs.send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(r) }));
    const second = await run(await pollBatch(readQueue.url));
    const bulk = second.detections.find((d) => d.kind === 'bulk-retrieval');
    expect(bulk?.secretArns).toHaveLength(10);
    const published = await topic.receive();
    // Root reads alert once per batch they appear in; the burst once, naming all ten.
    expect(published.map((a) => a.MessageAttributes?.['kind']?.Value).sort()).toEqual(['bulk-retrieval', 'root-read', 'root-read']);
  });

  it('counts a read once when SQS delivers its batch again, and when the log file in S3 repeats what EventBridge brought', async () => {
    const { CreateBucketCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { s3Client } = await import('../../src/aws/clients/s3.js');
    const { gzipSync } = await import('node:zlib');
    const reads = Array.from({ length: 3 }, (_, i) => readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + 7_200_000 + i * 1000, secretId: 'prod/payments/db', account: ACCOUNT }));
    const sqs = sqsClient({ ...emulator.aws(), maxAttempts: 1 });
    for (const r of reads) await sqs.send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify({ 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.secretsmanager', detail: r }) }));
    const batch = await pollBatch(readQueue.url);
    const run = handler();
    expect((await run(batch)).reads).toBe(3);
    // The function ran to the end but its answer was lost: SQS hands the same batch over again.
    const again = await run(batch);
    expect(again.reads).toBe(0);
    // CloudTrail's log file of those minutes carries the same records, and backfill reads it.
    const s3 = s3Client({ ...emulator.aws(), maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'redelivery-trail' }));
    await s3.send(new PutObjectCommand({ Bucket: 'redelivery-trail', Key: 'AWSLogs/log.json.gz', Body: gzipSync(JSON.stringify({ Records: reads })) }));
    const notification = { Records: [{ eventSource: 'aws:s3', s3: { bucket: { name: 'redelivery-trail' }, object: { key: 'AWSLogs/log.json.gz' } } }] };
    const fromS3 = await run({ Records: [{ ...(batch.Records[0] as SQSEvent['Records'][number]), messageId: 's3-note', body: JSON.stringify(notification) }] });
    expect(fromS3.reads).toBe(0);
    const store = DynamoStateStore.fromOptions('vigil-state', { ...emulator.aws(), maxAttempts: 1 });
    const principal = `arn:aws:iam::${ACCOUNT}:role/service/payments-api`;
    const written = await store.getReaders('prod/payments/db');
    const window = (await store.getAuditItems([`WINDOW#${principal}`])).get(`WINDOW#${principal}`)?.item as { pending: Record<string, { reads: number }> };
    // What the reader holds, written or still pending in the principal's window: three reads.
    const total = written.filter((r) => r.principal === principal).reduce((n, r) => n + r.reads, 0) + (window.pending['prod/payments/db']?.reads ?? 0);
    expect(total).toBe(3);
  });

  it('finds one burst split across two batches judged at once, and loses none of their reads', async () => {
    const principal = `arn:aws:iam::${ACCOUNT}:user/ci/deploy-bot`;
    const start = T0 + 5 * 3_600_000;
    const name = (i: number) => `prod/split${String(i).padStart(2, '0')}/config`;
    // Ten distinct secrets in a minute: six in one batch, five in the other, the first secret in both.
    const first = [0, 1, 2, 3, 4, 5].map((i) => readRecord('GetSecretValue-iam-user.json', { time: start + i * 2000, secretId: name(i), account: ACCOUNT }));
    const second = [0, 6, 7, 8, 9].map((i, n) => readRecord('GetSecretValue-iam-user.json', { time: start + n * 2000 + 1000, secretId: name(i), account: ACCOUNT }));
    const sqs = sqsClient({ ...emulator.aws(), maxAttempts: 1 });
    for (const r of first) await sqs.send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(r) }));
    const batchA = await pollBatch(readQueue.url);
    for (const r of second) await sqs.send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(r) }));
    const batchB = await pollBatch(readQueue.url);
    const interleaved = (tableName: string, aws: AwsOptions) => new InterleavedStore(tableName, new DynamoDBClient(clientConfig(aws)));

    const [a, b] = await Promise.all([handler(interleaved)(batchA), handler(interleaved)(batchB)]);

    expect(InterleavedStore.conflicts).toBe(1);
    expect([...a.batchItemFailures, ...b.batchItemFailures]).toEqual([]);
    expect(a.reads + b.reads).toBe(11);
    const bursts = [...a.detections, ...b.detections].filter((d) => d.kind === 'bulk-retrieval');
    expect(bursts).toHaveLength(1);
    expect(bursts[0]?.secretArns).toHaveLength(10);
    expect((await topic.receive()).map((m) => m.MessageAttributes?.['kind']?.Value)).toEqual(['bulk-retrieval']);
    const store = DynamoStateStore.fromOptions('vigil-state', { ...emulator.aws(), maxAttempts: 1 });
    const window = (await store.getAuditItems([`WINDOW#${principal}`])).get(`WINDOW#${principal}`)?.item as { pending: Record<string, { reads: number }>; recent: Record<string, number> };
    const readsOf = async (secret: string) => ((await store.getReader(secret, principal))?.reads ?? 0) + (window.pending[secret]?.reads ?? 0);
    expect(await readsOf(name(0))).toBe(2);
    expect((await Promise.all(Array.from({ length: 10 }, (_, i) => readsOf(name(i))))).reduce((x, y) => x + y, 0)).toBe(11);
    expect(Object.values(window.recent).filter((t) => t * 1000 >= start)).toHaveLength(11);
  });

  it('hands back the messages of a principal whose window stays contended, and judges them once when SQS delivers them again', async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/service/payments-api`;
    const start = T0 + 6 * 3_600_000;
    const decoy = readRecord('GetSecretValue-assumed-role-vpce.json', { time: start, secretId: 'prod/decoy/admin-db', account: ACCOUNT });
    const root = readRecord('GetSecretValue-root.json', { time: start + 1000, secretId: 'prod/contended/config', account: ACCOUNT });
    const sqs = sqsClient({ ...emulator.aws(), maxAttempts: 1 });
    for (const r of [decoy, root]) await sqs.send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(r) }));
    const batch = await pollBatch(readQueue.url);
    const decoyMessage = batch.Records.find((m) => m.body.includes('prod/decoy/admin-db'));

    const contended = await handler((tableName, aws) => new ContendedStore(tableName, aws, role))(batch);

    expect(contended.batchItemFailures).toEqual([{ itemIdentifier: decoyMessage?.messageId }]);
    expect(contended.detections.map((d) => d.kind)).toEqual(['root-read']);
    expect((await topic.receive()).map((m) => m.MessageAttributes?.['kind']?.Value)).toEqual(['root-read']);
    const redelivered = await handler()({ Records: batch.Records.filter((m) => m.messageId === decoyMessage?.messageId) });
    expect(redelivered.reads).toBe(1);
    expect((await topic.receive()).map((m) => m.MessageAttributes?.['kind']?.Value)).toEqual(['honeytoken-read']);
    const store = DynamoStateStore.fromOptions('vigil-state', { ...emulator.aws(), maxAttempts: 1 });
    expect(await store.getReader(decoyArn, role)).toMatchObject({ reads: 1 });
  });

  it('sends the alerts of a window saved just before the function stopped when SQS delivers the batch again, and once', async () => {
    const principal = `arn:aws:iam::${ACCOUNT}:user/ci/deploy-bot`;
    const read = readRecord('GetSecretValue-iam-user.json', { time: T0 + 7 * 3_600_000, secretId: 'prod/decoy/admin-db', account: ACCOUNT });
    await sqsClient({ ...emulator.aws(), maxAttempts: 1 }).send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(read) }));
    const batch = await pollBatch(readQueue.url);
    const crashing = (tableName: string, aws: AwsOptions) => new CrashingStore(tableName, new DynamoDBClient(clientConfig(aws)));

    await expect(handler(crashing)(batch)).rejects.toThrow('the function timed out');
    expect(await topic.receive()).toEqual([]);

    const again = await handler()(batch);
    expect(again.reads).toBe(0);
    expect((await topic.receive()).map((m) => m.MessageAttributes?.['kind']?.Value)).toEqual(['honeytoken-read']);
    const store = DynamoStateStore.fromOptions('vigil-state', { ...emulator.aws(), maxAttempts: 1 });
    expect(((await store.getAuditItems([`WINDOW#${principal}`])).get(`WINDOW#${principal}`)?.item as { unsent?: unknown[] }).unsent).toBeUndefined();
    await handler()(batch);
    expect(await topic.receive()).toEqual([]);
  });

  it('reads a CloudTrail log file from an S3 notification (backfill), and parks unreadable input in the DLQ', async () => {
    const { CreateBucketCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { s3Client } = await import('../../src/aws/clients/s3.js');
    const { gzipSync } = await import('node:zlib');
    const s3 = s3Client({ ...emulator.aws(), maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'org-trail' }));
    const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/111122223333_CloudTrail_us-east-1_20261101T0000Z_abc.json.gz';
    await s3.send(new PutObjectCommand({ Bucket: 'org-trail', Key: key, Body: gzipSync(JSON.stringify({ Records: [readRecord('GetSecretValue-cross-account.json', { time: T0 })] })) }));
    const notification = { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'org-trail' }, object: { key: encodeURIComponent(key) } } }] };
    const message = (body: string, id: string) => ({ messageId: id, receiptHandle: id, body, attributes: {} as SQSEvent['Records'][number]['attributes'], messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: readQueue.arn, awsRegion: 'us-east-1' });
    const result = await handler()({ Records: [message(JSON.stringify(notification), 'm1'), message('not json', 'm2')] });
    expect(result.detections.map((d) => d.kind)).toEqual(['new-reader-account']);
    expect(result.rejected).toBe(1);
    expect(result.batchItemFailures).toEqual([]);
    const parked = await sqsClient({ ...emulator.aws(), maxAttempts: 1 }).send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    const bodies = (parked.Messages ?? []).map((m) => JSON.parse(m.Body as string) as { messageId?: string; problems?: string[] });
    expect(bodies.find((b) => b.messageId === 'm2')?.problems).toEqual(['body: not JSON']);
  });

  it('learns baselines from a trail bucket\'s old log files that vigil audit backfill enqueues, leaving out files older than --days', async () => {
    const { CreateBucketCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { s3Client } = await import('../../src/aws/clients/s3.js');
    const { gzipSync } = await import('node:zlib');
    const { runCli } = await import('../helpers/cli.js');
    const s3 = s3Client({ ...emulator.aws(), maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'archive-trail' }));
    // runCli's clock is 2026-11-23: 2 and 53 days back are within --days 90, 114 days back is not. An organisation trail's layout.
    const files = [['2026/11/21', '555566667777'], ['2026/10/01', '666677778888'], ['2026/08/01', '777788889999']] as const;
    for (const [day, account] of files) {
      const key = `AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-1/${day}/111122223333_CloudTrail_us-east-1_${day.replaceAll('/', '')}T0000Z_x.json.gz`;
      // The fixture's reader is a role of 444455556666: each file's is a role of another account.
      const record = JSON.parse(JSON.stringify(readRecord('GetSecretValue-cross-account.json', { time: `${day.replaceAll('/', '-')}T10:00:00Z` })).replaceAll('444455556666', account)) as Record<string, unknown>;
      await s3.send(new PutObjectCommand({ Bucket: 'archive-trail', Key: key, Body: gzipSync(JSON.stringify({ Records: [record] })) }));
    }
    const backfillQueue = await queue('vigil-backfill-reads');
    const run = await runCli(['audit', 'backfill', '--bucket', 'archive-trail', '--days', '90', '--queue-url', backfillQueue.url, '--endpoint-url', emulator.endpoint, '--region', 'us-east-1']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^enqueued 2 CloudTrail log files /);
    const result = await handler()(await pollBatch(backfillQueue.url));
    expect(result.reads).toBe(2);
    const store = new DynamoStateStore('vigil-state', new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 }));
    const readers = await store.getReaders('arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/payments/db-Ab12Cd');
    const accounts = readers.map((r) => r.principalAccount);
    expect(accounts).toEqual(expect.arrayContaining(['555566667777', '666677778888']));
    expect(accounts).not.toContain('777788889999');
    expect(readers.find((r) => r.principalAccount === '666677778888')?.firstSeen).toBe(Date.parse('2026-10-01T10:00:00Z') / 1000);
  });

  it('keeps a reader under the secret\'s ARN when the application reads it by name or partial ARN', async () => {
    const sm = secretsManagerClient({ ...emulator.aws(), maxAttempts: 1 });
    const arn = (await sm.send(new CreateSecretCommand({ Name: 'prod/orders/db', SecretString: 'x' }))).ARN as string;
    // A secret whose name starts with the other's: the name filter is a prefix match, and only the exact name counts.
    await sm.send(new CreateSecretCommand({ Name: 'prod/orders/db-replica', SecretString: 'x' }));
    const partial = arn.slice(0, arn.lastIndexOf('-'));
    const reads = [
      readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + 9_000_000, secretId: 'prod/orders/db', account: ACCOUNT }),
      readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + 9_001_000, secretId: partial, account: ACCOUNT }),
      readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + 9_002_000, secretId: 'prod/never/created', account: ACCOUNT }),
    ];
    const sqs = sqsClient({ ...emulator.aws(), maxAttempts: 1 });
    for (const r of reads) await sqs.send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(r) }));
    expect((await handler()(await pollBatch(readQueue.url))).reads).toBe(3);

    const store = DynamoStateStore.fromOptions('vigil-state', { ...emulator.aws(), maxAttempts: 1 });
    const principal = `arn:aws:iam::${ACCOUNT}:role/service/payments-api`;
    const window = (await store.getAuditItems([`WINDOW#${principal}`])).get(`WINDOW#${principal}`)?.item as { pending: Record<string, { reads: number }> };
    const readsOf = async (secret: string) => (await store.getReaders(secret)).filter((r) => r.principal === principal).reduce((n, r) => n + r.reads, 0) + (window.pending[secret]?.reads ?? 0);
    expect(await readsOf(arn)).toBe(2);
    expect(await readsOf('prod/orders/db')).toBe(0);
    // A name no secret has stays as called, so the read is not lost.
    expect(await readsOf('prod/never/created')).toBe(1);
  });

  it('keeps a reader under the secret\'s ARN when it is read by a partial ARN whose name ends like a suffix (prod/stripe-secret)', async () => {
    const sm = secretsManagerClient({ ...emulator.aws(), maxAttempts: 1 });
    const arn = (await sm.send(new CreateSecretCommand({ Name: 'prod/stripe-secret', SecretString: 'x' }))).ARN as string;
    // The name ends in a hyphen and six letters: the partial ARN reads like a full ARN of prod/stripe.
    const partial = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/stripe-secret`;
    const read = readRecord('GetSecretValue-cross-account.json', { time: T0 + 11_000_000, secretId: partial, account: ACCOUNT });
    await sqsClient({ ...emulator.aws(), maxAttempts: 1 }).send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(read) }));

    const result = await handler()(await pollBatch(readQueue.url));

    expect(result.detections).toMatchObject([{ kind: 'new-reader-account', secretArns: [arn] }]);
    // Earlier tests' backfills left their alerts on the topic too.
    const alerted = (await topic.receive()).map((m) => JSON.parse(m.Message as string) as { alert: { kind: string; secretArn: string } });
    expect(alerted.map((a) => a.alert)).toContainEqual(expect.objectContaining({ kind: 'new-reader-account', secretArn: arn }));
    const store = DynamoStateStore.fromOptions('vigil-state', { ...emulator.aws(), maxAttempts: 1 });
    const principal = 'arn:aws:iam::444455556666:role/partner-sync';
    expect(await store.getReader(arn, principal)).toMatchObject({ reads: 1, principalAccount: '444455556666' });
    expect(await store.getReaders(partial)).toEqual([]);
  });

  it('asks ListSecrets nothing for a read by the full ARN of a secret the state table holds, and finds the secret of exactly that ARN of one it does not', async () => {
    const sm = secretsManagerClient({ ...emulator.aws(), maxAttempts: 1 });
    const swept = (await sm.send(new CreateSecretCommand({ Name: 'prod/ledger/db', SecretString: 'x' }))).ARN as string;
    const unswept = (await sm.send(new CreateSecretCommand({ Name: 'prod/ledger/cache', SecretString: 'x' }))).ARN as string;
    // A look-alike: a secret named as the unswept one's ARN ends (prod/ledger/cache-AbCdEf). Secrets Manager reads the full
    // ARN as the secret of that ARN, so must vigil.
    const lookAlike = (await sm.send(new CreateSecretCommand({ Name: unswept.slice(unswept.indexOf(':secret:') + ':secret:'.length), SecretString: 'x' }))).ARN as string;
    const store = DynamoStateStore.fromOptions('vigil-state', { ...emulator.aws(), maxAttempts: 1 });
    await store.putSecret({ arn: swept, state: secretState({ name: 'prod/ledger/db', arn: swept }), statuses: {}, observedAt: 1, lastChangedDate: null, readAt: 1, dirty: false, version: 0 });
    const sqs = sqsClient({ ...emulator.aws(), maxAttempts: 1 });
    for (const [i, arn] of [swept, unswept].entries()) await sqs.send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + 12_000_000 + i * 1000, secretId: arn, account: ACCOUNT })) }));
    const send = vi.spyOn(SecretsManagerClient.prototype, 'send');

    try {
      expect((await handler()(await pollBatch(readQueue.url))).reads).toBe(2);
      const byName = send.mock.calls.map(([command]) => command).filter((c) => c instanceof ListSecretsCommand && c.input.Filters?.[0]?.Key === 'name');
      // One filter by the name without the suffix finds both: the exact ARN is picked.
      expect(byName.map((c) => (c as ListSecretsCommand).input.Filters?.[0]?.Values)).toEqual([['prod/ledger/cache']]);
    } finally {
      send.mockRestore();
    }
    const principal = `arn:aws:iam::${ACCOUNT}:role/service/payments-api`;
    expect(await store.getReader(swept, principal)).toMatchObject({ reads: 1 });
    expect(await store.getReader(unswept, principal)).toMatchObject({ reads: 1 });
    expect(await store.getReader(lookAlike, principal)).toBeUndefined();
  });

  it('finds a honeytoken made under the name of a deleted secret once the refresh interval has passed', async () => {
    const aws = { ...emulator.aws(), maxAttempts: 1 };
    const sm = secretsManagerClient(aws);
    await sm.send(new CreateSecretCommand({ Name: 'prod/legacy/admin', SecretString: 'x' }));
    let now = 0;
    const run = createAuditHandler({
      env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_DLQ_URL: dlqUrl, VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency', VIGIL_STATE_TABLE: 'vigil-state', VIGIL_HONEYTOKEN_REFRESH_SECONDS: '300' },
      aws: () => aws,
      sleep: async () => undefined,
      clock: () => now,
    });
    const read = (i: number) => readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + 10_000_000 + i * 1000, secretId: 'prod/legacy/admin', account: ACCOUNT });
    const sqs = sqsClient(aws);
    await sqs.send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(read(0)) }));
    expect((await run(await pollBatch(readQueue.url), { getRemainingTimeInMillis: () => 300_000 })).detections).toEqual([]);
    // The secret goes, and a decoy takes its name (its ARN is another).
    await sm.send(new DeleteSecretCommand({ SecretId: 'prod/legacy/admin', ForceDeleteWithoutRecovery: true }));
    const decoy = (await sm.send(new CreateSecretCommand({ Name: 'prod/legacy/admin', SecretString: 'decoy', Tags: [{ Key: 'vigil:honeytoken', Value: 'true' }] }))).ARN as string;
    now += 301_000;
    await sqs.send(new SendMessageCommand({ QueueUrl: readQueue.url, MessageBody: JSON.stringify(read(1)) }));
    const result = await run(await pollBatch(readQueue.url), { getRemainingTimeInMillis: () => 300_000 });
    expect(result.detections.map((d) => [d.kind, d.secretArns])).toEqual([['honeytoken-read', [decoy]]]);
    await topic.receive();
  });
});
