import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { UpdateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSweepHandler, type SweepEvent } from '../../functions/sweep.js';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { s3Client } from '../../src/aws/clients/s3.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { DEMO_SECRETS, seedAccount } from '../../src/demo/account.js';
import { expandJsonReport, type JsonReport } from '../../src/reports/index.js';
import { DynamoStateStore, createStateTable, type SecretRecord } from '../../src/state/index.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

let emulator: Emulator;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
const BUCKET = 'vigil-reports-test';
const TABLE = 'vigil-state-test';
let store: DynamoStateStore;
const PARAMS = JSON.stringify({ requiredTagKeys: ['team', 'owner'], trustedAccounts: ['222233334444'], trustedOrgIds: ['o-a1b2c3d4e5'] });

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  await seedAccount({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), primary: (r) => ({ secretsManager: secretsManagerClient(emulator.aws(r)) }) }, DEMO_SECRETS, (n) => `canary-${n}`, '123456789012');
  await s3Client(aws).send(new CreateBucketCommand({ Bucket: BUCKET }));
  topic = await topicWithSubscriber(aws, 'vigil-alerts');
  const dynamo = new DynamoDBClient({ ...aws, maxAttempts: 1 });
  await createStateTable(dynamo, TABLE);
  store = new DynamoStateStore(TABLE, dynamo);
});

afterAll(async () => {
  await emulator?.stop();
});

function handlerWith(options: { bucket?: string; pageSize?: number; continued?: SweepEvent[]; clock?: () => number } = {}) {
  return createSweepHandler({
    env: { AWS_REGION: 'us-east-1', VIGIL_REPORT_BUCKET: options.bucket ?? BUCKET, VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_PARAMS: PARAMS, VIGIL_STATE_TABLE: TABLE },
    aws: (region) => emulator.aws(region),
    clock: options.clock ?? (() => Date.now() / 1000),
    invokeSelf: async (payload) => {
      options.continued?.push(payload);
    },
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  });
}

const plenty = { getRemainingTimeInMillis: () => 600_000 };

async function keys(prefix: string): Promise<string[]> {
  const answer = await s3Client(emulator.aws()).send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (answer.Contents ?? []).map((o) => o.Key as string).sort();
}

async function readJson<T>(key: string): Promise<T> {
  const answer = await s3Client(emulator.aws()).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse((await answer.Body?.transformToString()) ?? '') as T;
}

