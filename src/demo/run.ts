import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { DeleteSecretCommand, PutResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createAuditHandler } from '../../functions/audit.js';
import { createOnEventHandler } from '../../functions/on-event.js';
import { eventBridgeClient } from '../aws/clients/eventbridge.js';
import { kmsClient } from '../aws/clients/kms.js';
import { secretsManagerClient } from '../aws/clients/secrets-manager.js';
import { sqsClient } from '../aws/clients/sqs.js';
import { logger } from '../aws/logger.js';
import { READ_EVENT_PATTERN } from '../audit/index.js';
import { plantHoneytoken } from '../cli/honeytoken.js';
import { listControls, parseParams } from '../controls/index.js';
import { createStateTable, DynamoStateStore } from '../state/index.js';
import { sweepAccount } from '../inventory/index.js';
import { EVENT_PATTERNS, type Alert } from '../reactions/index.js';
import { ACCESS_CSV, HTML_REPORT, plural, renderAll, summarySentence } from '../reports/index.js';
import { accessLines, sweepWithReaders } from './access-report.js';
import { DEMO_SECRETS, TRUSTED_ACCOUNT, TRUSTED_ORG, policyDocument, seedAccount } from './account.js';
import { ensureMotoServer, emulatorAt, startEmulator, type Emulator } from './emulator.js';
import { loadEventFixture, retarget } from './incident.js';
import { RECORDED_2026, replicationFindings } from './replication-2026.js';
import { theftRecords } from './theft.js';
import { topicWithSubscriber, type ReceivedNotification } from './subscriber.js';

export interface DemoOptions {
  /** An emulator already running; otherwise the demo starts its own and stops it when done. */
  endpointUrl?: string;
  outDir: string;
  print: (line: string) => void;
  /** Wall-clock time, epoch seconds. */
  clock: () => number;
  /** Called with the emulator's stop function, so the CLI can stop it on Ctrl-C. */
  onEmulator?: (stop: () => Promise<void>) => void;
}

export interface DemoSummary {
  secrets: number;
  failing: number;
  reportDir: string;
  htmlReport: string;
  alerts: { subject: string; kind: string; severity: string }[];
  /** The access report of the last sweep: secrets read in the period, by how many principals, and those with new readers. */
  access?: { secretsRead: number; principals: number; secretsWithNewReaders: number };
  seconds: number;
}

const DEMO_PARAMS = parseParams({ requiredTagKeys: ['team', 'owner'], trustedAccounts: [TRUSTED_ACCOUNT], trustedOrgIds: [TRUSTED_ORG], maxRotationIntervalDays: 90 });
const placeholderValue = (name: string) => `demo-placeholder-for-${name}`;
const HONEYTOKEN_NAME = 'prod/admin/master-db-credentials';
const STATE_TABLE = 'vigil-state';

/** On-call's notifications as they read them: subject, attributes, and the message. */
async function showAlerts(received: ReceivedNotification[], say: (line: string) => void): Promise<DemoSummary['alerts']> {
  const alerts: DemoSummary['alerts'] = [];
  for (const notification of received) {
    const { alert } = JSON.parse(notification.Message) as { alert: Alert };
    alerts.push({ subject: notification.Subject ?? alert.subject, kind: alert.kind, severity: alert.severity });
    say(`\n   ── ${notification.Subject}`);
    say(`      attributes: ${Object.entries(notification.MessageAttributes ?? {}).map(([k, v]) => `${k}=${v.Value}`).join(' ')}`);
    for (const line of alert.message.split('\n')) if (line.trim() && !line.startsWith('--')) say(`      ${line}`);
  }
  return alerts;
}

