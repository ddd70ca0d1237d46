import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ListSecretsCommand, type SecretListEntry } from '@aws-sdk/client-secrets-manager';
import type { Context, SQSEvent } from 'aws-lambda';
import pLimit from 'p-limit';
import { auditBatch, calledName, decodeNotificationKey, detectionAlert, detectionKey, HONEYTOKEN_TAG, isS3Notification, readEventsOf, secretDirectory, type Detection, type KnownSecret, type ReadBatch } from '../src/audit/index.js';
import { deliverAlert, type AlertPublisher, type Delivery } from '../src/alerts/index.js';
import type { AwsOptions } from '../src/aws/clients.js';
import { s3Client } from '../src/aws/clients/s3.js';
import { secretsManagerClient } from '../src/aws/clients/secrets-manager.js';
import { snsClient } from '../src/aws/clients/sns.js';
import { sqsClient } from '../src/aws/clients/sqs.js';
import { invocationStart } from '../src/aws/idempotency.js';
import { logger } from '../src/aws/logger.js';
import { auditSettings, type AuditSettings } from '../src/aws/settings.js';
import { accountOfArn, decodeEventFile, InvalidEventError } from '../src/events/index.js';
import { looksLikeFullSecretArn, secretNameFromArn } from '../src/events/references.js';
import { DynamoStateStore, type StateStore } from '../src/state/index.js';

export interface AuditResult {
  /** SQS messages to deliver again (a log file S3 would not give yet); the others are done. */
  batchItemFailures: { itemIdentifier: string }[];
  reads: number;
  detections: Detection[];
  deliveries: Delivery[];
  stateWrites: number;
  rejected: number;
}

export interface AuditDependencies {
  env: Record<string, string | undefined>;
  aws: (region: string) => AwsOptions;
  /** Wall-clock milliseconds, for the honeytoken list's age only; the judgement takes time from the events. */
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The state store of a table (DynamoDB unless a test hands another). */
  stateStore?: (tableName: string, aws: AwsOptions) => StateStore;
}

const REJECTED_SHOWN = 20;

/**
 * The audit Lambda: drains the read-event queue in batches. A message is an EventBridge event (the rule in state
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS) or an S3 notification of a CloudTrail log file (backfill).
 */
