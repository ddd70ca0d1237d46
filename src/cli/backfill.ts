import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { logFileNotification, type LogFileObject } from '../audit/index.js';
import { s3Client } from '../aws/clients/s3.js';
import { sqsClient } from '../aws/clients/sqs.js';
import { plural } from '../reports/writer.js';
import { toCliError } from './exit.js';
import { AwsUnavailableError, CliError } from './io.js';
import { checkLiveOptions, homeRegion, type Io } from './sweep.js';

export interface BackfillOptions {
  bucket: string;
  prefix?: string;
  days: string;
  queueUrl: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ACCOUNT = /^\d{12}$/;
const ORGANIZATION = /^o-[a-z0-9]{10,32}$/;
const LOG_FILE = /\.json(\.gz)?$/;
const MAX_DAYS = 3650;
/** SendMessageBatch takes ten messages at most. */
const BATCH = 10;
const SEND_ATTEMPTS = 3;

/**
 * `vigil audit backfill`: puts the CloudTrail log files a trail bucket already holds through the deployed audit Lambda, as
 * the S3 notifications the read queue receives for new ones, oldest day first. It lists and sends; it reads no log file.
 */
export async function runBackfill(options: BackfillOptions, io: Io): Promise<number> {
  if (!BUCKET.test(options.bucket)) throw new CliError(`--bucket ${options.bucket}: expected a bucket name (3-63 lowercase letters, digits, dots and hyphens), not a URL`);
  const days = /^\d+$/.test(options.days) ? Number(options.days) : NaN;
  if (!(days >= 1 && days <= MAX_DAYS)) throw new CliError(`--days ${options.days}: expected a whole number of days from 1 to ${MAX_DAYS}`);
  const queueRegion = checkQueueUrl(options.queueUrl);
  const plan = checkLiveOptions({ ...(options.region ? { region: [options.region] } : {}), ...(options.profile ? { profile: options.profile } : {}), ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}) }, io);
  const region = options.region ?? queueRegion ?? (await homeRegion(options.profile ? { profile: options.profile } : {}, io));
  if (!region) throw new CliError('no region: pass --region REGION or set AWS_REGION');
  const prefix = trailPrefix(options.prefix ?? '');
  const dates = datesOf(io.clock() * 1000, days);
  const sender = new NotificationSender(sqsClient({ ...plan.aws, region }), options.queueUrl, region);
  const where = `s3://${options.bucket}/${prefix}AWSLogs/`;

  try {
    const s3 = s3Client({ ...plan.aws, region });
    const roots = await trailRoots(s3, options.bucket, `${prefix}AWSLogs/`);
    if (!roots.length) throw new CliError(`${where}: no CloudTrail log folders (AWSLogs/<account>/CloudTrail/<region>/); is --bucket or --prefix wrong?`);
    for (const date of dates) {
      for (const root of roots) {
        for await (const object of objectsUnder(s3, options.bucket, `${root}${date}/`)) if (LOG_FILE.test(object.key)) await sender.add(object);
      }
      await sender.flush();
    }
  } catch (error) {
    const failure = toCliError(error, { profile: options.profile });
    if (failure instanceof AwsUnavailableError) throw new AwsUnavailableError(`${failure.message} (${sender.sent} log files were enqueued before it stopped, through ${sender.lastDate ?? 'none'})`, { cause: error });
    throw failure;
  }
  io.stdout(`enqueued ${plural(sender.sent, 'CloudTrail log file')} of ${dates[0]} to ${dates.at(-1)} from ${where} for the audit Lambda\n`);
  return 0;
}

/** The queue URL's region when it is an AWS one (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME). */
function checkQueueUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--queue-url ${text}: expected the read queue's URL (the stack output AuditReadQueueUrl), e.g. https://sqs.us-east-1.amazonaws.com/123456789012/vigil-prod-AuditReadQueue-ABC`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.pathname.split('/').filter(Boolean).length !== 2) throw new CliError(`--queue-url ${text}: expected a queue URL of the form https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`);
  return /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}

/** The trail's S3 key prefix as CloudTrail shows it (`org-logs`, or `org-logs/`), ending in '/' unless empty. */
export function trailPrefix(text: string): string {
  const trimmed = text.replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
}

/** The UTC dates, as CloudTrail writes them in its keys (YYYY/MM/DD), of today and the days - 1 before it, oldest first. */
export function datesOf(nowMs: number, days: number): string[] {
  const today = Math.floor(nowMs / 86_400_000);
  return Array.from({ length: days }, (_, i) => new Date((today - days + 1 + i) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '/'));
}

/** Every `…/AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/` folder: one per account and region, never a log file. */
async function trailRoots(s3: S3Client, bucket: string, base: string): Promise<string[]> {
  const accounts: string[] = [];
  for await (const folder of foldersUnder(s3, bucket, base)) {
    const name = folder.slice(base.length, -1);
    if (ACCOUNT.test(name)) accounts.push(folder);
    // An organisation trail writes under the organisation's id, then each account's.
    else if (ORGANIZATION.test(name)) for await (const member of foldersUnder(s3, bucket, folder)) if (ACCOUNT.test(member.slice(folder.length, -1))) accounts.push(member);
  }
  const roots: string[] = [];
  for (const account of accounts) for await (const region of foldersUnder(s3, bucket, `${account}CloudTrail/`)) roots.push(region);
  return roots;
}

async function* foldersUnder(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<string> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ...(token ? { ContinuationToken: token } : {}) }));
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) yield p.Prefix;
    token = page.NextContinuationToken;
  } while (token);
}

/** The objects under a prefix, a page at a time (S3 lists them in key order, so in time order within a day's folder). */
async function* objectsUnder(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<LogFileObject> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) if (o.Key) yield { bucket, key: o.Key, ...(o.Size !== undefined ? { size: o.Size } : {}), ...(o.ETag ? { eTag: o.ETag } : {}), ...(o.LastModified ? { lastModified: o.LastModified } : {}) };
    token = page.NextContinuationToken;
  } while (token);
}

/** Sends notifications ten to a SendMessageBatch, again for the entries SQS failed, holding at most one batch. */
class NotificationSender {
  sent = 0;
  lastDate: string | undefined;
  private pending: LogFileObject[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly region: string,
  ) {}

  async add(object: LogFileObject): Promise<void> {
    this.pending.push(object);
    if (this.pending.length === BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    let entries = this.pending.map((object, i) => ({ Id: String(i), MessageBody: JSON.stringify(logFileNotification(object, this.region)) }));
    for (let attempt = 1; entries.length; attempt++) {
      const answer = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      const failed = answer.Failed ?? [];
      this.sent += entries.length - failed.length;
      const first = failed[0];
      if (first && (first.SenderFault || attempt === SEND_ATTEMPTS)) throw new AwsUnavailableError(`SQS refused ${failed.length} of ${entries.length} messages: ${first.Code ?? 'unknown'}: ${first.Message ?? ''}`.trim());
      entries = entries.filter((e) => failed.some((f) => f.Id === e.Id));
    }
    const last = this.pending.at(-1);
    if (last) this.lastDate = /\/(\d{4}\/\d{2}\/\d{2})\//.exec(last.key)?.[1] ?? this.lastDate;
    this.pending = [];
  }
}
