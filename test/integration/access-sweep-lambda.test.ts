import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSweepHandler, type SweepEvent } from '../../functions/sweep.js';
import { auditReads, loadAuditState, readEventsOf, readerKey, refreshSlot, saveAuditChanges, secretDirectory } from '../../src/audit/index.js';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { s3Client } from '../../src/aws/clients/s3.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import type { JsonReport } from '../../src/reports/index.js';
import { DynamoStateStore, createStateTable, type StateStore } from '../../src/state/index.js';
import { readRecord } from '../audit/traffic.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

const ACCOUNT = '123456789012';
const BUCKET = 'vigil-reports-access';
const TABLE = 'vigil-state-access';
const APP = `arn:aws:iam::${ACCOUNT}:role/service/payments-api`;
const BOT = `arn:aws:iam::${ACCOUNT}:user/ci/deploy-bot`;
const DAY = 86_400_000;

let emulator: Emulator;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
let store: DynamoStateStore;
const arns: Record<string, string> = {};

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  const sm = secretsManagerClient(aws);
  for (const name of ['prod/payments/db', 'prod/orders/db']) arns[name] = (await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'placeholder' }))).ARN as string;
  await s3Client(aws).send(new CreateBucketCommand({ Bucket: BUCKET }));
  topic = await topicWithSubscriber(aws, 'vigil-alerts-access');
  const dynamo = new DynamoDBClient({ ...aws, maxAttempts: 1 });
  await createStateTable(dynamo, TABLE);
  store = new DynamoStateStore(TABLE, dynamo);
  // The audit Lambda's work, as it does it: the application read the payments database for a month, the CI user once
  // yesterday, and the orders database only long ago.
  const now = Date.now();
  const records = [
    readRecord('GetSecretValue-iam-user.json', { time: now - 200 * DAY, secretId: 'prod/orders/db', account: ACCOUNT }),
    ...Array.from({ length: 30 }, (_, i) => readRecord('GetSecretValue-assumed-role-vpce.json', { time: now - (31 - i) * DAY, secretId: 'prod/payments/db', account: ACCOUNT })),
    readRecord('GetSecretValue-iam-user.json', { time: now - DAY, secretId: 'prod/payments/db', account: ACCOUNT }),
  ];
  const directory = secretDirectory(Object.entries(arns).map(([name, arn]) => ({ arn, name, account: ACCOUNT, region: 'us-east-1', tags: {} })));
  const audit = async (batch: unknown[]) => {
    const reads = readEventsOf({ Records: batch }).reads;
    await saveAuditChanges(store, auditReads(reads, await loadAuditState(store, reads, directory), { params: DEFAULT_PARAMS, directory }).changes);
  };
  await audit(records);
  // A later batch: three more reads just after the last, in its refresh slot, which stay in the principal's window (not due
  // for a write).
  const last = now - 2 * DAY;
  const key = readerKey(arns['prod/payments/db'] as string, APP);
  let step = 60_000;
  while (refreshSlot(key, last + 3 * step) !== refreshSlot(key, last)) step /= 2;
  await audit(Array.from({ length: 3 }, (_, i) => readRecord('GetSecretValue-assumed-role-vpce.json', { time: last + (i + 1) * step, secretId: 'prod/payments/db', account: ACCOUNT })));
});

afterAll(async () => {
  await emulator?.stop();
});

/** The sweep handler over the state table, counting the reader lookups it makes. */
function countingHandler(options: { pageSize?: number; continued?: SweepEvent[] } = {}) {
  const lookups: string[] = [];
  const counting = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'getReaders') return (arn: string) => (lookups.push(arn), target.getReaders(arn));
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as StateStore;
  const handler = createSweepHandler({
    env: { AWS_REGION: 'us-east-1', VIGIL_REPORT_BUCKET: BUCKET, VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_STATE_TABLE: TABLE },
    aws: (region) => emulator.aws(region),
    clock: () => Date.now() / 1000,
    invokeSelf: async (payload) => void options.continued?.push(payload),
    store: counting,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  });
  return { handler, lookups };
}