export function createAuditHandler(deps: AuditDependencies) {
  const start = invocationStart(() => auditSettings(deps.env), deps.aws);
  let honeytokens: { known: KnownSecret[]; readAt: number } | undefined;
  // Secrets read by name, resolved to their ARN by ListSecrets (a name filter), so a reader is kept under the secret's ARN
  // (the sweep's access report looks readers up by ARN). Each answer, found or not, is kept for the honeytoken refresh interval.
  const named = new Map<string, { secret: KnownSecret | undefined; readAt: number }>();
  const clock = deps.clock ?? Date.now;

  return async (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<AuditResult> => {
    const { s, home, sendOnce } = start(context);

    const batch: ReadBatch = { reads: [], skipped: 0, invalid: [] };
    const failures: { itemIdentifier: string }[] = [];
    const rejected: { messageId: string; problems: string[] }[] = [];
    // Each message's reads: batch.reads from `first`, up to the next message's.
    const messages: { messageId: string; first: number }[] = [];
    for (const message of event.Records ?? []) {
      const before = batch.invalid.length;
      messages.push({ messageId: message.messageId, first: batch.reads.length });
      try {
        await readMessage(message.body, batch, home);
      } catch (error) {
        if (error instanceof InvalidEventError) batch.invalid.push(error);
        else {
          logger.warn('message not read yet; SQS delivers it again', { messageId: message.messageId, error: (error as Error).name });
          failures.push({ itemIdentifier: message.messageId });
          continue;
        }
      }
      if (batch.invalid.length > before) rejected.push({ messageId: message.messageId, problems: batch.invalid.slice(before).map((e) => e.message) });
    }
    if (rejected.length) await deadLetter(rejected, s, home);

    const store = (deps.stateStore ?? DynamoStateStore.fromOptions)(s.stateTable, home);
    // Honeytokens last: a decoy's own entry wins over a name resolved earlier.
    const directory = secretDirectory([...(await secretsReadByName(batch, s, store)), ...(await honeytokensOf(s))]);
    const publisher: AlertPublisher = { sns: snsClient(home), topicArn: s.topicArn, deadLetter: { sqs: async () => sqsClient(home), queueUrl: s.dlqUrl }, ...(deps.sleep ? { sleep: deps.sleep } : {}) };
    const deliveries: Delivery[] = [];
    // A principal's alerts go out once its window is saved (they ride in it until sent): a batch that judged it against a
    // window another batch changed meanwhile judges it again first.
    const run = await auditBatch(store, batch.reads, { params: s.params, directory }, async (detections) => {
      for (const detection of detections) {
        const account = detection.secretArns.map(accountOfArn).find(Boolean) ?? batch.reads.find((r) => r.principal === detection.principal)?.recipientAccount ?? detection.principalAccount ?? 'unknown';
        const { alert, decision } = detectionAlert(detection, account, s.region);
        deliveries.push((await sendOnce({ key: detectionKey(detection), run: () => deliverAlert(alert, decision, publisher) })) as Delivery);
      }
    });
    if (run.unsaved.size) {
      const unsaved = messages.filter((m, i) => batch.reads.slice(m.first, messages[i + 1]?.first ?? batch.reads.length).some((r) => run.unsaved.has(r.principal)));
      logger.warn('windows contended by concurrent batches; SQS delivers their reads again', { principals: run.unsaved.size, messages: unsaved.length });
      failures.push(...unsaved.map((m) => ({ itemIdentifier: m.messageId })));
    }
    logger.info('read events judged', { reads: run.judged, detections: run.detections.length, stateWrites: run.writes, skipped: batch.skipped, rejected: batch.invalid.length });
    return { batchItemFailures: failures, reads: run.judged, detections: run.detections, deliveries, stateWrites: run.writes, rejected: batch.invalid.length };
  };

  /** The honeytokens of the function's region, by tag, read again after the refresh interval. */
  async function honeytokensOf(s: AuditSettings): Promise<KnownSecret[]> {
    if (honeytokens && clock() - honeytokens.readAt < s.honeytokenRefreshMs) return honeytokens.known;
    const sm = secretsManagerClient(deps.aws(s.region));
    const known: KnownSecret[] = [];
    let token: string | undefined;
    do {
      const page = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'tag-key', Values: [HONEYTOKEN_TAG] }], MaxResults: 100, ...(token ? { NextToken: token } : {}) }));
      for (const entry of page.SecretList ?? []) {
        const secret = knownSecret(entry, s.region);
        if (secret) known.push(secret);
      }
      token = page.NextToken;
    } while (token);
    honeytokens = { known, readAt: clock() };
    return known;
  }

  /**
   * The secrets of the function's own account and region that this batch reads by name or partial ARN: from the cache,
   * else one ListSecrets by name each (a prefix filter, so the exact name is picked out of at most NAME_LOOKUP_PAGES pages).
   * An id that looks like a full ARN may be a partial ARN of a name ending like a suffix (calledName): it is looked up only
   * when the state table holds no secret of that ARN, so a read by full ARN, the usual kind, costs none, and then as Secrets
   * Manager reads it: the secret of exactly that ARN, else the one named as written.
   * Another account's secrets stay as called: the audit role lists only its own account's.
   */
  async function secretsReadByName(batch: ReadBatch, s: AuditSettings, store: StateStore): Promise<KnownSecret[]> {
    const account = accountOfArn(s.topicArn);
    // Name -> the id that looks like a full ARN it came from, while no read called it otherwise.
    const wanted = new Map<string, string | undefined>();
    for (const read of batch.reads) {
      // A failed call names whatever the caller typed (a probe of made-up names): nothing to resolve, and no lookups to spend.
      if (read.errorCode !== undefined) continue;
      for (const id of read.secretIds) {
        const called = calledName(id);
        if (!called || (called.account ?? read.recipientAccount) !== account || (called.region ?? read.region) !== s.region) continue;
        const name = called.name;
        const fullArn = looksLikeFullSecretArn(id) ? id : undefined;
        if (fullArn === undefined || !wanted.has(name)) wanted.set(name, fullArn);
      }
    }
    const now = clock();
    // A name is looked up again after the refresh interval: a secret deleted and made again under its name has a new ARN.
    const missing = [...wanted.keys()].filter((name) => {
      const cached = named.get(name);
      return !cached || now - cached.readAt >= s.honeytokenRefreshMs;
    });
    if (named.size + missing.length > NAMES_KEPT) named.clear();
    const lookups = missing.filter((name) => wanted.get(name) === undefined);
    const asArns = missing.filter((name) => wanted.get(name) !== undefined);
    const stored = asArns.length ? await store.getSecrets(asArns.map((name) => wanted.get(name) as string)) : undefined;
    for (const name of asArns) {
      // The state table holds a secret of that ARN (the sweep's): the id is its full ARN, no name to look up.
      if (stored?.has(wanted.get(name) as string)) named.set(name, { secret: undefined, readAt: now });
      else lookups.push(name);
    }
    if (lookups.length > NAME_LOOKUPS_PER_BATCH) logger.warn('secrets read by name left as called this batch: too many new names', { names: lookups.length, lookedUp: NAME_LOOKUPS_PER_BATCH });
    if (lookups.length) {
      const sm = secretsManagerClient(deps.aws(s.region));
      const limit = pLimit(NAME_LOOKUPS_IN_FLIGHT);
      await Promise.all(
        lookups.slice(0, NAME_LOOKUPS_PER_BATCH).map((name) =>
          limit(async () => {
            try {
              named.set(name, { secret: await secretNamed(sm, name, s.region, wanted.get(name)), readAt: now });
            } catch (error) {
              // A refused or throttled lookup costs the batch nothing: the read is kept under the name as called.
              logger.warn('secret read by name not resolved: ListSecrets failed', { secretName: name, error: (error as Error).name });
            }
          }),
        ),
      );
    }
    const found: KnownSecret[] = [];
    for (const name of wanted.keys()) {
      const secret = named.get(name)?.secret;
      if (secret) found.push(secret);
    }
    return found;
  }
}

