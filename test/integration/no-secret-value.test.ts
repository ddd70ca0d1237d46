import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditHandler } from '../../functions/audit.js';
import { createConfigRuleHandler } from '../../functions/config-rule.js';
import { createOnEventHandler } from '../../functions/on-event.js';
import { createSweepHandler } from '../../functions/sweep.js';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { s3Client } from '../../src/aws/clients/s3.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { HONEYTOKEN_TAG } from '../../src/audit/index.js';
import { logger } from '../../src/aws/logger.js';
import { createStateTable } from '../../src/state/index.js';
import { DEMO_SECRETS, seedAccount, type SeedSecret, type SeededAccount } from '../../src/demo/account.js';
import { loadEventFixture, retarget } from '../../src/demo/incident.js';
import { DAY, T0, readRecord } from '../audit/traffic.js';
import { runCli } from '../helpers/cli.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

// Every secret holds a distinctive canary value. vigil never asks for a value, so none may surface anywhere.
const CANARY = (name: string) => `CANARY-${Buffer.from(name).toString('hex').slice(0, 16)}-Zq7`;
// The access audit's honeytoken is seeded like the others: a decoy's value is a canary too.
const DECOY: SeedSecret = { name: 'prod/billing/admin-db', description: 'Database credentials', key: 'aws-default', tags: { [HONEYTOKEN_TAG]: 'true' } };
const SECRETS = [...DEMO_SECRETS, DECOY];
const ACCOUNT = '123456789012';
let emulator: Emulator;
let seeded: SeededAccount;
const captured: string[] = [];
const originalWrite = process.stdout.write.bind(process.stdout);
const originalError = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  seeded = await seedAccount({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), primary: (r) => ({ secretsManager: secretsManagerClient(emulator.aws(r)) }) }, SECRETS, CANARY, ACCOUNT);
  logger.setLogLevel('DEBUG');
  // Every log call, with everything it would print.
  for (const level of ['debug', 'info', 'warn', 'error', 'critical'] as const) {
    const original = logger[level].bind(logger) as (...args: unknown[]) => void;
    (logger as unknown as Record<string, (...args: unknown[]) => void>)[level] = (...args: unknown[]) => {
      captured.push(JSON.stringify(args, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : v)));
      original(...args);
    };
  }
  const capture = (chunk: unknown) => void captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  // Kept, not printed: the log lines are what this test reads, and would be noise in the test report.
  process.stdout.write = ((chunk: unknown) => (capture(chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => (capture(chunk), true)) as typeof process.stderr.write;
});

afterAll(async () => {
  process.stdout.write = originalWrite;
  process.stderr.write = originalError;
  logger.setLogLevel('SILENT');
  await emulator?.stop();
});

/** Fails on any value found in `texts` or in anything captured so far; the seeded canaries unless other values are named. */
function expectNoValue(texts: readonly string[], values: Record<string, string> = Object.fromEntries(SECRETS.map((s) => [s.name, CANARY(s.name)]))) {
  const everything = [...texts, ...captured].join('\n');
  for (const [label, value] of Object.entries(values)) expect(everything.includes(value), `the value of ${label}`).toBe(false);
}

type CloudTrailRecord = Record<string, unknown>;

/** A successful read's record with its answer where CloudTrail would log one if it did (it logs responseElements null). */
function answered(record: CloudTrailRecord, names: readonly string[]): CloudTrailRecord {
  const value = (name: string) => ({ aRN: seeded.arns[name], name, secretString: CANARY(name), versionStages: ['AWSCURRENT'] });
  record['responseElements'] = record['eventName'] === 'BatchGetSecretValue' ? { secretValues: names.map(value), errors: [] } : value(names[0] as string);
  return record;
}

/**
 * Reads of the seeded secrets that raise every kind of detection. `learning`: the payments role reading one secret through
 * its VPC endpoint for two weeks, logged as AWS logs a read. `attack`, the day after, each allowed read carrying its secret's canary:
 * a CI user reading a dozen secrets in minutes from outside the endpoint and the honeytoken, a batch by list and one by
 * negated filter, an SSO role denied on five secrets and then reading one, root, another account, and a record vigil cannot read.
 */