async function object(key: string): Promise<string> {
  const answer = await s3Client(emulator.aws()).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await answer.Body?.transformToString()) ?? '';
}

describe('the sweep Lambda with the access audit in its state table', () => {
  it('lists who read each secret in report.json, access.csv and report.html, one reader lookup per secret', async () => {
    const { handler, lookups } = countingHandler();
    const result = await handler(undefined, { getRemainingTimeInMillis: () => 600_000 });
    expect(result.status).toBe('completed');
    expect(lookups.sort()).toEqual(Object.values(arns).sort());

    const latest = `reports/${ACCOUNT}/us-east-1/latest`;
    const report = JSON.parse(await object(`${latest}/report.json`)) as JsonReport;
    expect(report.access).toMatchObject({ audited: true, periodDays: 90, secretsRead: 1, secretsUnread: 1, principals: 2, secretsWithNewReaders: 1 });
    const payments = report.secrets.find((s) => s.name === 'prod/payments/db');
    expect(payments?.readers?.map((r) => r.principal)).toEqual([BOT, APP]);
    // Every read counted, those still in the window too.
    expect(payments?.readers?.[1]).toMatchObject({ secretArn: arns['prod/payments/db'], principalAccount: ACCOUNT, reads: 33, vpcEndpoints: ['vpce-0a1b2c3d4e5f60718'] });
    expect((await store.getReader(arns['prod/payments/db'] as string, APP))?.reads).toBe(30);
    expect(payments?.newReaders).toEqual([BOT]);
    // The orders database was read 200 days ago: outside the period, but the unused control still names its last reader.
    const orders = report.secrets.find((s) => s.name === 'prod/orders/db');
    expect(orders?.readers).toEqual([]);
    expect(orders?.findings.find((f) => f.controlId === 'unused')?.reason).toMatch(new RegExp(`The last read vigil saw was by ${BOT.replaceAll('/', '\\/')} at \\d{4}-\\d\\d-\\d\\dT`));

    const csv = (await object(`${latest}/access.csv`)).trim().split('\r\n');
    expect(csv).toHaveLength(3);
    expect(csv.find((row) => row.includes(BOT))).toMatch(/,new,/);
    const html = await object(`${latest}/report.html`);
    expect(html).toMatch(/<section class="secret-access" data-secret="prod\/payments\/db" data-new-readers="1">/);
    expect(html).toContain(`${BOT} <span class="new">new reader</span>`);

    const [summary] = await topic.receive();
    expect(summary?.Message).toContain('Access in the last 90 days');
    expect(summary?.Message).toContain('1 secret read by 2 principals, 1 not read; 1 with new readers since');

    // The next sweep counts new readers since this one (the store's last completed sweep): the CI user is no longer new.
    await handler(undefined, { getRemainingTimeInMillis: () => 600_000 });
    const next = JSON.parse(await object(`${latest}/report.json`)) as JsonReport;
    expect(next.access).toMatchObject({ newReadersBasis: 'previous-report', newReadersSince: report.evaluatedAt, secretsWithNewReaders: 0 });
    await topic.receive();
  });

  it('lists the readers after a sweep that continued over invocations, looking them up at its end, not at every page', async () => {
    const continued: SweepEvent[] = [];
    const { handler, lookups } = countingHandler({ pageSize: 1, continued });
    let budget = 0;
    // Each invocation has time for one page: the second check finds the time gone.
    const onePage = { getRemainingTimeInMillis: () => (budget++ % 2 === 0 ? 600_000 : 1_000) };
    let result = await handler(undefined, onePage);
    while (result.status === 'continued') {
      budget = 0;
      result = await handler(continued.shift(), onePage);
    }
    const report = JSON.parse(await object(`reports/${ACCOUNT}/us-east-1/${result.runId}/report.json`)) as JsonReport;
    expect(report.secrets.find((s) => s.name === 'prod/payments/db')?.readers?.map((r) => r.principal)).toEqual([BOT, APP]);
    // The first invocation's page (it could not know the run would continue), then every secret once at the end.
    expect(lookups).toHaveLength(1 + Object.keys(arns).length);
    await topic.receive();
  });
});