describe('the scheduled sweep Lambda', () => {
  it('writes every report format under the run and latest/, and sends one summary', async () => {
    const result = await handlerWith()(undefined, plenty);
    expect(result.status).toBe('completed');
    const files = ['access.csv', 'findings.asff.json', 'findings.csv', 'findings.ocsf.json', 'frameworks.json', 'report.html', 'report.json', 'report.md'];
    expect(await keys(`reports/123456789012/us-east-1/${result.runId}/`)).toEqual(files.map((f) => `reports/123456789012/us-east-1/${result.runId}/${f}`));
    expect(await keys('reports/123456789012/us-east-1/latest/')).toEqual(files.map((f) => `reports/123456789012/us-east-1/latest/${f}`));
    const report = expandJsonReport(await readJson<JsonReport>('reports/123456789012/us-east-1/latest/report.json'));
    expect(report.summary.secrets).toBe(DEMO_SECRETS.length);
    expect(report.findings.some((f) => f.controlId === 'no-public-principal' && f.status === 'FAIL')).toBe(true);
    const html = await s3Client(emulator.aws()).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/123456789012/us-east-1/latest/report.html' }));
    expect(await html.Body?.transformToString()).toMatch(/in full:<\/div><pre class="statement">\{\n {2}&#34;/);
    const [summary, ...more] = await topic.receive();
    expect(more).toEqual([]);
    const failing = report.summary.byStatus.FAIL - report.summary.exemptedFailures;
    expect(summary?.Subject).toBe(`vigil sweep 123456789012: ${failing} failing`);
    // The report's own words: failing leaves the exempted failure out, as the subject does.
    expect(summary?.Message).toMatch(new RegExp(`^vigil swept ${DEMO_SECRETS.length} secrets of account 123456789012 as of `));
    expect(summary?.Message).toContain(`us-east-1: ${DEMO_SECRETS.length} secrets: ${failing} failing (and 1 exempted failure), `);
    expect(summary?.Message).toContain(`Report: s3://${BUCKET}/reports/123456789012/us-east-1/${result.runId}/report.html`);
    expect(summary?.MessageAttributes?.['kind']?.Value).toBe('sweep-summary');
  });

  it('says what changed since the last sweep', async () => {
    const result = await handlerWith({ clock: () => Date.now() / 1000 + 5 })(undefined, plenty);
    expect(await keys(`reports/123456789012/us-east-1/${result.runId}/diff.json`)).toHaveLength(1);
    const [summary] = await topic.receive();
    expect(summary?.Message).toContain('Since the last sweep: 0 new failures, 0 resolved.');
  });

  it('checkpoints when time runs short and continues without reading a secret twice or skipping one', async () => {
    const continued: SweepEvent[] = [];
    const handler = handlerWith({ pageSize: 5, continued, clock: () => Date.now() / 1000 + 10 });
    let budget = 0;
    // Each invocation has time for exactly one page: the second check finds the time gone.
    const oneAPage = { getRemainingTimeInMillis: () => (budget++ % 2 === 0 ? 600_000 : 1_000) };
    let result = await handler(undefined, oneAPage);
    let invocations = 1;
    while (result.status === 'continued') {
      const next = continued.shift();
      expect(next?.runId).toBe(result.runId);
      // The progress is in the state store, not in S3.
      expect((await store.getSweepProgress(result.runId))?.invocations).toBe(invocations);
      expect(await keys('reports/123456789012/_checkpoints/')).toEqual([]);
      budget = 0;
      result = await handler(next, oneAPage);
      invocations += 1;
    }
    expect(invocations).toBe(Math.ceil(DEMO_SECRETS.length / 5));
    const report = expandJsonReport(await readJson<JsonReport>(`reports/123456789012/us-east-1/${result.runId}/report.json`));
    const arns = report.findings.filter((f) => f.controlId === 'pending-deletion').map((f) => f.resource.arn);
    expect(arns).toHaveLength(DEMO_SECRETS.length);
    expect(new Set(arns).size).toBe(DEMO_SECRETS.length);
    expect(await store.getSweepProgress(result.runId)).toBeUndefined();
    await topic.receive();
  });

  it('reads from AWS only what changed since the store saw it, and every secret on the full refresh', async () => {
    const freshness = async (runId: string) => expandJsonReport(await readJson<JsonReport>(`reports/123456789012/us-east-1/${runId}/report.json`)).scope.freshness;
    // A key that is not Enabled can change without the secret's LastChangedDate moving: those secrets are read every time.
    const keyNotEnabled = DEMO_SECRETS.filter((s) => s.key === 'disabled' || s.key === 'pending-deletion').length;
    const quiet = await handlerWith({ clock: () => Date.now() / 1000 + 30 })(undefined, plenty);
    expect(await freshness(quiet.runId)).toMatchObject({ readFresh: keyNotEnabled, fromStore: DEMO_SECRETS.length - keyNotEnabled });
    const [summary] = await topic.receive();
    expect(summary?.Message).toContain(`Incremental: ${keyNotEnabled} read from AWS, ${DEMO_SECRETS.length - keyNotEnabled} unchanged from the state store`);

    // LastChangedDate has one-second precision.
    await new Promise((r) => setTimeout(r, 1100));
    let before: SecretRecord | undefined;
    for await (const record of store.allSecrets()) if (!record.state.kmsKey && !record.state.primaryRegion) before ??= record;
    const changed = before?.arn as string;
    await secretsManagerClient(emulator.aws()).send(new UpdateSecretCommand({ SecretId: changed, Description: 'changed between sweeps' }));
    const one = await handlerWith({ clock: () => Date.now() / 1000 + 40 })(undefined, plenty);
    expect(await freshness(one.runId)).toMatchObject({ readFresh: keyNotEnabled + 1, fromStore: DEMO_SECRETS.length - keyNotEnabled - 1 });
    expect((await store.getSecret(changed))?.lastChangedDate).toBeGreaterThan(before?.lastChangedDate ?? Number.POSITIVE_INFINITY);
    await topic.receive();

    const full = await handlerWith({ clock: () => Date.now() / 1000 + 50 })({ full: true }, plenty);
    expect(await freshness(full.runId)).toMatchObject({ readFresh: DEMO_SECRETS.length, fromStore: 0 });
    const meta = await store.getMeta();
    expect(meta.lastFullAt).toBe(meta.filledAt);
    expect((await topic.receive())[0]?.Message).toContain(`Full refresh: ${DEMO_SECRETS.length} read from AWS, 0 unchanged from the state store`);
  });

  it('refuses to continue a run the state store does not know, naming it', async () => {
    await expect(handlerWith()({ runId: 'no-such-run' }, plenty)).rejects.toThrow(`event.runId no-such-run: no sweep in progress under this run in the state table ${TABLE}`);
  });

  it('fails loudly when the report cannot be stored, and the summary says so', async () => {
    await expect(handlerWith({ bucket: 'no-such-bucket-for-vigil' })(undefined, plenty)).rejects.toThrow(/could not be stored in s3:\/\/no-such-bucket-for-vigil/);
    const [summary] = await topic.receive();
    expect(summary?.Subject).toContain('(REPORTS NOT STORED)');
    expect(summary?.Message).toContain('THE REPORT COULD NOT BE STORED');
  });

  it('refuses a configuration it cannot use, naming the setting', async () => {
    const env = { AWS_REGION: 'us-east-1', VIGIL_REPORT_BUCKET: BUCKET, VIGIL_ALERT_TOPIC_ARN: topic.topicArn };
    const handler = createSweepHandler({ env: { ...env, VIGIL_STATE_TABLE: TABLE, VIGIL_PARAMS: '{"unusedDays": 3}' }, aws: emulator.aws, clock: () => 0, invokeSelf: async () => undefined });
    await expect(handler(undefined, plenty)).rejects.toThrow('environment.VIGIL_PARAMS: unknown parameter "unusedDays"');
    const tableless = createSweepHandler({ env, aws: emulator.aws, clock: () => 0, invokeSelf: async () => undefined });
    await expect(tableless(undefined, plenty)).rejects.toThrow(/^environment\.VIGIL_STATE_TABLE: /);
  });

  it("files the reports under the account in the Lambda context's function ARN", async () => {
    const inLambda = { ...plenty, invokedFunctionArn: 'arn:aws:lambda:us-east-1:210987654321:function:vigil-prod-sweep' };
    const result = await handlerWith({ clock: () => Date.now() / 1000 + 20 })(undefined, inLambda);
    expect(await keys(`reports/210987654321/us-east-1/${result.runId}/`)).toContain(`reports/210987654321/us-east-1/${result.runId}/report.json`);
    const [summary] = await topic.receive();
    expect(summary?.Subject).toMatch(/^vigil sweep 210987654321: /);
  });
});
