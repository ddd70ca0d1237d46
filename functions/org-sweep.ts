import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { clientConfig, type AwsOptions } from '../src/aws/clients.js';
import { organizationsClient } from '../src/aws/clients/organizations.js';
import { s3Client } from '../src/aws/clients/s3.js';
import { putObject as put, readObject as read } from '../src/aws/s3-objects.js';
import { snsClient } from '../src/aws/clients/sns.js';
import { sqsClient } from '../src/aws/clients/sqs.js';
import { stsClient } from '../src/aws/clients/sts.js';
import { logger } from '../src/aws/logger.js';
import { listControls, preloadControls } from '../src/controls/index.js';
import { listOrganizationAccounts } from '../src/org/accounts.js';
import { OrgRunLedger } from '../src/org/ledger.js';
import { buildOrgReport, orgDiffCounts, renderOrgMarkdown, type OrgReport, type UnitResult } from '../src/org/report.js';
import { orgSettings, type OrgSettings } from '../src/org/settings.js';
import { failedUnit, sweepUnit } from '../src/org/unit-sweep.js';
import { planUnits, type SweepUnit } from '../src/org/units.js';
import { NOT_AUDITED_ORGANIZATION, plural, renderAll, type Report } from '../src/reports/index.js';
import { DynamoStateStore } from '../src/state/index.js';

/** One message of the unit queue: sweep this account in this region, as part of this run. */
const unitMessageSchema = z.strictObject({
  runId: z.string().check(z.regex(/^[\w-]{1,64}$/)),
  account: z.string().check(z.regex(/^\d{12}$/)),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/)),
  evaluatedAt: z.number(),
  /** Read every secret again (the full-refresh schedule), not only those whose LastChangedDate moved. */
  full: z.optional(z.boolean()),
});
export type UnitMessage = z.output<typeof unitMessageSchema>;

export interface OrgDependencies {
  env: Record<string, string | undefined>;
  aws: (region: string) => AwsOptions;
  /** Wall-clock time, epoch seconds. */
  clock: () => number;
}

const defaultDependencies: OrgDependencies = { env: process.env, aws: (region) => ({ region }), clock: () => Date.now() / 1000 };

const stamp = (epoch: number) => new Date(epoch * 1000).toISOString().replace(/[:.]/g, '-');
const unitResultKey = (runId: string, u: SweepUnit) => `org/${runId}/units/${u.account}/${u.region}.json`;
const ledgerOf = (settings: OrgSettings, deps: OrgDependencies) => new OrgRunLedger(settings.table, new DynamoDBClient(clientConfig(deps.aws(settings.region))));

/** The scheduled start of an organisation sweep: list the accounts, then queue one unit per account × region. */
export function createOrgPlanHandler(deps: OrgDependencies) {
  return async (input?: unknown): Promise<{ runId: string; units: number }> => {
    const settings = orgSettings(deps.env);
    const full = typeof input === 'object' && input !== null && (input as { full?: unknown }).full === true;
    if (!settings.queueUrl) throw new Error('environment.VIGIL_ORG_QUEUE_URL: the planner needs the unit queue');
    const home = deps.aws(settings.region);
    const accounts = settings.accounts ?? (await listOrganizationAccounts(organizationsClient(home)));
    const units = planUnits(accounts, settings.regions, 'environment.VIGIL_REGIONS');
    const evaluatedAt = deps.clock();
    const runId = stamp(evaluatedAt);
    await ledgerOf(settings, deps).startRun(runId, units.length, evaluatedAt);
    const sqs = sqsClient(home);
    for (let i = 0; i < units.length; i += 10) {
      const batch = units.slice(i, i + 10).map((u, j) => ({ Id: String(i + j), MessageBody: JSON.stringify({ runId, account: u.account, region: u.region, evaluatedAt, ...(full ? { full } : {}) } satisfies UnitMessage) }));
      const answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: settings.queueUrl, Entries: batch }));
      if (answer.Failed?.length) throw new Error(`SQS refused ${answer.Failed.length} unit messages of run ${runId}: ${answer.Failed[0]?.Code} ${answer.Failed[0]?.Message ?? ''}`);
    }
    logger.info('organisation sweep queued', { runId, accounts: accounts.length, regions: settings.regions.length, units: units.length, full });
    return { runId, units: units.length };
  };
}

/**
 * A worker: sweeps the units SQS hands it. A unit that throws is left on the queue (SQS retries it, then dead-letters it);
 * one whose role refuses vigil is finished as `failed`, a finding about that account. The last unit to finish fans in.
 */