function accessTraffic(): { learning: CloudTrailRecord[]; attack: CloudTrailRecord[] } {
  const names = DEMO_SECRETS.map((s) => s.name);
  const arn = (name: string) => seeded.arns[name] as string;
  const start = T0 + 16 * DAY;
  const read = (fixture: string, minute: number, name: string, secretId = arn(name)) => answered(readRecord(fixture, { time: start + minute * 60_000, secretId, account: ACCOUNT }), [name]);
  const batch = (fixture: string, minute: number, listed: readonly string[]) => answered(readRecord(fixture, { time: start + minute * 60_000, account: ACCOUNT }), listed);
  const byList = batch('BatchGetSecretValue-secret-id-list.json', 6, names.slice(12, 24));
  (byList['requestParameters'] as CloudTrailRecord)['secretIdList'] = names.slice(12, 24);
  const denied = names.slice(5, 10).map((name, i) => readRecord('GetSecretValue-access-denied.json', { time: start + (8 + i / 10) * 60_000, secretId: arn(name), account: ACCOUNT }));
  const sso = read('GetSecretValue-access-denied.json', 9, names[10] as string);
  delete sso['errorCode'];
  delete sso['errorMessage'];
  const unreadable = read('GetSecretValue-iam-user.json', 12, names[11] as string);
  delete unreadable['eventID'];
  const learning = [0, 5, 10, 15].map((day) => readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + day * DAY, secretId: arn('prod/payments/db-credentials'), account: ACCOUNT }));
  return {
    learning,
    attack: [
      ...names.slice(0, 12).map((name, i) => read('GetSecretValue-iam-user.json', i / 3, name, i % 2 ? name : arn(name))),
      read('GetSecretValue-iam-user.json', 5, DECOY.name, DECOY.name),
      byList,
      batch('BatchGetSecretValue-negated-filter.json', 7, names.slice(24)),
      ...denied,
      sso,
      read('GetSecretValue-root.json', 10, names[2] as string, names[2]),
      read('GetSecretValue-cross-account.json', 11, names[3] as string),
      unreadable,
    ],
  };
}

