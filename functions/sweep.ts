import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { type AwsOptions } from '../src/aws/clients.js';
import { kmsClient } from '../src/aws/clients/kms.js';
import { s3Client } from '../src/aws/clients/s3.js';
import { secretsManagerClient } from '../src/aws/clients/secrets-manager.js';
import { snsClient } from '../src/aws/clients/sns.js';
import { logger } from '../src/aws/logger.js';
import { contentTypeOf, readObject } from '../src/aws/s3-objects.js';
import { SettingsError, sweepSettings, type SweepSettings } from '../src/aws/settings.js';
import { listControls, preloadControls } from '../src/controls/index.js';
import { continueSweep, startProgress, type SweptRegion } from '../src/inventory/index.js';
import { HTML_REPORT, accessSentence, buildReport, diffCounts, plural, renderAll, reportToAsff, summarySentence, type AccessPeriod, type AccessSummary, type Report, type ReportDiff } from '../src/reports/index.js';
import { accessPeriod, heldAccess, readersOfSecrets } from '../src/audit/index.js';
import { DynamoStateStore, type StateStore, type SweepProgress } from '../src/state/index.js';

export interface SweepEvent {
  /** Set when a sweep continues from an earlier invocation: its progress is in the state store under this run. */
  runId?: string;
  /** Read every secret again, whatever the store holds (the fullRefreshSchedule's input). */
  full?: boolean;
}

export interface SweepResult {
  status: 'completed' | 'continued';
  runId: string;
  reports?: { region: string; prefix: string; secrets: number; failures: number }[];
}

export interface SweepDependencies {
  env: Record<string, string | undefined>;
  aws: (region: string) => AwsOptions;
  /** Wall-clock time, epoch seconds. */
  clock: () => number;
  /** Starts this function again, asynchronously, with `payload`. */
  invokeSelf: (payload: SweepEvent, settings: SweepSettings) => Promise<void>;
  pageSize?: number;
  /** The state store; by default the DynamoDB table VIGIL_STATE_TABLE names. */
  store?: StateStore;
}