const NAME_LOOKUPS_IN_FLIGHT = 4;
/** New names looked up per batch at most, so a flood of reads by distinct names cannot hold the batch (and its alerts) up. */
const NAME_LOOKUPS_PER_BATCH = 200;
const NAME_LOOKUP_PAGES = 5;
/** Names remembered per container; past this the cache starts again (an account's secrets read by name are usually far fewer). */
const NAMES_KEPT = 50_000;

/**
 * The secret of that name, by ListSecrets (a prefix filter, so the exact name is picked out of at most NAME_LOOKUP_PAGES
 * pages). For an id that looks like a full ARN, the secret of exactly that ARN comes first: its name is the id's without
 * the suffix, a prefix of the name as written, so one filter finds both.
 */
async function secretNamed(sm: ReturnType<typeof secretsManagerClient>, name: string, region: string, fullArn?: string): Promise<KnownSecret | undefined> {
  const filter = (fullArn && secretNameFromArn(fullArn)) || name;
  let named: SecretListEntry | undefined;
  let token: string | undefined;
  for (let page = 0; page < NAME_LOOKUP_PAGES; page++) {
    const answer = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [filter] }], MaxResults: 100, ...(token ? { NextToken: token } : {}) }));
    for (const entry of answer.SecretList ?? []) {
      if (fullArn !== undefined && entry.ARN === fullArn) return knownSecret(entry, region);
      if (entry.Name === name) named = entry;
    }
    // Without a full ARN to look for, the name found is the answer.
    if (named && fullArn === undefined) return knownSecret(named, region);
    token = answer.NextToken;
    if (!token) return named && knownSecret(named, region);
  }
  logger.warn('secret read by name not resolved: too many secrets share its name as a prefix', { secretName: name });
  return undefined;
}

function knownSecret(entry: SecretListEntry, region: string): KnownSecret | undefined {
  if (!entry.ARN || !entry.Name) return undefined;
  return { arn: entry.ARN, name: entry.Name, account: accountOfArn(entry.ARN) ?? '', region, tags: Object.fromEntries((entry.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])) };
}

async function readMessage(body: string, batch: ReadBatch, aws: AwsOptions): Promise<void> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidEventError('body', 'not JSON');
  }
  if (typeof value === 'object' && value !== null && (value as { Event?: unknown }).Event === 's3:TestEvent') return;
  if (!isS3Notification(value)) {
    readEventsOf(value, batch);
    return;
  }
  for (const record of value.Records) {
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    if (!bucket || !key) throw new InvalidEventError('body.Records', 'an S3 notification without bucket and key');
    const objectKey = decodeNotificationKey(key);
    if (!/\.json(\.gz)?$/.test(objectKey)) continue;
    const answer = await s3Client(aws).send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }));
    const bytes = await answer.Body?.transformToByteArray();
    if (!bytes) throw new Error(`s3://${bucket}/${objectKey} has no body`);
    readEventsOf(decodeEventFile(bytes, `s3://${bucket}/${objectKey}`), batch);
  }
}

/** Input vigil cannot read is parked with its reasons, never handed back for SQS to deliver again and again. */
async function deadLetter(rejected: { messageId: string; problems: string[] }[], s: AuditSettings, aws: AwsOptions): Promise<void> {
  const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
  for (const r of rejected) {
    logger.error('read events rejected', { messageId: r.messageId, problems: r.problems.length, first: r.problems[0] });
    const body = JSON.stringify({ reason: 'the audit could not read these records', messageId: r.messageId, problems: r.problems.slice(0, REJECTED_SHOWN), more: Math.max(0, r.problems.length - REJECTED_SHOWN) });
    await sqsClient(aws).send(new SendMessageCommand({ QueueUrl: s.dlqUrl, MessageBody: body, MessageAttributes: { kind: { DataType: 'String', StringValue: 'rejected-read-events' } } }));
  }
}

export const handler = createAuditHandler({ env: process.env, aws: (region) => ({ region }) });
