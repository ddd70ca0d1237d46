import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parseAwsDate, toIso } from '../events/index.js';
import { evaluateSecrets, listControls, type ControlParams, type Finding, type Severity } from '../controls/index.js';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { type AwsOptions } from '../aws/clients.js';
import type { Logger } from '@smithy/types';
import { ec2Client } from '../aws/clients/ec2.js';
import { accountMemory, readAccount, snapshotDocument, streamSnapshot, type AccountRead } from '../inventory/index.js';
import { streamReport, type FormatWriter, type ReportHeadInput, type ReportScope, type StreamedReport, type StreamInput } from '../reports/index.js';
import { toCliError } from './exit.js';
import { trippedLine, trippingFindings } from './gate.js';
import { checkPreviousAccount, readPreviousReport, type PreviousReport } from './previous.js';
import { checkReadable, CliError, guard, guardAsync, loadParams, readProblem } from './io.js';
import { checkOrgOptions, runOrgSweep, type OrgCliOptions } from './organization.js';
import { findingFilter, openOutFiles, tableFindings, withStdoutWriter, type ShowOptions } from './output.js';
import { renderTerminalTable } from './table.js';
import type { SecretState } from '../model/index.js';
import { FileStateStore, StateStoreError } from '../state/index.js';
import { accessNotAudited, accessPeriod, storeAccess, type AccessView } from '../audit/access-lookup.js';
import { accessSentence, NOT_AUDITED } from '../reports/access.js';
import { plural } from '../reports/writer.js';

export interface LiveOptions {
  region?: string[];
  allRegions?: boolean;
  profile?: string;
  endpointUrl?: string;
  policyRate?: string;
}

export interface SweepOptions extends LiveOptions, ShowOptions, Omit<OrgCliOptions, 'format' | 'out' | 'formats' | 'previous' | 'failOn' | 'failOnNew' | 'profile'> {
  snapshot?: string;
  params?: string;
  now?: string;
  out?: string;
  formats?: string[];
  previous?: string;
  failOn?: Severity;
  failOnNew?: Severity;
  state?: string;
  full?: boolean;
  offline?: boolean;
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Wall-clock time, epoch seconds: the CLI is the edge that may read it. */
  clock: () => number;
  /** Where progress goes: a bar when it is a terminal, plain lines otherwise. */
  progress?: (region: string, done: number, total: number) => void;
  /** The environment, for the default region and NO_COLOR. */
  env?: Record<string, string | undefined>;
  /** Whether stdout is a terminal that shows colour. */
  colour?: boolean;
}

const LIVE_ONLY = { region: '--region', allRegions: '--all-regions', endpointUrl: '--endpoint-url', profile: '--profile', policyRate: '--policy-rate' } as const;

/** Options that would be silently ignored, or that cannot work together, are refused before anything is read. */
function checkSweepOptions(options: SweepOptions): void {
  if (options.snapshot) {
    const ignored = Object.entries(LIVE_ONLY).filter(([key]) => options[key as keyof typeof LIVE_ONLY] !== undefined).map(([, flag]) => flag);
    if (ignored.length) throw new CliError(`--snapshot reads a file, so ${ignored.join(', ')} would be ignored: drop ${ignored.length === 1 ? 'it' : 'them'} or --snapshot`);
  }
  if (options.formats?.includes('access') && !options.state) throw new CliError('--formats access: access.csv lists who read each secret from the state store; add --state FILE (kept by vigil audit)');
  if (options.failOnNew && !options.previous) throw new CliError('--fail-on-new needs --previous REPORT.json: the failures it counts are those absent from that report');
}

