import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, PutResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrgPlanHandler, createOrgUnitFailedHandler, createOrgUnitHandler, type OrgDependencies } from '../../functions/org-sweep.js';
import { clientConfig, type AwsOptions } from '../../src/aws/clients.js';
import { s3Client } from '../../src/aws/clients/s3.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { OrgRunLedger } from '../../src/org/ledger.js';
import type { OrgReport } from '../../src/org/report.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { createOrganization, inAccount } from '../helpers/organization.js';
import { faultyEndpoint, type FaultyEndpoint } from '../helpers/faulty-endpoint.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';

// An organisation of four accounts (the management account vigil runs in and three members), secrets in two regions,
// swept through the real unit queue (moto's SQS, with its redrive policy) by the worker handlers invoked with the batches
// Lambda's event source mapping would hand them. The faulty endpoint stands for two things only a real organisation shows:
// a member whose role refuses vigil, and an account-region whose Secrets Manager keeps failing.
const OWN = '123456789012';
const BUCKET = 'vigil-org-reports';
const TABLE = 'vigil-state';
const REGIONS = ['us-east-1', 'eu-west-1'];
const PUBLIC_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });

let emulator: Emulator;
let faulty: FaultyEndpoint;
let members: { open: string; refusing: string; flaky: string };
let queueUrl: string;
let deadLetterUrl: string;
let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;

const via = (region = 'us-east-1'): AwsOptions => ({ ...emulator.aws(region), endpoint: faulty.endpoint });

async function seed(account: string, region: string, names: { name: string; policy?: string }[]) {
  const sm = secretsManagerClient(account === OWN ? emulator.aws(region) : await inAccount(emulator, account, region));
  for (const s of names) {
    const created = await sm.send(new CreateSecretCommand({ Name: s.name, SecretString: 'canary-not-a-value' }));
    if (s.policy) await sm.send(new PutResourcePolicyCommand({ SecretId: created.ARN, ResourcePolicy: s.policy }));
  }
}

beforeAll(async () => {
  emulator = await startEmulator();
  faulty = await faultyEndpoint(emulator.endpoint);
  const home = emulator.aws();
  members = await createOrganization(emulator, ['open', 'refusing', 'flaky']);
  await seed(OWN, 'us-east-1', [{ name: 'security/break-glass' }]);
  await seed(members.open, 'us-east-1', [{ name: 'app/db' }, { name: 'app/webhook', policy: PUBLIC_POLICY }]);
  await seed(members.open, 'eu-west-1', [{ name: 'app/eu-db' }]);
  await seed(members.flaky, 'us-east-1', [{ name: 'batch/token' }]);
  await seed(members.flaky, 'eu-west-1', [{ name: 'batch/eu-token' }]);
  faulty.refuseRoleIn.add(members.refusing);
  faulty.failingUnits.add(`${members.flaky}/eu-west-1`);
  const sqs = sqsClient(home);
  deadLetterUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'vigil-org-units-dlq' }))).QueueUrl ?? '';
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'vigil-org-units', Attributes: { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) } }))).QueueUrl ?? '';
  await s3Client(home).send(new CreateBucketCommand({ Bucket: BUCKET }));
  await new DynamoDBClient(clientConfig(home)).send(
    new CreateTableCommand({ TableName: TABLE, BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }] }),
  );
  topic = await topicWithSubscriber(home, 'vigil-alerts');
}, 120_000);

afterAll(async () => {
  await faulty?.stop();
  await emulator?.stop();
});

function deps(clock: () => number): OrgDependencies {
  return {
    env: { AWS_REGION: 'us-east-1', VIGIL_REPORT_BUCKET: BUCKET, VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_STATE_TABLE: TABLE, VIGIL_ORG_QUEUE_URL: queueUrl, VIGIL_REGIONS: REGIONS.join(','), VIGIL_MEMBER_ROLE_NAME: 'vigil-audit' },
    aws: via,
    clock,
  };
}