export function createOrgUnitHandler(deps: OrgDependencies) {
  return async (event: SQSEvent, context?: Partial<Pick<Context, 'invokedFunctionArn'>>): Promise<SQSBatchResponse> => {
    const settings = orgSettings(deps.env);
    const home = deps.aws(settings.region);
    const ledger = ledgerOf(settings, deps);
    const store = DynamoStateStore.fromOptions(settings.table, home);
    const ownAccount = context?.invokedFunctionArn?.split(':')[4];
    const controls = await listControls();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const message = parseUnitMessage(record.body);
      if (!message) {
        // Not retried to no end: SQS dead-letters it after maxReceiveCount, and the dead-letter handler reports it.
        logger.error('unit message vigil cannot read', { messageId: record.messageId });
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      const unit = { account: message.account, region: message.region };
      try {
        const { result, report } = await sweepUnit(unit, {
          aws: withoutRegion(deps.aws(unit.region)),
          sts: stsClient(home),
          ...(ownAccount ? { ownAccount } : {}),
          role: { roleName: settings.roleName, ...(settings.externalId ? { externalId: settings.externalId } : {}) },
          controls,
          params: settings.params,
          store,
          ...(message.full ? { full: true } : {}),
          now: message.evaluatedAt,
          clock: deps.clock,
          ...(settings.policyRate ? { policyRatePerSecond: settings.policyRate } : {}),
        });
        const s3 = s3Client(home);
        if (report) await storeUnitReport(s3, settings.bucket, message.runId, report, controls);
        await finishUnit(result, message.runId, settings, deps, ledger);
        logger.info('unit swept', { runId: message.runId, ...unit, status: result.status, secrets: result.secrets });
      } catch (error) {
        const why = `${(error as Error).name}: ${(error as Error).message}`;
        logger.warn('unit failed; SQS retries it', { runId: message.runId, ...unit, error: why });
        await ledger.recordAttempt(message.runId, unit, why, deps.clock()).catch(() => undefined);
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

/** The unit queue's dead letters: a unit that failed every attempt is finished as `failed`, with its last error, so the run completes. */
export function createOrgUnitFailedHandler(deps: OrgDependencies) {
  return async (event: SQSEvent): Promise<void> => {
    const settings = orgSettings(deps.env);
    const ledger = ledgerOf(settings, deps);
    for (const record of event.Records) {
      const message = parseUnitMessage(record.body);
      if (!message) {
        logger.error('dead-lettered unit message vigil cannot read; dropped', { messageId: record.messageId, bytes: record.body.length });
        continue;
      }
      const unit = { account: message.account, region: message.region };
      const last = await ledger.lastAttempt(message.runId, unit);
      const attempts = last?.attempts ?? Number(record.attributes?.ApproximateReceiveCount ?? 0);
      const result = failedUnit(unit, last?.error ? `failed every attempt; last: ${last.error}` : 'failed every attempt (no error was recorded)', attempts || undefined);
      await finishUnit(result, message.runId, settings, deps, ledger);
      logger.error('unit dead-lettered', { runId: message.runId, ...unit, attempts, error: last?.error });
    }
  };
}

function parseUnitMessage(body: string): UnitMessage | undefined {
  try {
    const parsed = unitMessageSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const withoutRegion = ({ region: _region, ...rest }: AwsOptions) => rest;

async function finishUnit(result: UnitResult, runId: string, settings: OrgSettings, deps: OrgDependencies, ledger: OrgRunLedger): Promise<void> {
  const s3 = s3Client(deps.aws(settings.region));
  const key = unitResultKey(runId, result);
  await put(s3, settings.bucket, key, JSON.stringify(result));
  const run = await ledger.finishUnit(runId, result, { status: result.status, resultKey: key }, deps.clock());
  if (run && run.finished >= run.total && (await ledger.claimFanIn(runId))) await fanIn(runId, run.evaluatedAt, settings, deps);
}

/** Reads every unit's result and writes the organisation report (and the latest copy), then tells on-call in one message. */
export async function fanIn(runId: string, evaluatedAt: number, settings: OrgSettings, deps: OrgDependencies): Promise<OrgReport> {
  const s3 = s3Client(deps.aws(settings.region));
  const units: UnitResult[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: settings.bucket, Prefix: `org/${runId}/units/`, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key) units.push(JSON.parse(await read(s3, settings.bucket, object.Key)) as UnitResult);
    token = page.NextContinuationToken;
  } while (token);
  const previousText = await read(s3, settings.bucket, 'org/latest/organization.json').catch(() => undefined);
  const report = buildOrgReport({ units, controls: await listControls(), evaluatedAt, generatedAt: deps.clock(), ...(previousText ? { previous: JSON.parse(previousText) as OrgReport } : {}) });
  const json = `${JSON.stringify(report)}\n`;
  const md = renderOrgMarkdown(report);
  for (const folder of [`org/${runId}`, 'org/latest']) {
    await put(s3, settings.bucket, `${folder}/organization.json`, json);
    await put(s3, settings.bucket, `${folder}/organization.md`, md);
  }
  await snsClient(deps.aws(settings.region)).send(new PublishCommand({ TopicArn: settings.topicArn, Subject: orgSubject(report), Message: orgMessage(report, `s3://${settings.bucket}/org/${runId}/organization.md`), MessageAttributes: { kind: { DataType: 'String', StringValue: 'org-sweep-summary' }, severity: { DataType: 'String', StringValue: report.failedUnits.length ? 'HIGH' : 'INFORMATIONAL' } } }));
  logger.info('organisation report written', { runId, accounts: report.scope.accounts, units: report.scope.units, failedUnits: report.failedUnits.length });
  return report;
}

export function orgSubject(report: OrgReport): string {
  const s = report.summary;
  return `vigil organisation sweep: ${s.failing} failing over ${plural(report.scope.accounts, 'account')}${s.unitsFailed ? `, ${plural(s.unitsFailed, 'unit')} NOT SWEPT` : ''}`.slice(0, 100);
}

/** The summary on-call reads: counts, the units that failed and the newest failures, each list cut with a count (it fits one SNS message). */
export function orgMessage(report: OrgReport, where: string, max = 20): string {
  const s = report.summary;
  const lines = [`vigil swept ${plural(s.secrets, 'secret')} in ${plural(report.scope.accounts, 'account')} × ${plural(report.scope.regions.length, 'region')} as of ${report.evaluatedAt}.`, `Failing: ${s.failing} (critical ${s.failuresBySeverity.CRITICAL}, high ${s.failuresBySeverity.HIGH}, medium ${s.failuresBySeverity.MEDIUM}, low ${s.failuresBySeverity.LOW}); ${s.exemptedFailures} exempted; ${s.errors} could not be decided.`];
  if (report.failedUnits.length) {
    lines.push('', `${plural(report.failedUnits.length, 'unit')} could not be swept:`);
    for (const u of report.failedUnits.slice(0, max)) lines.push(`- ${u.account} ${u.region}: ${u.reason.slice(0, 300)}`);
    if (report.failedUnits.length > max) lines.push(`- … and ${report.failedUnits.length - max} more (in the report)`);
  }
  if (report.diff) {
    lines.push('', `Since ${report.diff.previousGeneratedAt}: ${orgDiffCounts(report.diff)}.`);
    for (const f of report.diff.newFailures.slice(0, max)) lines.push(`- NEW ${f.severity} ${f.account} ${f.region} ${f.name}: ${f.controlId}: ${f.reason.slice(0, 300)}`);
    if (report.diff.newFailures.length > max) lines.push(`- … and ${report.diff.newFailures.length - max} more (in the report)`);
  }
  lines.push('', `Report: ${where}`);
  return lines.join('\n');
}

async function storeUnitReport(s3: S3Client, bucket: string, runId: string, report: Report, controls: Awaited<ReturnType<typeof listControls>>): Promise<void> {
  const base = `reports/${report.scope.account}/${report.scope.regions[0] ?? 'unknown'}`;
  const previousText = await read(s3, bucket, `${base}/latest/report.json`).catch(() => undefined);
  const { files } = renderAll(report, controls, previousText ? (JSON.parse(previousText) as Report) : undefined, undefined, { audited: false, reason: NOT_AUDITED_ORGANIZATION });
  for (const folder of [`${base}/${runId}`, `${base}/latest`]) for (const [name, body] of Object.entries(files)) await put(s3, bucket, `${folder}/${name}`, body);
}

export const plan = createOrgPlanHandler(defaultDependencies);
export const unit = createOrgUnitHandler(defaultDependencies);
export const unitFailed = createOrgUnitFailedHandler(defaultDependencies);
/** The policy loads during init; a cold start compiles the wasm before the first unit. */
export const policyLoaded = preloadControls();