export async function runSweep(options: SweepOptions, io: Io): Promise<number> {
  if (checkOrgOptions(options)) {
    const plan = checkLiveOptions(options, io);
    const params = loadParams(options.params);
    const now = options.now ? parseNow(options.now) : io.clock();
    if (options.offline) throw new CliError('--offline judges a state file alone, with no account to reach: drop --accounts/--organization, or drop --offline');
    if (options.full && !options.state) throw new CliError('--full needs --state FILE');
    const store = options.state ? await openState(options.state) : undefined;
    const code = await runOrgSweep(options, { ...plan, regions: await regionsOf(options, plan.aws, io) }, params, now, io, store ? { store, full: options.full ?? false } : undefined);
    await store?.save();
    return code;
  }
  checkSweepOptions(options);
  const live = options.snapshot ? undefined : checkLiveOptions(options, io);
  const params = loadParams(options.params);
  const now = options.now ? parseNow(options.now) : io.clock();
  if (options.snapshot && (options.full || options.offline)) throw new CliError(`--${options.full ? 'full' : 'offline'} and --snapshot: a snapshot is evaluated as it is (with --state, the state file lends its readers only)`);
  if ((options.full || options.offline) && !options.state) throw new CliError(`--${options.full ? 'full' : 'offline'} needs --state FILE`);
  // A snapshot sweep only reads the state file, for its readers: a missing one is a mistake, not an empty store.
  if (options.state && options.snapshot) checkReadable(options.state);
  const store = options.state ? await openState(options.state) : undefined;
  const previous = options.previous ? await readPreviousReport(options.previous) : undefined;
  // With a store, each chunk's readers are looked up before it is judged: the unused control cites the last reader.
  const access = store ? storeAccess(store, accessPeriod(now, params, previousTime(previous))) : undefined;
  const judge = async (states: readonly SecretState[]) => {
    const lastReaders = await access?.look(states);
    return evaluateSecrets(states, { now, params, ...(lastReaders ? { lastReaders } : {}) });
  };
  if (options.snapshot) {
    const file = options.snapshot;
    checkReadable(file);
    const snapshot = streamSnapshot(file, file, (header) => checkPreviousAccount(previous, header.account));
    const scope = (): ReportScope => {
      const header = snapshot.header();
      return { source: 'snapshot', account: header.account, regions: [header.region], snapshotFile: file, capturedAt: header.capturedAt };
    };
    // With --state, a snapshot is evaluated as it is and the state file only read: it lends the readers of each secret.
    return streamSweep({ states: snapshot.secrets, scope, evaluate: judge, access: access ?? accessNotAudited(NOT_AUDITED) }, options, params, now, io, previous);
  }
  if (store && options.offline) {
    const stored = storedSource(store);
    const scope = () => {
      const scope = stored.scope();
      checkPreviousAccount(previous, scope.account);
      return scope;
    };
    return streamSweep({ states: stored.states, scope, evaluate: judge, ...(access ? { access } : {}) }, options, params, now, io, previous);
  }
  const read = await readLive(options, live as LivePlan, io, store, options.full);
  checkPreviousAccount(previous, read.account);
  const memory = store ? accountMemory(store, read, now, options.full ?? false) : undefined;
  const evaluate = async (states: readonly SecretState[]) => {
    const findings = await judge(states);
    await memory?.remember(states, findings);
    return findings;
  };
  const code = await streamSweep({ states: read.states, scope: read.scope, evaluate, dropped: read.dropped, unsupported: read.unsupported, access: access ?? accessNotAudited(NOT_AUDITED) }, options, params, now, io, previous);
  await memory?.done();
  await store?.save();
  return code;
}

/** The exit code: 1 when --fail-on or --fail-on-new trips on `findings` (the failures suffice), with one line saying why. */
function gate(findings: readonly Finding[], options: SweepOptions, io: Io, previous?: PreviousReport): number {
  let code = 0;
  if (options.failOn) {
    const tripped = trippingFindings(findings, options.failOn);
    if (tripped.length) io.stderr(trippedLine('--fail-on', options.failOn, tripped));
    if (tripped.length) code = 1;
  }
  if (options.failOnNew && previous) {
    const tripped = trippingFindings(findings, options.failOnNew, previous.gateFailures);
    if (tripped.length) io.stderr(trippedLine('--fail-on-new', options.failOnNew, tripped));
    if (tripped.length) code = 1;
  }
  return code;
}

/** Where a sweep's secrets come from (a snapshot file, the state file, the account) and how they are judged. */
interface SweepSource extends Pick<StreamInput, 'states' | 'scope' | 'evaluate'>, Pick<ReportHeadInput, 'dropped' | 'unsupported'> {
  access?: AccessView;
}

/** The previous report's evaluation time, epoch seconds: a reader first seen after it is new. */
function previousTime(previous: PreviousReport | undefined): number | undefined {
  const at = previous ? Date.parse(previous.evaluatedAt ?? previous.failures.generatedAt) : NaN;
  return Number.isNaN(at) ? undefined : at / 1000;
}

/**
 * Every sweep of one account: the secrets judged a chunk at a time and handed to every output as they come (the --out
 * files, stdout, the table), so memory holds the counts and the failures, never every finding nor a report as one string,
 * and each format reads the same whichever way the secrets were read.
 */