/** A read as EventBridge hands it to the read queue: an "AWS API Call via CloudTrail" event. */
function eventOf(record: CloudTrailRecord, id: number) {
  return { version: '0', id: `canary-eb-${id}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.secretsmanager', account: ACCOUNT, time: record['eventTime'], region: 'us-east-1', resources: [], detail: record };
}

/** What Lambda's SQS poller hands the audit function: messages of the read queue as one batch. */
function sqsBatch(bodies: readonly string[], first: number): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `canary-message-${first + i}`,
      receiptHandle: `canary-receipt-${first + i}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'events.amazonaws.com', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:${ACCOUNT}:canary-reads`,
      awsRegion: 'us-east-1',
    })),
  };
}

describe('no secret value anywhere', () => {
  it('keeps every canary out of the CLI, the Lambdas, every report, every message and every log line', async () => {
    const aws = emulator.aws();
    const texts: string[] = [];
    const now = () => Date.now() / 1000;

    // The CLI: a live sweep with every format, a snapshot, a sweep of the snapshot, a replay.
    const out = mkdtempSync(join(tmpdir(), 'vigil-canary-'));
    const snapshot = join(out, 'snapshot.json');
    for (const args of [
      ['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--out', join(out, 'reports'), '--format', 'json'],
      ['snapshot', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--out', snapshot],
      ['sweep', '--snapshot', snapshot, '--format', 'md'],
    ]) {
      const run = await runCli(args, now);
      expect(run.exitCode).toBe(0);
      texts.push(run.stdout, run.stderr);
    }
    for (const file of readdirSync(join(out, 'reports'))) texts.push(readFileSync(join(out, 'reports', file), 'utf8'));
    texts.push(readFileSync(snapshot, 'utf8'));

    // The sweep Lambda: reports in S3 and its SNS summary.
    await s3Client(aws).send(new CreateBucketCommand({ Bucket: 'canary-reports' }));
    const topic = await topicWithSubscriber(aws, 'canary-alerts');
    await createStateTable(new DynamoDBClient({ ...aws }), 'canary-sweep-state');
    await createSweepHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_REPORT_BUCKET: 'canary-reports', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_STATE_TABLE: 'canary-sweep-state' }, aws: emulator.aws, clock: now, invokeSelf: async () => undefined })(undefined, { getRemainingTimeInMillis: () => 600_000 });
    // What the sweep stored: every item of its state table.
    const swept = (await new DynamoDBClient({ ...aws }).send(new ScanCommand({ TableName: 'canary-sweep-state' }))).Items ?? [];
    expect(swept.length, 'the sweep stored state').toBeGreaterThan(0);
    texts.push(JSON.stringify(swept));
    const objects = await s3Client(aws).send(new ListObjectsV2Command({ Bucket: 'canary-reports' }));
    for (const o of objects.Contents ?? []) texts.push((await (await s3Client(aws).send(new GetObjectCommand({ Bucket: 'canary-reports', Key: o.Key }))).Body?.transformToString()) ?? '');

    // The event Lambda and its alerts, and the Config rule.
    await new DynamoDBClient({ ...aws }).send(new CreateTableCommand({ TableName: 'canary-idem', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    const dlq = (await sqsClient(aws).send(new CreateQueueCommand({ QueueName: 'canary-dlq' }))).QueueUrl as string;
    await createStateTable(new DynamoDBClient({ ...aws }), 'canary-state');
    const onEvent = createOnEventHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_DLQ_URL: dlq, VIGIL_IDEMPOTENCY_TABLE: 'canary-idem', VIGIL_STATE_TABLE: 'canary-state' }, aws: emulator.aws });
    let stored = 0;
    const target = { fixtureArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab', arn: seeded.arns['prod/ci/npm-token'] as string, name: 'prod/ci/npm-token' };
    for (const [i, fixture] of ['eventbridge/UpdateSecret-kms-key.json', 'eventbridge/CreateSecret.json', 'eventbridge/PutSecretValue.json', 'eventbridge/DeleteSecret-force.json'].entries()) {
      const event = retarget(loadEventFixture(fixture), { account: ACCOUNT, id: `canary-${i}`, secret: { ...target, fixtureArn: fixture.includes('payments') || fixture.includes('force') || fixture.includes('UpdateSecret') ? 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er' : target.fixtureArn } });
      texts.push(JSON.stringify(await onEvent(event, { getRemainingTimeInMillis: () => 60_000 })));
      // The state store, every item of its table after each event (the last, a forced deletion, empties it).
      const items = (await new DynamoDBClient({ ...aws }).send(new ScanCommand({ TableName: 'canary-state' }))).Items ?? [];
      stored += items.length;
      texts.push(JSON.stringify(items));
    }
    expect(stored, 'the event Lambda stored state').toBeGreaterThan(0);
    // What each alert delivery returned, kept for idempotency.
    const delivered = (await new DynamoDBClient({ ...aws }).send(new ScanCommand({ TableName: 'canary-idem' }))).Items ?? [];
    expect(delivered.length, 'the event Lambda recorded its deliveries').toBeGreaterThan(0);
    texts.push(JSON.stringify(delivered));
    const configRule = createConfigRuleHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_CONFIG_TEST_MODE: 'true' }, aws: emulator.aws });
    const invocation = JSON.parse(JSON.stringify(loadEventFixture('config/ScheduledNotification.json')).replaceAll('111122223333', ACCOUNT)) as Record<string, unknown>;
    const evaluated = await configRule(invocation);
    expect(evaluated.rejected).toBeUndefined();
    texts.push(JSON.stringify(evaluated));
    for (const n of await topic.receive()) texts.push(JSON.stringify(n));
    const parked = await sqsClient(aws).send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10 }));
    texts.push(JSON.stringify(parked.Messages ?? []));

    // Replay, offline, of a log file, against the snapshot taken above.
    const log = join(out, 'log.json');
    writeFileSync(log, JSON.stringify(loadEventFixture('cloudtrail/mixed-log.json')));
    const replay = await runCli(['replay', log, '--snapshot', snapshot, '--format', 'json'], now);
    texts.push(replay.stdout, replay.stderr);

    const everything = [...texts, ...captured].join('\n');
    expect(everything.length).toBeGreaterThan(100_000);
    expect(captured.join('').length, 'logs were captured').toBeGreaterThan(1_000);
    expectNoValue(texts);
  }, 120_000);

  it('keeps every canary out of vigil audit: its JSON and text output, its state file and the reports that list its readers', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-canary-audit-'));
    const snapshot = join(out, 'snapshot.json');
    const state = join(out, 'state.json');
    const log = join(out, 'trail.json.gz');
    expect((await runCli(['snapshot', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--out', snapshot])).exitCode).toBe(0);
    const { learning, attack } = accessTraffic();
    writeFileSync(log, gzipSync(JSON.stringify({ Records: [...learning, ...attack] })));
    const texts: string[] = [];

    const json = await runCli(['audit', log, '--snapshot', snapshot, '--state', state, '--format', 'json']);
    texts.push(json.stdout, json.stderr, readFileSync(state, 'utf8'));
    const text = await runCli(['audit', log, '--snapshot', snapshot, '--state', join(out, 'text-state.json'), '--format', 'text']);
    texts.push(text.stdout, text.stderr, readFileSync(join(out, 'text-state.json'), 'utf8'));
    // The readers the audit stored, as a sweep's reports list them.
    const reports = join(out, 'reports');
    const sweep = await runCli(['sweep', '--snapshot', snapshot, '--state', state, '--out', reports, '--formats', 'json,md,html,csv,asff,ocsf,frameworks,access', '--format', 'json']);
    texts.push(sweep.stdout, sweep.stderr);
    for (const file of readdirSync(reports)) texts.push(readFileSync(join(reports, file), 'utf8'));

    expect([json.exitCode, text.exitCode, sweep.exitCode]).toEqual([0, 0, 0]);
    const audited = JSON.parse(json.stdout) as { detections: { kind: string; secretArns: string[] }[]; readers: unknown[]; invalid: unknown[] };
    expect(new Set(audited.detections.map((d) => d.kind))).toEqual(new Set(['honeytoken-read', 'bulk-retrieval', 'batch-retrieval', 'access-denied-probing', 'root-read', 'new-reader', 'new-reader-account', 'new-network-path']));
    expect(audited.readers.length, 'readers of the seeded secrets').toBeGreaterThan(20);
    expect(audited.invalid).toHaveLength(1);
    expect(text.stdout).toContain('CRITICAL honeytoken-read');
    expect(readdirSync(reports)).toContain('access.csv');
    expectNoValue(texts);
  }, 120_000);

  it('keeps every canary out of the audit Lambda: its state and idempotency tables, its alerts, its dead letters and its log lines', async () => {
    const aws = emulator.aws();
    const db = new DynamoDBClient({ ...aws });
    await db.send(new CreateTableCommand({ TableName: 'canary-audit-idem', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    await createStateTable(db, 'canary-audit-state');
    const topic = await topicWithSubscriber(aws, 'canary-audit-alerts');
    const dlq = (await sqsClient(aws).send(new CreateQueueCommand({ QueueName: 'canary-audit-dlq' }))).QueueUrl as string;
    const audit = createAuditHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_DLQ_URL: dlq, VIGIL_IDEMPOTENCY_TABLE: 'canary-audit-idem', VIGIL_STATE_TABLE: 'canary-audit-state' }, aws: emulator.aws, sleep: async () => undefined });
    // The learning reads arrive as CloudTrail's log file in S3 (a backfill), the attack one EventBridge event a message.
    const { learning, attack } = accessTraffic();
    const key = `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/01/trail.json.gz`;
    await s3Client(aws).send(new CreateBucketCommand({ Bucket: 'canary-trail' }));
    await s3Client(aws).send(new PutObjectCommand({ Bucket: 'canary-trail', Key: key, Body: gzipSync(JSON.stringify({ Records: learning })) }));
    const bodies = [JSON.stringify({ Records: [{ eventSource: 'aws:s3', s3: { bucket: { name: 'canary-trail' }, object: { key } } }] }), ...attack.map((record, i) => JSON.stringify(eventOf(record, i)))];
    const texts: string[] = [];

    const results = [];
    for (let i = 0; i < bodies.length; i += 10) results.push(await audit(sqsBatch(bodies.slice(i, i + 10), i), { getRemainingTimeInMillis: () => 300_000 }));
    texts.push(JSON.stringify(results));
    const items = (await db.send(new ScanCommand({ TableName: 'canary-audit-state' }))).Items ?? [];
    texts.push(JSON.stringify(items));
    // What the idempotency table keeps of each alert sent.
    const sent = (await db.send(new ScanCommand({ TableName: 'canary-audit-idem' }))).Items ?? [];
    texts.push(JSON.stringify(sent));
    const alerts = await topic.receive();
    texts.push(JSON.stringify(alerts));
    const parked = (await sqsClient(aws).send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }))).Messages ?? [];
    texts.push(JSON.stringify(parked));

    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const detections = results.flatMap((r) => r.detections);
    expect(detections.map((d) => d.kind)).toContain('honeytoken-read');
    expect(detections.find((d) => d.kind === 'bulk-retrieval')?.secretArns.length, 'the burst names many secrets').toBeGreaterThanOrEqual(10);
    expect(alerts.map((a) => a.MessageAttributes?.['kind']?.Value)).toEqual(expect.arrayContaining(['honeytoken-read', 'bulk-retrieval']));
    expect(items.some((item) => JSON.stringify(item).includes(seeded.arns['prod/payments/db-credentials'] as string)), 'the readers are stored').toBe(true);
    expect(parked, 'the record vigil cannot read is parked').toHaveLength(1);
    expect(sent.length, 'the alerts sent are remembered').toBeGreaterThanOrEqual(alerts.length);
    expect(captured.some((line) => line.includes('read events judged')), 'the function logged').toBe(true);
    expectNoValue(texts);
  }, 120_000);

  it('never shows the value vigil honeytoken create wrote: not in its output, its log lines, nor a sweep that lists it', async () => {
    const create = (...args: string[]) => runCli(['honeytoken', 'create', ...args, '--endpoint-url', emulator.endpoint, '--region', 'us-east-1']);
    const runs = [await create('prod/hr/payroll-db', '--format', 'json'), await create('prod/ops/root-ssh-key', '--tag', 'team=ops')];
    const sweep = await runCli(['sweep', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--format', 'json']);

    expect([...runs, sweep].map((r) => r.exitCode)).toEqual([0, 0, 0]);
    expect(sweep.stdout).toContain('prod/ops/root-ssh-key');
    // The test reads the values back (vigil never does): each whole, and the parts a leak would most likely show.
    const values: Record<string, string> = {};
    for (const name of ['prod/hr/payroll-db', 'prod/ops/root-ssh-key']) {
      const value = (await secretsManagerClient(emulator.aws()).send(new GetSecretValueCommand({ SecretId: name }))).SecretString as string;
      const parts = JSON.parse(value) as Record<string, unknown>;
      Object.assign(values, { [name]: value, [`${name} password`]: String(parts['password']), [`${name} username`]: String(parts['username']), [`${name} host`]: String(parts['host']) });
    }
    expectNoValue([...runs, sweep].flatMap((r) => [r.stdout, r.stderr]), values);
  }, 120_000);
});