/** The whole pipeline on a local AWS emulator: seed an account, sweep it, write every report, play an incident and a theft, show the alerts. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = options.clock();
  const say = options.print;
  // The demo speaks to a person: the handlers' operational logs would drown it out.
  logger.setLogLevel('WARN');
  let emulator: Emulator;
  if (options.endpointUrl) {
    emulator = emulatorAt(options.endpointUrl);
    // The demo seeds its own account: an emulator a previous run seeded already holds its keys, alias and secrets.
    await emulator.reset();
    say(`Reset the emulator at ${emulator.endpoint} (moto's /moto-api/reset), so the demo starts from an empty account.`);
  } else {
    emulator = await startEmulator(ensureMotoServer(say));
    say(`Started a local AWS emulator (moto) at ${emulator.endpoint}; it stops when the demo ends.`);
  }
  options.onEmulator?.(emulator.stop);
  try {
    const aws = { ...emulator.aws(), maxAttempts: 3 };
    const account = '123456789012';

    say(`\n1. Seeding an account with ${DEMO_SECRETS.length} secrets as a real team has them…`);
    const seeded = await seedAccount(
      { secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), primary: (region) => ({ secretsManager: secretsManagerClient({ ...emulator.aws(region), maxAttempts: 3 }) }) },
      DEMO_SECRETS,
      placeholderValue,
      account,
    );
    const topic = await topicWithSubscriber(aws, 'vigil-alerts');
    const onCall = topic;
    const sqs = sqsClient(aws);
    const queue = async (name: string) => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'] as string;
      return { url, arn };
    };
    const dlq = await queue('vigil-dlq');
    // moto cannot invoke a Lambda without Docker: EventBridge delivers to a queue, and the demo hands each event to the handler.
    const lambdaInbox = await queue('vigil-on-event-inbox');
    const events = eventBridgeClient(aws);
    for (const [name, pattern] of Object.entries(EVENT_PATTERNS)) {
      await events.send(new PutRuleCommand({ Name: `vigil-${name}`, EventPattern: JSON.stringify(pattern) }));
      await events.send(new PutTargetsCommand({ Rule: `vigil-${name}`, Targets: [{ Id: 'on-event', Arn: lambdaInbox.arn }] }));
    }
    const dynamo = new DynamoDBClient({ ...aws });
    await dynamo.send(
      new CreateTableCommand({ TableName: 'vigil-idempotency', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }),
    );
    await createStateTable(dynamo, STATE_TABLE);
    const state = new DynamoStateStore(STATE_TABLE, dynamo);
    say(`   ${DEMO_SECRETS.length} secrets, 3 KMS keys (one disabled, one pending deletion), an SNS alert topic with on-call's queue subscribed, and the EventBridge rules vigil deploys.`);

    say('\n2. Sweeping every secret against the nine controls…');
    const now = options.clock();
    // The sweep keeps what it read in the state table, as the deployed one does: the access report of step 7 counts new readers since it.
    const sweep = await sweepAccount({ regions: ['us-east-1'], aws: { endpoint: emulator.endpoint, credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' }, maxAttempts: 3 }, params: DEMO_PARAMS, now, clock: options.clock, store: state });
    const report = sweep.report;
    const { files } = renderAll(report, await listControls());
    const reportDir = resolve(options.outDir);
    mkdirSync(reportDir, { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(join(reportDir, file), content);
    const s = report.summary;
    say(`   ${summarySentence(s)}`);
    say(`   Failures by severity: critical ${s.failuresBySeverity.CRITICAL}, high ${s.failuresBySeverity.HIGH}, medium ${s.failuresBySeverity.MEDIUM}, low ${s.failuresBySeverity.LOW}.`);
    for (const c of s.byControl) say(`   ${c.controlId.padEnd(28)} ${c.compliancePercent === null ? '   -' : `${String(c.compliancePercent).padStart(5)}%`} compliant`);
    say(`   Reports (JSON, Markdown, HTML, CSV, ASFF, OCSF) in ${reportDir}`);
    say(`   Open this first: ${join(reportDir, HTML_REPORT)}`);

    say(`\n   Secrets Manager since 2026 (the emulator lacks it, so ${RECORDED_2026.length} recorded secrets, read by the same sweep): a cross-account replica, and a secret with two resource policies…`);
    for (const line of await replicationFindings(DEMO_PARAMS, now)) say(`   FAIL ${line}`);

    say('\n3. An incident: four things go wrong, CloudTrail reports them, EventBridge routes them to vigil…');
    const sm = secretsManagerClient(aws);
    const arnOf = (name: string) => seeded.arns[name] as string;
    const at = new Date(options.clock() * 1000).toISOString();
    const steps: { what: string; act: () => Promise<unknown>; event: ReturnType<typeof retarget> }[] = [
      {
        what: 'someone makes prod/orders/db-credentials public',
        act: () => sm.send(new PutResourcePolicyCommand({ SecretId: arnOf('prod/orders/db-credentials'), ResourcePolicy: policyDocument('public', account) })),
        event: retarget(loadEventFixture('eventbridge/PutResourcePolicy-public.json'), { account, id: 'demo-public', time: at, secret: { fixtureArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er', arn: arnOf('prod/orders/db-credentials'), name: 'prod/orders/db-credentials' } }),
      },
      {
        what: 'prod/legacy/ftp-password is force-deleted, no recovery window',
        act: () => sm.send(new DeleteSecretCommand({ SecretId: arnOf('prod/legacy/ftp-password'), ForceDeleteWithoutRecovery: true })),
        event: retarget(loadEventFixture('eventbridge/DeleteSecret-force.json'), { account, id: 'demo-force', time: at, secret: { fixtureArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er', arn: arnOf('prod/legacy/ftp-password'), name: 'prod/legacy/ftp-password' } }),
      },
      {
        what: 'rotation of prod/payments/db-credentials fails',
        act: async () => undefined,
        event: retarget(loadEventFixture('eventbridge/RotationFailed.json'), { account, id: 'demo-rotation', time: at, secret: { fixtureArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/reporting-Zx56Cv', arn: arnOf('prod/payments/db-credentials'), name: 'prod/payments/db-credentials' } }),
      },
      {
        what: 'the production KMS key is scheduled for deletion',
        act: () => kmsClient(aws).send(new ScheduleKeyDeletionCommand({ KeyId: seeded.keys.prod.split('/').pop(), PendingWindowInDays: 7 })),
        event: retarget(loadEventFixture('eventbridge/ScheduleKeyDeletion.json'), { account, id: 'demo-key', time: at, key: { fixtureArn: 'arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d', arn: seeded.keys.prod, id: seeded.keys.prod.split('/').pop() as string } }),
      },
    ];
    for (const step of steps) {
      say(`   - ${step.what}`);
      await step.act();
      const e = step.event as unknown as { source: string; 'detail-type': string; detail: unknown };
      await events.send(new PutEventsCommand({ Entries: [{ Source: e.source, DetailType: e['detail-type'], Detail: JSON.stringify(e.detail), Time: new Date(at) }] }));
    }

    const handler = createOnEventHandler({
      env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: onCall.topicArn, VIGIL_DLQ_URL: dlq.url, VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency', VIGIL_PARAMS: JSON.stringify(DEMO_PARAMS) },
      aws: (region) => ({ ...emulator.aws(region), maxAttempts: 3 }),
    });
    let delivered = 0;
    for (;;) {
      const batch = await sqs.send(new ReceiveMessageCommand({ QueueUrl: lambdaInbox.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!batch.Messages?.length) break;
      for (const message of batch.Messages) {
        const event = JSON.parse(message.Body as string) as Record<string, unknown> & { detail?: { recipientAccountId?: string } };
        // moto leaves out the envelope's account, which EventBridge always sets; it is the account CloudTrail recorded.
        event['account'] ??= event.detail?.recipientAccountId ?? account;
        await handler(event, { getRemainingTimeInMillis: () => 300_000 });
        delivered += 1;
        await sqs.send(new DeleteMessageCommand({ QueueUrl: lambdaInbox.url, ReceiptHandle: message.ReceiptHandle }));
      }
    }
    say(`   EventBridge delivered ${delivered} events to vigil's handler through the deployed rule patterns.`);

    say('\n4. What on-call received (from the queue subscribed to the alert topic):');
    const alerts: DemoSummary['alerts'] = await showAlerts(await onCall.receive(), say);

    say('\n5. A theft: an access key of the CI user ci/deploy-bot leaks. The thief lists the secrets and reads twenty of them, one by one,');
    say('   and a honeytoken among them. Before it, the payments application reads its secret as it always does…');
    const honeytoken = await plantHoneytoken(sm, { name: HONEYTOKEN_NAME, region: 'us-east-1', tags: [{ Key: 'team', Value: 'platform' }, { Key: 'owner', Value: 'platform@example.com' }] });
    say(`   Planted the honeytoken ${honeytoken.name} (vigil honeytoken create): tagged vigil:honeytoken=true, holding a random credential nothing uses.`);
    const readInbox = await queue('vigil-audit-reads');
    // The deployed rule's state: a rule in plain ENABLED never receives read-only management events (moto routes either).
    await events.send(new PutRuleCommand({ Name: 'vigil-audit-reads', EventPattern: JSON.stringify(READ_EVENT_PATTERN), State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' }));
    await events.send(new PutTargetsCommand({ Rule: 'vigil-audit-reads', Targets: [{ Id: 'audit-queue', Arn: readInbox.arn }] }));
    const stolen = DEMO_SECRETS.map((secret) => secret.name).filter((name) => name !== 'prod/legacy/ftp-password').slice(0, 20).map(arnOf);
    const theft = theftRecords({ account, start: options.clock() * 1000, stolen: [...stolen, honeytoken.arn], ordinary: 'prod/payments/db-credentials' });
    for (let i = 0; i < theft.length; i += 10) {
      await events.send(new PutEventsCommand({ Entries: theft.slice(i, i + 10).map((record) => ({ Source: 'aws.secretsmanager', DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(record), Time: new Date(String(record['eventTime'])) })) }));
    }
    // Lambda's SQS poller hands the audit function what the queue gathered in its batching window, as one batch.
    const reads: SQSEvent['Records'] = [];
    for (;;) {
      const batch = await sqs.send(new ReceiveMessageCommand({ QueueUrl: readInbox.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!batch.Messages?.length) break;
      for (const m of batch.Messages) reads.push({ messageId: m.MessageId as string, receiptHandle: m.ReceiptHandle as string, body: m.Body as string, attributes: {} as SQSEvent['Records'][number]['attributes'], messageAttributes: {}, md5OfBody: m.MD5OfBody ?? '', eventSource: 'aws:sqs', eventSourceARN: readInbox.arn, awsRegion: 'us-east-1' });
    }
    const audit = createAuditHandler({
      env: { AWS_REGION: 'us-east-1', VIGIL_ALERT_TOPIC_ARN: onCall.topicArn, VIGIL_DLQ_URL: dlq.url, VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency', VIGIL_STATE_TABLE: STATE_TABLE, VIGIL_PARAMS: JSON.stringify(DEMO_PARAMS) },
      aws: (region) => ({ ...emulator.aws(region), maxAttempts: 3 }),
    });
    const judged = await audit({ Records: reads }, { getRemainingTimeInMillis: () => 300_000 });
    for (const m of reads) await sqs.send(new DeleteMessageCommand({ QueueUrl: readInbox.url, ReceiptHandle: m.receiptHandle }));
    say(`   CloudTrail recorded ${theft.length} calls; the read rule routed the ${reads.length} reads (ListSecrets is no read) to the audit function in one batch.`);
    say(`   The audit judged ${judged.reads} reads and kept the readers of each secret in the state table in ${judged.stateWrites} writes; the payments application's reads raised nothing.`);

    say('\n6. What on-call received about the theft:');
    const theftAlerts = await showAlerts(await onCall.receive(), say);
    alerts.push(...theftAlerts);

    say('\n7. The access report: the scheduled sweep runs again, a full refresh, now with the readers the audit kept in the state table…');
    // The theft's records span a minute from when step 5 began, played at once: the sweep judges as of its last read.
    const theftOver = Date.parse(String(theft.at(-1)?.['eventTime'])) / 1000 + 1;
    const after = await sweepWithReaders({ aws: (region) => ({ ...emulator.aws(region), maxAttempts: 3 }), account, region: 'us-east-1', bucket: 'vigil-reports', topicArn: onCall.topicArn, stateTable: STATE_TABLE, params: DEMO_PARAMS, clock: () => Math.max(options.clock(), theftOver), reportDir });
    say(`   The sweep function (functions/sweep.ts) judged ${plural(after.report.summary.secrets, 'secret')} as of ${after.report.evaluatedAt}, once the thief's minute was over (the demo plays it at once), and stored its reports in ${after.location}.`);
    for (const notification of await onCall.receive()) say(`   On-call's queue got its summary: "${notification.Subject}".`);
    for (const line of accessLines(after.report)) say(`   ${line}`);
    say(`   Copied into ${reportDir}, replacing step 2's: report.json lists each secret's readers, ${ACCESS_CSV} a row per secret and reader (change "new" for a new one), report.html a section per secret under "Who read each secret".`);

    const seconds = options.clock() - started;
    say(`\nDone in ${seconds.toFixed(1)} s: ${s.secrets} secrets swept, ${s.failing} failing findings before the incident and ${after.report.summary.failing} after, ${alerts.length - theftAlerts.length} incident alerts and ${theftAlerts.length} theft detections delivered, no secret value read.`);
    say(`Open ${join(reportDir, HTML_REPORT)} to see the findings after the incident and who read each secret; run npm test to see everything proven.`);
    const access = after.report.access?.audited ? { secretsRead: after.report.access.secretsRead, principals: after.report.access.principals, secretsWithNewReaders: after.report.access.secretsWithNewReaders } : undefined;
    return { secrets: s.secrets, failing: s.byStatus.FAIL, reportDir, htmlReport: join(reportDir, HTML_REPORT), alerts, ...(access ? { access } : {}), seconds };
  } finally {
    await emulator.stop();
  }
}