const asSqsEvent = (messages: { MessageId?: string; ReceiptHandle?: string; Body?: string; Attributes?: Record<string, string> }[], queue: string): SQSEvent => ({
  Records: messages.map((m) => ({
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: { ApproximateReceiveCount: m.Attributes?.['ApproximateReceiveCount'] ?? '1', SentTimestamp: '0', SenderId: OWN, ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:${OWN}:${queue}`,
    awsRegion: 'us-east-1',
  })),
});

/** What Lambda's SQS event source mapping does: hand batches to the worker, delete what succeeded, let failures reappear. */
async function drain(d: OrgDependencies, runId: string): Promise<number> {
  const sqs = sqsClient(emulator.aws());
  const worker = createOrgUnitHandler(d);
  const deadLetters = createOrgUnitFailedHandler(d);
  const ledger = new OrgRunLedger(TABLE, new DynamoDBClient(clientConfig(emulator.aws())));
  let batches = 0;
  for (let round = 0; round < 40; round += 1) {
    const run = await ledger.getRun(runId);
    if (run?.fannedIn) return batches;
    for (const [url, handle] of [[queueUrl, 'units'], [deadLetterUrl, 'dlq']] as const) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      const messages = got.Messages ?? [];
      if (!messages.length) continue;
      batches += 1;
      const failed = new Set<string>();
      if (handle === 'units') for (const f of (await worker(asSqsEvent(messages, 'vigil-org-units'), { invokedFunctionArn: `arn:aws:lambda:us-east-1:${OWN}:function:vigil-orgUnit` })).batchItemFailures) failed.add(f.itemIdentifier);
      else await deadLetters(asSqsEvent(messages, 'vigil-org-units-dlq'));
      for (const m of messages) {
        if (failed.has(m.MessageId ?? '')) await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
        else await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  }
  throw new Error(`run ${runId} did not finish`);
}

async function readJson<T>(key: string): Promise<T> {
  return JSON.parse((await (await s3Client(emulator.aws()).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? '') as T;
}

describe('the organisation sweep on its queue', () => {
  let first: OrgReport;

  it('sweeps every account × region, and reports the units that failed and why', async () => {
    const d = deps(() => Date.UTC(2026, 11, 4, 12) / 1000);
    const { runId, units } = await createOrgPlanHandler(d)();
    expect(units).toBe(8);
    await drain(d, runId);
    first = await readJson<OrgReport>(`org/${runId}/organization.json`);
    expect(first.scope).toEqual({ accounts: 4, regions: [...REGIONS].sort(), units: 8 });
    expect(first.summary.unitsSwept).toBe(5);
    const failed = Object.fromEntries(first.failedUnits.map((u) => [`${u.account}/${u.region}`, u]));
    expect(Object.keys(failed).sort()).toEqual([`${members.flaky}/eu-west-1`, `${members.refusing}/eu-west-1`, `${members.refusing}/us-east-1`].sort());
    expect(failed[`${members.refusing}/us-east-1`]?.reason).toMatch(/AccessDenied on sts:AssumeRole arn:aws:iam::\d{12}:role\/vigil-audit/);
    expect(failed[`${members.flaky}/eu-west-1`]?.reason).toMatch(/failed every attempt; last: InternalServiceError/);
    expect(failed[`${members.flaky}/eu-west-1`]?.attempts).toBe(3);
    const open = first.accounts.find((a) => a.account === members.open);
    expect(open?.secrets).toBe(3);
    expect(first.failures.filter((f) => f.controlId === 'no-public-principal' && f.status === 'FAIL').map((f) => `${f.account} ${f.name}`)).toEqual([`${members.open} app/webhook`]);
    expect(first.accounts.find((a) => a.account === members.flaky)?.regions.map((r) => [r.region, r.status])).toEqual([['eu-west-1', 'failed'], ['us-east-1', 'swept']]);
    expect(first.byControl.find((c) => c.controlId === 'no-public-principal')?.accountsFailing).toBe(1);
    // each swept unit also has its own account report, as a single-account sweep writes it
    const unitReport = await readJson<{ scope: { account: string } }>(`reports/${members.open}/us-east-1/latest/report.json`);
    expect(unitReport.scope.account).toBe(members.open);
  }, 120_000);

  it('tells on-call once per run, naming the units that could not be swept', async () => {
    const notes = await topic.receive();
    const summary = notes.filter((n) => n.MessageAttributes?.['kind']?.Value === 'org-sweep-summary');
    expect(summary).toHaveLength(1);
    expect(summary[0]?.Message).toContain(`${members.refusing} us-east-1: AccessDenied`);
    expect(summary[0]?.Subject).toMatch(/3 units NOT SWEPT/);
  });

  it('says what changed since the last organisation report, comparing only units swept both times', async () => {
    await seed(members.open, 'eu-west-1', [{ name: 'app/eu-public', policy: PUBLIC_POLICY }]);
    faulty.failingUnits.clear();
    const d = deps(() => Date.UTC(2026, 11, 5, 12) / 1000);
    const { runId } = await createOrgPlanHandler(d)();
    await drain(d, runId);
    const second = await readJson<OrgReport>(`org/${runId}/organization.json`);
    expect(second.diff?.previousGeneratedAt).toBe(first.generatedAt);
    expect(second.diff?.newFailures.filter((f) => f.controlId === 'no-public-principal').map((f) => f.name)).toEqual(['app/eu-public']);
    // the flaky unit was not swept last time: its failures are not "new", and nothing there counts as resolved
    expect(second.diff?.newFailures.some((f) => f.account === members.flaky)).toBe(false);
    expect(second.diff?.comparedUnits).toBe(5);
    expect(second.failedUnits.map((u) => u.account)).toEqual([members.refusing, members.refusing]);
  }, 120_000);

  it('reads again only the secrets that changed since the last run, in every account; the full refresh reads them all', async () => {
    const policyReads = () => faulty.requests.filter((r) => r.action === 'secretsmanager.GetResourcePolicy').length;
    const last = await readJson<OrgReport>('org/latest/organization.json');
    let before = policyReads();
    const quiet = deps(() => Date.UTC(2026, 11, 6, 12) / 1000);
    const { runId } = await createOrgPlanHandler(quiet)();
    await drain(quiet, runId);
    expect(policyReads() - before).toBe(0);
    // judged from the store, nothing lost: the same secrets, the same failures
    const third = await readJson<OrgReport>(`org/${runId}/organization.json`);
    expect(third.summary.secrets).toBe(last.summary.secrets);
    expect(third.failures.map((f) => `${f.account} ${f.name} ${f.controlId}`).sort()).toEqual(last.failures.map((f) => `${f.account} ${f.name} ${f.controlId}`).sort());
    const unit = await readJson<{ scope: { freshness?: { readFresh: number; fromStore: number } } }>(`reports/${members.open}/us-east-1/latest/report.json`);
    expect(unit.scope.freshness).toMatchObject({ readFresh: 0, fromStore: 2 });
    before = policyReads();
    const full = deps(() => Date.UTC(2026, 11, 7, 12) / 1000);
    const refresh = await createOrgPlanHandler(full)({ full: true });
    await drain(full, refresh.runId);
    expect(policyReads() - before).toBe(third.summary.secrets);
  }, 120_000);
});
