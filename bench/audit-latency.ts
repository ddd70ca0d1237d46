import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createAuditHandler } from '../functions/audit.js';
import { READ_EVENT_PATTERN } from '../src/audit/index.js';
import { logger } from '../src/aws/logger.js';
import type { AwsOptions } from '../src/aws/clients.js';
import { eventBridgeClient } from '../src/aws/clients/eventbridge.js';
import { secretsManagerClient } from '../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../src/aws/clients/sqs.js';
import { plantHoneytoken } from '../src/cli/honeytoken.js';
import { startEmulator } from '../src/demo/emulator.js';
import { topicWithSubscriber } from '../src/demo/subscriber.js';
import { theftRecords } from '../src/demo/theft.js';
import { createStateTable } from '../src/state/index.js';
import type { Metric } from './metrics.js';

// The bench's batching window. The deployed default (auditBatchingWindow) is 60 s, which would make the bench a minute
// per batch; the latency is the window plus vigil's own work, so a short window measures the same work sooner.
const WINDOW_S = 2;
// The deployed mapping's batch size, and Lambda's payload limit for a synchronous invocation.
const BATCH_SIZE = 10_000;
const PAYLOAD_BYTES = 6 * 1024 * 1024;
// The thief's reads reach the queue this far apart (CloudTrail records them 3 s apart; the bench does not wait that long).
const PACE_MS = 250;
const ACCOUNT = '123456789012';

interface Batch {
  eventIds: Set<string>;
}

interface ReceivedAlert {
  kind: string;
  eventIds: string[];
  at: number;
}

/**
 * `audit.detection_latency_s`: a theft's reads go to the read queue as EventBridge puts them there (the deployed rule's
 * pattern and state, on moto); a poller gathers them as Lambda's SQS event source mapping does (from the first message of a
 * batch until the batching window ends, the batch is full or its payload reaches 6 MB); the audit handler judges each batch
 * in-process; the figure is the longest time from a read's arrival in the queue to its alert in on-call's queue.
 */
export async function benchAuditLatency(): Promise<Metric[]> {
  // The handler logs each batch it judges: the bench prints only its figure.
  logger.setLogLevel('WARN');
  const emulator = await startEmulator();
  try {
    const aws: AwsOptions = { ...emulator.aws(), maxAttempts: 3 };
    const sqs = sqsClient(aws);
    const queue = async (name: string) => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'] as string;
      return { url, arn };
    };
    const db = new DynamoDBClient(aws);
    await db.send(new CreateTableCommand({ TableName: 'vigil-idempotency', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    await createStateTable(db, 'vigil-state');
    const onCall = await topicWithSubscriber(aws, 'vigil-alerts');
    const dlq = await queue('vigil-audit-dlq');
    const reads = await queue('vigil-audit-reads');
    const events = eventBridgeClient(aws);
    await events.send(new PutRuleCommand({ Name: 'vigil-audit-reads', EventPattern: JSON.stringify(READ_EVENT_PATTERN), State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' }));
    await events.send(new PutTargetsCommand({ Rule: 'vigil-audit-reads', Targets: [{ Id: 'audit-queue', Arn: reads.arn }] }));
    const honeytoken = await plantHoneytoken(secretsManagerClient(aws), { name: 'prod/billing/admin-db', region: 'us-east-1', tags: [] });
    const handler = createAuditHandler({
      env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: onCall.topicArn, VIGIL_DLQ_URL: dlq.url, VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency', VIGIL_STATE_TABLE: 'vigil-state' },
      aws: (region) => ({ ...emulator.aws(region), maxAttempts: 3 }),
    });

    const stolen = Array.from({ length: 20 }, (_, i) => `prod/app-${String(i).padStart(2, '0')}/db`);
    const theft = theftRecords({ account: ACCOUNT, start: Date.now(), stolen: [...stolen, honeytoken.arn], ordinary: 'prod/payments/db' });
    const arrived = new Map<string, number>();
    const batches: Batch[] = [];
    const alerts: ReceivedAlert[] = [];
    let sending = true;

    // EventBridge: one PutEvents per record as CloudTrail hands it over. A read's arrival is taken as the call's start:
    // it cannot be in the queue sooner, so the wait is never understated.
    const send = (async () => {
      for (const record of theft) {
        arrived.set(String(record['eventID']), performance.now());
        await events.send(new PutEventsCommand({ Entries: [{ Source: 'aws.secretsmanager', DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(record), Time: new Date(String(record['eventTime'])) }] }));
        await sleep(PACE_MS);
      }
      sending = false;
    })();

    // Lambda's poller: one batch at a time (the real mapping runs several pollers side by side, which only shortens waits).
    const poll = (async () => {
      for (;;) {
        const batch = await gather(sqs, reads.url, () => !sending);
        if (!batch.length) return;
        const event: SQSEvent = { Records: batch.map((m) => sqsRecord(m, reads.arn)) };
        batches.push({ eventIds: new Set(batch.map(eventIdOf)) });
        const result = await handler(event, { getRemainingTimeInMillis: () => 300_000 });
        // What the mapping does with the answer: the messages not reported as failures are deleted.
        const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
        const done = batch.filter((m) => !failed.has(m.MessageId as string));
        for (let i = 0; i < done.length; i += 10) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: reads.url, Entries: done.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle as string })) }));
      }
    })();

    // On-call's queue, subscribed to the alert topic: each alert timed as it arrives.
    let polling = true;
    const watch = (async () => {
      while (polling) {
        const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: onCall.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        const at = performance.now();
        for (const m of answer.Messages ?? []) {
          const body = JSON.parse(JSON.parse(m.Body as string).Message as string) as { alert: { kind: string; details?: { eventIds?: string[] } } };
          alerts.push({ kind: body.alert.kind, eventIds: body.alert.details?.eventIds ?? [], at });
        }
      }
    })();

    await send;
    await poll;
    polling = false;
    await watch;

    // An alert's wait: from the arrival of the earliest of its reads in the batch that raised it (reads of earlier batches
    // only filled its window) to its arrival at on-call.
    const waits = alerts.map((alert) => {
      const batch = [...batches].reverse().find((b) => alert.eventIds.some((id) => b.eventIds.has(id)));
      const arrivals = alert.eventIds.filter((id) => batch?.eventIds.has(id)).map((id) => arrived.get(id) ?? Infinity);
      return { kind: alert.kind, seconds: (alert.at - Math.min(...arrivals)) / 1000 };
    });
    // No alert at all is no latency: the figure is then NaN, which meets no target.
    const worst = waits.length ? Math.max(...waits.map((w) => w.seconds)) : Number.NaN;
    const kinds = [...new Set(waits.map((w) => w.kind))].sort().join(', ');
    return [
      {
        metric: 'audit.detection_latency_s',
        value: worst,
        unit: `s from a read's arrival in the read queue to its alert at on-call's queue, the longest of ${alerts.length} alerts (${kinds || 'none'}) of a theft of ${stolen.length} secrets and a honeytoken, ${theft.length} records ${PACE_MS} ms apart, in ${batches.length} batches; moto, EventBridge rule -> SQS -> a poller gathering as Lambda's mapping does (batching window ${WINDOW_S} s, batch size ${BATCH_SIZE.toLocaleString('en-US')}) -> the audit handler -> SNS; the target is the window + 5 s, and scales with it (the deployed 60 s: 65 s)`,
        target: { op: '<=', value: WINDOW_S + 5 },
      },
    ];
  } finally {
    await emulator.stop();
  }
}

