import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAwsDate } from '../events/index.js';
import { DEFAULT_PARAMS, evaluateSecrets, listControls, parseParamsText, type ControlParams, type Severity } from '../controls/index.js';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { type AwsOptions } from '../aws/clients.js';
import { ec2Client } from '../aws/clients/ec2.js';
import { readSnapshot, snapshotDocument, sweepAccount } from '../inventory/index.js';
import { HTML_REPORT, buildReport, hasFailureAtOrAbove, renderAll, renderJson, renderMarkdown, renderTable, type Report } from '../reports/index.js';
import { CliError, guard } from './io.js';

export type SweepFormat = 'json' | 'md' | 'table';

export interface LiveOptions {
  region?: string[];
  allRegions?: boolean;
  profile?: string;
  endpointUrl?: string;
  policyRate?: string;
}

export interface SweepOptions extends LiveOptions {
  snapshot?: string;
  params?: string;
  now?: string;
  format: SweepFormat;
  out?: string;
  previous?: string;
  failOn?: Severity;
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Wall-clock time, epoch seconds: the CLI is the edge that may read it. */
  clock: () => number;
  /** Where progress goes: a bar when it is a terminal, plain lines otherwise. */
  progress?: (region: string, done: number, total: number) => void;
  /** The environment, for the default region. */
  env?: Record<string, string | undefined>;
}


export async function runSweep(options: SweepOptions, io: Io): Promise<number> {
  const params = options.params ? loadParams(options.params) : DEFAULT_PARAMS;
  const now = options.now ? parseNow(options.now) : io.clock();
  const report = options.snapshot ? await sweepSnapshot(options.snapshot, params, now, io) : (await sweepLive(options, params, now, io)).report;
  const previous = options.previous ? loadPreviousReport(options.previous) : undefined;
  if (options.out) await writeReports(report, options.out, io, previous);
  io.stdout(options.format === 'json' ? renderJson(report) : options.format === 'md' ? renderMarkdown(report) : renderTable(report));
  return options.failOn && hasFailureAtOrAbove(report, options.failOn) ? 1 : 0;
}

async function sweepSnapshot(file: string, params: ControlParams, now: number, io: Io): Promise<Report> {
  const snapshot = guard(() => readSnapshot(readFile(file), file));
  const findings = await evaluateSecrets(snapshot.secrets, { now, params });
  return buildReport({
    controls: await listControls(),
    states: snapshot.secrets,
    findings,
    scope: { source: 'snapshot', account: snapshot.account, regions: [snapshot.region], snapshotFile: file, capturedAt: snapshot.capturedAt },
    params,
    evaluatedAt: now,
    generatedAt: io.clock(),
  });
}

async function sweepLive(options: LiveOptions, params: ControlParams, now: number, io: Io) {
  const aws = awsOptions(options);
  const regions = await regionsOf(options, aws, io);
  const policyRate = options.policyRate === undefined ? undefined : Number(options.policyRate);
  if (policyRate !== undefined && !(policyRate > 0)) throw new CliError(`--policy-rate ${options.policyRate}: expected a positive number of requests per second`);
  try {
    return await sweepAccount({ regions, aws, params, now, clock: io.clock, ...(policyRate ? { policyRatePerSecond: policyRate } : {}), ...(io.progress ? { onProgress: io.progress } : {}) });
  } catch (error) {
    throw awsFailure(error);
  }
}

/** `vigil snapshot`: captures DESIGN.md's snapshot format from a live account (one region). */
export async function runSnapshot(options: LiveOptions & { out: string }, io: Io): Promise<number> {
  const aws = awsOptions(options);
  const regions = await regionsOf(options, aws, io);
  if (regions.length !== 1) throw new CliError(`a snapshot holds one region; pass exactly one --region (got ${regions.join(', ') || 'none'})`);
  const region = regions[0] as string;
  const sweep = await sweepLive({ ...options, region: [region], allRegions: false }, DEFAULT_PARAMS, io.clock(), io);
  const inventory = sweep.inventories[region];
  const document = snapshotDocument(sweep.account, region, io.clock(), inventory?.captured ?? []);
  try {
    writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`);
  } catch (cause) {
    throw new CliError(`--out ${options.out}: cannot write the snapshot (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
  io.stderr(`vigil: wrote ${document.secrets.length} secrets of ${sweep.account} ${region} to ${options.out}\n`);
  return 0;
}

function awsOptions(options: LiveOptions): Omit<AwsOptions, 'region'> {
  return { ...(options.profile ? { profile: options.profile } : {}), ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}) };
}

async function regionsOf(options: LiveOptions, aws: Omit<AwsOptions, 'region'>, io: Io): Promise<string[]> {
  const env = io.env ?? process.env;
  const fallback = env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  if (options.allRegions) {
    if (options.region?.length) throw new CliError('--region and --all-regions exclude each other');
    try {
      const answer = await ec2Client({ ...aws, region: fallback ?? 'us-east-1' }).send(new DescribeRegionsCommand({}));
      return (answer.Regions ?? []).map((r) => r.RegionName as string).sort();
    } catch (error) {
      throw awsFailure(error);
    }
  }
  if (options.region?.length) return [...new Set(options.region)];
  if (fallback) return [fallback];
  throw new CliError('no region: pass --region REGION (repeatable) or --all-regions, or set AWS_REGION');
}

/** AWS answers a person can act on (no credentials, access denied, unreachable endpoint) become one-line errors. */
function awsFailure(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const known = ['CredentialsProviderError', 'AccessDeniedException', 'AccessDenied', 'UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredTokenException', 'ECONNREFUSED', 'ENOTFOUND'];
  const code = (error as { code?: string }).code ?? '';
  if (known.includes(error.name) || known.includes(code)) return new CliError(`AWS refused or could not be reached: ${error.name}${code ? ` (${code})` : ''}: ${error.message}`, { cause: error });
  return error;
}

async function writeReports(report: Report, dir: string, io: Io, previous?: Report): Promise<void> {
  const { files, diff } = renderAll(report, await listControls(), previous);
  try {
    mkdirSync(dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  } catch (cause) {
    throw new CliError(`--out ${dir}: cannot write the reports (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
  io.stderr(`vigil: wrote ${Object.keys(files).length} report files to ${dir}; open ${join(dir, HTML_REPORT)}\n`);
  if (diff) io.stderr(`vigil: since ${diff.previousGeneratedAt}: ${diff.newFailures.length} new failures, ${diff.resolvedFailures.length} resolved\n`);
}

function loadPreviousReport(file: string): Report {
  let value: unknown;
  try {
    value = JSON.parse(readFile(file).toString('utf8'));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file}: not JSON (${(error as Error).message})`);
  }
  const report = value as Partial<Report>;
  if (report.schemaVersion !== 1 || !Array.isArray(report.findings)) throw new CliError(`${file}: not a vigil JSON report (expected schemaVersion 1 and findings)`);
  return report as Report;
}

function loadParams(file: string): ControlParams {
  return guard(() => parseParamsText(readFile(file).toString('utf8'), file));
}

function parseNow(text: string): number {
  return guard(() => parseAwsDate(text, '--now'));
}

function readFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    throw new CliError(`${file}: cannot read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
}