async function streamSweep(source: SweepSource, options: SweepOptions, params: ControlParams, now: number, io: Io, previous?: PreviousReport): Promise<number> {
  const show = await findingFilter(options);
  const out = options.out ? openOutFiles(options.out, io, { evaluatedAt: toIso(now) }, options.formats, { access: options.state !== undefined }) : undefined;
  const controls = await listControls();
  // Asking for passing or not-applicable findings by --status is asking to see them: the table lists them as --verbose does.
  const everyFinding = (options.verbose ?? false) || (options.status ?? []).some((status) => status === 'PASS' || status === 'NOT_APPLICABLE');
  const table = options.format === 'table' ? tableFindings(show, everyFinding) : undefined;
  const run = (stdout?: FormatWriter) =>
    streamReport({
      ...source,
      controls,
      params,
      evaluatedAt: now,
      generatedAt: io.clock(),
      writers: [...(out?.writers ?? []), ...(stdout ? [stdout] : []), ...(table ? [table.writer] : [])],
      ...(previous ? { previous: previous.failures } : {}),
    });
  const streamed = await guardAsync(async () => {
    if (options.format === 'table') return run();
    let done: StreamedReport | undefined;
    await withStdoutWriter(options.format, io, async (writer) => void (done = await run(writer)), show);
    return done as StreamedReport;
  });
  out?.close({ frameworks: streamed.frameworks, ...(streamed.diff ? { diff: streamed.diff } : {}) });
  if (table) io.stdout(renderTerminalTable({ ...streamed.head, findings: table.findings }, { verbose: everyFinding, colour: io.colour ?? false, unlisted: table.unlisted(), ...(streamed.diff ? { diff: streamed.diff } : {}) }));
  // The table says who read the secrets only when it knows: a sweep without a store keeps its table as it was.
  if (table && streamed.access?.audited) io.stdout(`${accessSentence(streamed.access)}\n`);
  return gate(streamed.problems, options, io, previous);
}

async function openState(file: string): Promise<FileStateStore> {
  try {
    return await FileStateStore.open(file);
  } catch (error) {
    if (error instanceof StateStoreError) throw new CliError(error.message);
    throw new CliError(`--state ${file}: cannot read the state file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** `--state FILE --offline`: the stored secrets as the store yields them, with no AWS call; the scope once all were read. */
function storedSource(store: FileStateStore): { states: AsyncIterable<SecretState>; scope: () => ReportScope } {
  const accounts = new Set<string>();
  const regions = new Set<string>();
  let count = 0;
  let oldest: number | null = null;
  async function* states() {
    for await (const record of store.allSecrets()) {
      accounts.add(record.state.account);
      regions.add(record.state.region);
      count += 1;
      if (oldest === null || record.observedAt < oldest) oldest = record.observedAt;
      yield record.state;
    }
  }
  return {
    states: states(),
    scope: () => ({ source: 'live', account: [...accounts].join(',') || 'unknown', regions: [...regions].sort(), freshness: { readFresh: 0, fromStore: count, oldestStoredAt: oldest === null ? null : new Date(oldest * 1000).toISOString() } }),
  };
}

interface LivePlan {
  aws: Omit<AwsOptions, 'region'>;
  policyRate?: number;
}

// Every region name AWS has used: two letters, one or more words, a number (us-east-1, us-gov-west-1, ap-southeast-7).
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

function checkRegion(region: string, from: string): string {
  if (!REGION_NAME.test(region)) throw new CliError(`${from} ${region}: not a region name (expected the form us-east-1)`);
  return region;
}

/**
 * The SDK's warnings as one line each on stderr; its debug and info lines are not for a user. Its warning that a profile
 * and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are both set (nine lines) says which one is used.
 */
export function sdkLogger(io: Pick<Io, 'stderr'>): Logger {
  const quiet = () => undefined;
  return {
    debug: quiet,
    info: quiet,
    warn: (...content: unknown[]) => {
      const text = content.map(String).join(' ');
      if (text.includes('Multiple credential sources detected')) io.stderr('vigil: a profile and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are both set: the profile is used\n');
      else io.stderr(`vigil: AWS SDK: ${text.replace(/\s+/g, ' ').trim()}\n`);
    },
    error: quiet,
  };
}

/** The live options checked before any call: endpoint, regions, rate. */
export function checkLiveOptions(options: LiveOptions, io: Pick<Io, 'stderr'>): LivePlan {
  if (options.endpointUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.endpointUrl);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || !url.host) throw new CliError(`--endpoint-url ${options.endpointUrl}: expected a URL with its scheme, e.g. http://127.0.0.1:5000`);
  }
  for (const region of options.region ?? []) checkRegion(region, '--region');
  if (options.allRegions && options.region?.length) throw new CliError('--region and --all-regions exclude each other');
  const policyRate = options.policyRate === undefined ? undefined : Number(options.policyRate);
  if (policyRate !== undefined && !(policyRate > 0)) throw new CliError(`--policy-rate ${options.policyRate}: expected a positive number of requests per second`);
  return { aws: { ...(options.profile ? { profile: options.profile } : {}), ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}), logger: sdkLogger(io) }, ...(policyRate ? { policyRate } : {}) };
}