const defaultDependencies: SweepDependencies = {
  env: process.env,
  aws: (region) => ({ region }),
  clock: () => Date.now() / 1000,
  invokeSelf: async (payload, settings) => {
    if (!settings.functionName) throw new Error('cannot continue the sweep: AWS_LAMBDA_FUNCTION_NAME is not set');
    // Only a sweep that runs out of time continues itself: the Lambda client loads then, not at every cold start.
    const [{ InvokeCommand }, { lambdaClient }] = await Promise.all([import('@aws-sdk/client-lambda'), import('../src/aws/clients/lambda.js')]);
    await lambdaClient({ region: settings.region }).send(new InvokeCommand({ FunctionName: settings.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));
  },
};

const stamp = (epoch: number) => new Date(epoch * 1000).toISOString().replace(/[:.]/g, '-');

/**
 * The scheduled sweep: read what changed since the state store last saw it (every secret on a full refresh), write every
 * report to S3, tell on-call in one SNS message. A sweep that runs short of time leaves its progress in the store and
 * continues in a new invocation.
 */
export function createSweepHandler(deps: SweepDependencies) {
  return async (event: SweepEvent | undefined, context: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'invokedFunctionArn'>>): Promise<SweepResult> => {
    const settings = sweepSettings(deps.env);
    const home = deps.aws(settings.region);
    const store = deps.store ?? DynamoStateStore.fromOptions(settings.stateTable, home);
    let progress: SweepProgress;
    if (event?.runId) {
      const stored = await store.getSweepProgress(event.runId);
      if (!stored) throw new SettingsError(`event.runId ${event.runId}`, `no sweep in progress under this run in the state table ${settings.stateTable} (it finished, or the table was reset); not continued`);
      progress = stored;
      logger.info('continuing sweep', { runId: progress.runId, invocation: progress.invocations + 1, regionIndex: progress.regionIndex });
    } else {
      const account = accountOfFunction(context.invokedFunctionArn) ?? (await callerAccount(home));
      const startedAt = deps.clock();
      progress = startProgress({ runId: stamp(startedAt), startedAt, account, regions: settings.regions, full: event?.full === true });
    }
    // A reader is new since the last completed sweep (the one that wrote latest/), else within learningDays.
    const period = accessPeriod(progress.startedAt, settings.params, (await store.getMeta()).filledAt ?? undefined);
    const run = await continueSweep(progress, {
      clients: { secretsManager: (r) => secretsManagerClient(deps.aws(r)), kms: (r) => kmsClient(deps.aws(r)) },
      store,
      params: settings.params,
      outOfTime: () => context.getRemainingTimeInMillis() < settings.checkpointMarginMs,
      // Who read each secret, from the audit's baselines in the same table: a query per secret, 16 at a time.
      readersOf: (states) => readersOfSecrets(store, states.map((s) => s.arn), period),
      ...(deps.pageSize ? { pageSize: deps.pageSize } : {}),
      ...(settings.policyRate ? { policyRatePerSecond: settings.policyRate } : {}),
    });
    if (!run.done) {
      await deps.invokeSelf({ runId: progress.runId }, settings);
      logger.info('sweep continues in a new invocation', { runId: progress.runId, freshness: run.progress.freshness });
      return { status: 'continued', runId: progress.runId };
    }
    const reports = await finish(run.progress, run.regions, period, settings, deps);
    return { status: 'completed', runId: progress.runId, reports };
  };
}

/** The account a Lambda runs in is the fourth field of its ARN: arn:aws:lambda:<region>:<account>:function:<name>. */
function accountOfFunction(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** Without a Lambda context (a test, a hand-made invocation), STS says which account the credentials belong to. */
async function callerAccount(aws: AwsOptions): Promise<string> {
  const [{ GetCallerIdentityCommand }, { stsClient }] = await Promise.all([import('@aws-sdk/client-sts'), import('../src/aws/clients/sts.js')]);
  return (await stsClient(aws).send(new GetCallerIdentityCommand({}))).Account ?? 'unknown';
}

async function finish(run: SweepProgress, regions: SweptRegion[], period: AccessPeriod, settings: SweepSettings, deps: SweepDependencies) {
  const controls = await listControls();
  const s3 = s3Client(deps.aws(settings.region));
  const results: RegionResult[] = [];
  for (const { region, states, findings, readers } of regions) {
    const fresh = run.freshness[region] ?? { readFresh: 0, fromStore: 0, oldestStoredAt: null };
    const report = buildReport({
      controls,
      states,
      findings,
      scope: { source: 'live', account: run.account, regions: [region], freshness: { readFresh: fresh.readFresh, fromStore: fresh.fromStore, oldestStoredAt: fresh.oldestStoredAt === null ? null : new Date(fresh.oldestStoredAt * 1000).toISOString() } },
      params: settings.params,
      evaluatedAt: run.startedAt,
      generatedAt: deps.clock(),
      dropped: run.dropped.filter((d) => d.arn.split(':')[3] === region),
      unsupported: (run.unsupported ?? []).filter((u) => u.region === region),
    });
    const base = `reports/${run.account}/${region}`;
    const previousText = await readObject(s3, settings.bucket, `${base}/latest/report.json`).catch(() => undefined);
    const previous = previousText ? (JSON.parse(previousText) as Report) : undefined;
    // Each secret's policies and readers beside its findings: report.html quotes in full the statement that makes one
    // public, and lists who read each secret (new since the previous report).
    const access = heldAccess(states, readers ?? new Map(), period);
    const { files, diff } = renderAll(report, controls, previous, access.secrets, access.summary);
    const prefix = `${base}/${run.runId}`;
    try {
      for (const folder of [prefix, `${base}/latest`]) {
        for (const [name, body] of Object.entries(files)) {
          await s3.send(new PutObjectCommand({ Bucket: settings.bucket, Key: `${folder}/${name}`, Body: body, ContentType: contentTypeOf(name), ServerSideEncryption: 'aws:kms' }));
        }
      }
      results.push({ region, prefix, report, access: access.summary, ...(diff ? { diff } : {}), stored: true });
    } catch (error) {
      logger.error('reports could not be stored', { region, bucket: settings.bucket, error: (error as Error).message });
      results.push({ region, prefix, report, access: access.summary, ...(diff ? { diff } : {}), stored: false, error: `${(error as Error).name}: ${(error as Error).message}` });
    }
    if (settings.securityHubImport) await importToSecurityHub(report, deps.aws(region), diff);
  }
  await publishSummary(run, results, settings, deps);
  const failed = results.filter((r) => !r.stored);
  if (failed.length) throw new Error(`reports for ${failed.map((r) => r.region).join(', ')} could not be stored in s3://${settings.bucket}: ${failed[0]?.error}`);
  return results.map((r) => ({ region: r.region, prefix: r.prefix, secrets: r.report.summary.secrets, failures: r.report.summary.byStatus.FAIL }));
}

async function importToSecurityHub(report: Report, aws: AwsOptions, diff?: ReportDiff): Promise<void> {
  // Security Hub import is opt-in: its client loads only when it is on.
  const [{ BatchImportFindingsCommand }, { securityHubClient }] = await Promise.all([import('@aws-sdk/client-securityhub'), import('../src/aws/clients/securityhub.js')]);
  const client = securityHubClient(aws);
  const findings = reportToAsff(report, diff);
  for (let i = 0; i < findings.length; i += 100) {
    const answer = await client.send(new BatchImportFindingsCommand({ Findings: findings.slice(i, i + 100) as never }));
    if (answer.FailedCount) logger.warn('Security Hub refused some findings', { failed: answer.FailedCount, first: answer.FailedFindings?.[0]?.ErrorMessage });
  }
}

interface RegionResult {
  region: string;
  prefix: string;
  report: Report;
  access: AccessSummary;
  diff?: ReportDiff;
  stored: boolean;
  error?: string;
}

async function publishSummary(run: SweepProgress, results: RegionResult[], settings: SweepSettings, deps: SweepDependencies) {
  const failing = results.reduce((n, r) => n + r.report.summary.byStatus.FAIL - r.report.summary.exemptedFailures, 0);
  const fresh = results.reduce((n, r) => n + (r.diff?.newFailures.length ?? 0), 0);
  const unstored = results.some((r) => !r.stored);
  const subject = `vigil sweep ${run.account}: ${failing} failing${fresh ? `, ${fresh} new` : ''}${unstored ? ' (REPORTS NOT STORED)' : ''}`.slice(0, 100);
  const lines = [`vigil swept ${plural(results.reduce((n, r) => n + r.report.summary.secrets, 0), 'secret')} of account ${run.account} as of ${new Date(run.startedAt * 1000).toISOString()}.`, ''];
  for (const r of results) {
    const s = r.report.summary;
    lines.push(`${r.region}: ${summarySentence(s)}`);
    lines.push(`  Critical ${s.failuresBySeverity.CRITICAL}, high ${s.failuresBySeverity.HIGH}, medium ${s.failuresBySeverity.MEDIUM}, low ${s.failuresBySeverity.LOW}.`);
    const f = r.report.scope.freshness;
    if (f) lines.push(`  ${run.full ? 'Full refresh' : 'Incremental'}: ${f.readFresh} read from AWS, ${f.fromStore} unchanged from the state store${f.oldestStoredAt ? ` (oldest read ${f.oldestStoredAt})` : ''}.`);
    lines.push(`  ${accessSentence(r.access)}`);
    if (r.diff) {
      lines.push(`  Since the last sweep: ${diffCounts(r.diff, false)}.`);
      for (const f of r.diff.newFailures.slice(0, 20)) lines.push(`  - NEW ${f.severity} ${f.resource.name}: ${f.controlId}: ${f.reason}`);
    }
    lines.push(r.stored ? `  Report: s3://${settings.bucket}/${r.prefix}/${HTML_REPORT}` : `  THE REPORT COULD NOT BE STORED in s3://${settings.bucket}/${r.prefix}/ (${r.error}). Findings are in this message only.`);
    lines.push('');
  }
  await snsClient(deps.aws(settings.region)).send(
    new PublishCommand({
      TopicArn: settings.topicArn,
      Subject: subject,
      Message: lines.join('\n'),
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'sweep-summary' }, account: { DataType: 'String', StringValue: run.account }, severity: { DataType: 'String', StringValue: 'INFORMATIONAL' } },
    }),
  );
}

export const handler = createSweepHandler(defaultDependencies);
/** The policy loads during init; a cold start compiles the wasm before the first event. */
export const policyLoaded = preloadControls();