/**
 * One batch as Lambda's SQS poller gathers it: waits for a first message (until `finished` says no more will come and the
 * queue is empty), then keeps receiving until the batching window since that message ends, the batch holds BATCH_SIZE
 * messages, or their bodies reach the payload limit.
 */
async function gather(sqs: ReturnType<typeof sqsClient>, url: string, finished: () => boolean): Promise<Message[]> {
  const batch: Message[] = [];
  let bytes = 0;
  let first: number | undefined;
  for (;;) {
    const left = first === undefined ? Infinity : first + WINDOW_S * 1000 - performance.now();
    if (left <= 0 || batch.length >= BATCH_SIZE || bytes >= PAYLOAD_BYTES) return batch;
    const wait = first === undefined ? 1 : Math.min(20, Math.floor(left / 1000));
    const done = first === undefined && finished();
    const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: Math.min(10, BATCH_SIZE - batch.length), WaitTimeSeconds: wait, VisibilityTimeout: 300 }));
    const messages = answer.Messages ?? [];
    if (!messages.length) {
      if (done) return batch;
      // Less than a second of the window left: SQS waits in whole seconds, so the rest is looked at in short steps.
      if (first !== undefined && wait === 0) await sleep(Math.min(100, left));
      continue;
    }
    first ??= performance.now();
    for (const m of messages) {
      batch.push(m);
      bytes += Buffer.byteLength(m.Body ?? '');
    }
  }
}

function sqsRecord(m: Message, queueArn: string): SQSRecord {
  return { messageId: m.MessageId as string, receiptHandle: m.ReceiptHandle as string, body: m.Body as string, attributes: {} as SQSRecord['attributes'], messageAttributes: {}, md5OfBody: m.MD5OfBody ?? '', eventSource: 'aws:sqs', eventSourceARN: queueArn, awsRegion: 'us-east-1' };
}

function eventIdOf(m: Message): string {
  return String((JSON.parse(m.Body as string) as { detail?: { eventID?: unknown } }).detail?.eventID ?? '');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