async function readLive(options: LiveOptions, plan: LivePlan, io: Io, store?: FileStateStore, full?: boolean): Promise<AccountRead> {
  const regions = await regionsOf(options, plan.aws, io);
  try {
    return await readAccount({ regions, aws: plan.aws, ...(plan.policyRate ? { policyRatePerSecond: plan.policyRate } : {}), ...(io.progress ? { onProgress: io.progress } : {}), ...(store ? { store, full: full ?? false } : {}) });
  } catch (error) {
    throw toCliError(error, { profile: options.profile });
  }
}

/** `vigil snapshot`: captures DESIGN.md's snapshot format from a live account (one region); `.gz` writes it gzipped. */
export async function runSnapshot(options: Omit<LiveOptions, 'allRegions'> & { out: string }, io: Io): Promise<number> {
  const plan = checkLiveOptions(options, io);
  if ((options.region?.length ?? 0) > 1) throw new CliError(`a snapshot holds one region; pass one --region (got ${options.region?.join(', ')})`);
  const regions = await regionsOf(options, plan.aws, io, 'pass --region REGION');
  const region = regions[0] as string;
  const sweep = await readLive({ ...options, region: [region], allRegions: false }, plan, io);
  const inventory = sweep.inventories[region];
  const document = snapshotDocument(sweep.account, region, io.clock(), inventory?.captured ?? []);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  try {
    writeFileSync(options.out, /\.gz$/i.test(options.out) ? gzipSync(text) : text);
  } catch (cause) {
    throw new CliError(`--out ${options.out}: cannot write the snapshot (${readProblem(cause)})`);
  }
  io.stderr(`vigil: wrote ${plural(document.secrets.length, 'secret')} of ${sweep.account} ${region} to ${options.out}\n`);
  return 0;
}

async function regionsOf(options: LiveOptions, aws: Omit<AwsOptions, 'region'>, io: Io, howToName = 'pass --region REGION (repeatable) or --all-regions'): Promise<string[]> {
  if (options.region?.length) return [...new Set(options.region)];
  const home = await homeRegion(options, io);
  if (options.allRegions) {
    try {
      const answer = await ec2Client({ ...aws, region: home ?? 'us-east-1' }).send(new DescribeRegionsCommand({}));
      return (answer.Regions ?? []).flatMap((r) => (r.RegionName ? [r.RegionName] : [])).sort();
    } catch (error) {
      throw toCliError(error, { profile: options.profile });
    }
  }
  if (home) return [home];
  const profileNamed = options.profile ?? ((io.env ?? process.env)['AWS_PROFILE'] || undefined);
  throw new CliError(`no region: ${howToName}, or set AWS_REGION${profileNamed ? ` (profile ${profileNamed} names none, or is not in ~/.aws/config)` : ''}`);
}

/** The region of the environment, else the profile's (as the AWS CLI does), validated like --region. */
export async function homeRegion(options: LiveOptions, io: Io): Promise<string | undefined> {
  const env = io.env ?? process.env;
  const fromEnv = env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  if (fromEnv) return checkRegion(fromEnv, env['AWS_REGION'] ? 'AWS_REGION' : 'AWS_DEFAULT_REGION');
  const profile = options.profile ?? env['AWS_PROFILE'];
  let region: string | undefined;
  try {
    const { STSClient } = await import('@aws-sdk/client-sts');
    region = await new STSClient(profile ? { profile } : {}).config.region();
  } catch {
    return undefined;
  }
  return region ? checkRegion(region, `profile ${profile ?? 'default'}'s region`) : undefined;
}

function parseNow(text: string): number {
  return guard(() => parseAwsDate(text, '--now'));
}
