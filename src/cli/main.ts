import { Command, Option } from 'commander';
import { SEVERITIES } from '../controls/index.js';
import { runDemo } from '../demo/run.js';
import { runAudit, type AuditOptions } from './audit.js';
import { runBackfill, type BackfillOptions } from './backfill.js';
import { runHoneytokenCreate, type HoneytokenOptions } from './honeytoken.js';
import { runControls, type ControlsOptions } from './controls.js';
import { exitCodeFor } from './exit.js';
import { CliError } from './io.js';
import { checkOutFolder, parseFormats, parseSeverities, parseStatuses } from './output.js';
import { progressReporter } from './progress.js';
import { runReplay, type ReplayOptions } from './replay.js';
import { runSnapshot, runSweep, type Io, type SweepOptions } from './sweep.js';

// The SDK warns on every run that its 2027 releases will need Node 22; vigil supports Node 20 and says so in its README.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export const VERSION = '0.1.0';

/** Colour on a terminal that shows it, unless NO_COLOR (https://no-color.org) is set to anything but the empty string. */
export function colourWanted(stream: { isTTY?: boolean; hasColors?: (env: Record<string, string | undefined>) => boolean }, env: Record<string, string | undefined>): boolean {
  const { NO_COLOR: noColour, ...rest } = env;
  if (noColour) return false;
  // Node's own check takes an empty NO_COLOR for a set one: it is asked without it.
  return stream.isTTY === true && (stream.hasColors?.(noColour === undefined ? env : rest) ?? false);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const GATE_SEVERITIES = SEVERITIES.filter((s) => s !== 'INFORMATIONAL');

/** The options of a command that reads a live account: `regions` many (sweep) or one (a snapshot holds one region). */
function withLiveOptions(command: Command, regions: 'many' | 'one' = 'many'): Command {
  if (regions === 'one') command.option('--region <region>', 'the region to read (one: a snapshot holds one region; default AWS_REGION, else the profile\'s region)', collect);
  else command.option('--region <region>', 'a region to read (repeatable; default AWS_REGION, else the profile\'s region)', collect).option('--all-regions', 'read every region enabled for the account');
  return command
    .option('--profile <name>', 'a named profile from ~/.aws (default: the default credential chain)')
    .option('--endpoint-url <url>', 'an AWS-compatible endpoint, e.g. a local emulator (http://127.0.0.1:5000)')
    .option('--policy-rate <per-second>', 'calls per second per region of each per-secret read (DescribeSecret, ListResourcePolicies, GetResourcePolicy; AWS allows 50 each; default 45)');
}

/** Usage errors print commander's one line, then where to look, not the whole help. */
function hintOnError(command: Command): Command {
  const name = command.parent ? `vigil ${command.name()}` : 'vigil';
  command.showHelpAfterError(`(${name} --help lists what it takes)`);
  for (const sub of command.commands) hintOnError(sub);
  return command;
}

export function buildProgram(print: (line: string) => void = (line) => process.stdout.write(`${line}\n`), io: Io, setExitCode: (code: number) => void, stopProgress: () => void = () => undefined): Command {
  const program = new Command('vigil')
    .description('Compliance and audit for AWS Secrets Manager: controls, event reactions and findings reports.')
    .version(VERSION)
    .exitOverride();

  program
    .command('demo')
    .description('Run the whole pipeline on a local AWS emulator: seed an account, sweep it, write every report, play an incident and a theft, show the alerts and who read each secret.')
    .option('--endpoint-url <url>', 'use a moto emulator that is already running instead of starting one (the demo resets it first)')
    .option('--out <dir>', 'where to write the reports', 'reports')
    .action(async (options: { endpointUrl?: string; out: string }) => {
      let stopEmulator: (() => Promise<void>) | undefined;
      const interrupted = () => {
        void (stopEmulator?.() ?? Promise.resolve()).finally(() => process.exit(130));
      };
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      try {
        await runDemo({ ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}), outDir: options.out, print, clock: io.clock, onEmulator: (stop) => (stopEmulator = stop) });
      } catch (error) {
        if (error instanceof Error && !(error instanceof CliError)) throw new CliError(`the demo stopped: ${error.message}`, { cause: error });
        throw error;
      } finally {
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
      }
    });

  withLiveOptions(
    program
      .command('sweep')
      .description('Evaluate every secret against the controls and print the findings report (a live account, or --snapshot FILE).')
      .option('--snapshot <file>', 'evaluate a snapshot file (vigil snapshot format, JSON or gzipped) instead of a live account; excludes the live options'),
  )
    .option('--state <file>', 'vigil\'s state file: a live sweep (one account, or every account with --accounts/--organization) reads only secrets that changed since it was stored, and updates it; with --snapshot, only read. Either way the reports list who read each secret (the readers vigil audit kept)')
    .option('--full', 'with --state: read every secret again (the full refresh)')
    .option('--offline', 'with --state: evaluate the stored secrets, without any AWS call')
    .option('--params <file>', 'control parameters (JSON): thresholds, trustedAccounts, trustedOrgIds, requiredTagKeys, allowedKmsKeyArns, accessReportDays; see README')
    .option('--now <iso-8601>', 'evaluation time (default: now); makes a sweep repeatable')
    .addOption(new Option('--format <format>', 'what goes to stdout').choices(['json', 'md', 'table']).default('table'))
    .option('--verbose', 'the table lists every finding, not only failures and what could not be decided')
    .option('--control <ids>', 'show only these controls\' findings (comma-separated, repeatable; see vigil controls)', (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)])
    .option('--severity <severities>', `show only findings of these severities (${SEVERITIES.join(',')})`, parseSeverities)
    .option('--status <statuses>', 'show only findings of these statuses (FAIL,ERROR,PASS,NOT_APPLICABLE; the table lists PASS and NOT_APPLICABLE when named)', parseStatuses)
    .option('--out <dir>', 'also write the reports into this folder (by default every format: JSON, Markdown, HTML, CSV, ASFF, OCSF, frameworks)')
    .option('--formats <list>', 'which formats --out writes: json,md,html,csv,asff,ocsf,frameworks,access (access.csv, with --state)', parseFormats)
    .option('--previous <report.json>', 'an earlier JSON report of the same account: every output says what is new and what was resolved (failures of regions this sweep did not cover are counted apart, never resolved) (the table, --format json and md, and each --out format: a diff in JSON, Markdown and HTML, a change column in CSV, vigil/Change in ASFF, unmapped.change in OCSF)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an unexempted FAIL, or an ERROR, of a control at this severity or above exists').choices(GATE_SEVERITIES))
    .option('--accounts <ids>', 'sweep these accounts (comma-separated 12-digit ids) through --role-name; the organisation report goes to stdout')
    .option('--organization', 'sweep every ACTIVE account of the organisation (organizations:ListAccounts) through --role-name')
    .option('--role-name <name>', 'the role vigil assumes in each account of --accounts/--organization (default vigil-audit; README, "Organisations")')
    .option('--external-id <id>', 'the ExternalId that role requires, if it requires one')
    .option('--concurrency <units>', 'account-regions swept at once with --accounts/--organization (default 16; each keeps to its own quota)')
    .addOption(new Option('--fail-on-new <severity>', 'exit 1 only for such failures that --previous did not have (adopting vigil on an existing account)').choices(GATE_SEVERITIES))
    .action(async (options: SweepOptions) => {
      if (options.formats && !options.out) throw new CliError('--formats chooses what --out writes: add --out DIR');
      if (options.out) checkOutFolder(options.out);
      try {
        setExitCode(await runSweep(options, io));
      } finally {
        stopProgress();
      }
    });

  program
    .command('replay')
    .description('Run recorded events through the reaction logic offline (no AWS call) and print what vigil decides, in event-time order.')
    .argument('<files...>', 'EventBridge events, CloudTrail records, CloudTrail log files ({"Records": [...]}, gzipped or not), or JSON arrays of those')
    .option('--snapshot <file>', 'which secrets exist (to find the secrets a KMS key protects, and to re-evaluate a changed secret)')
    .option('--params <file>', 'control parameters (JSON), as for sweep')
    .addOption(new Option('--format <format>', 'output').choices(['json', 'text']).default('text'))
    .option('--remediation', 'show the remediations vigil would make if remediation were enabled (nothing is changed)')
    .action(async (files: string[], options: ReplayOptions) => {
      setExitCode(await runReplay(files, options, io));
    });

  const audit = program
    .command('audit')
    .description('Who read which secret, from where, and what of it looks like theft: read events judged offline (no AWS call).')
    .argument('<files...>', 'CloudTrail log files (gzipped or not), CloudTrail records, EventBridge events, or JSON arrays of those')
    .option('--snapshot <file>', 'which secrets exist: resolves names to ARNs and finds honeytokens (tag vigil:honeytoken=true); without it, the secrets stored in --state do')
    .option('--state <file>', 'reader baselines kept between runs (read if it exists, written after the run)')
    .option('--params <file>', 'parameters (JSON): bulkSecrets, bulkWindowMinutes, probeSecrets, learningDays, trustedAccounts; see README')
    .option('--now <iso-8601>', 'the end of the period judged: records dated later are reported as invalid')
    .addOption(new Option('--format <format>', 'output').choices(['json', 'text']).default('text'))
    .action(async (files: string[], options: AuditOptions) => {
      setExitCode(await runAudit(files, options, io));
    });
  // Options after `backfill` are its own, not vigil audit's (which shares none of them).
  audit.enablePositionalOptions();
  audit
    .command('backfill')
    .description('Put the CloudTrail log files a trail bucket already holds through the deployed audit Lambda, oldest day first: each as the S3 notification the read queue receives for a new one, so baselines in the state table learn from the last --days days at once. Needs s3:ListBucket on the bucket and sqs:SendMessage on the queue; reads no log file and no secret.')
    .requiredOption('--bucket <name>', 'the trail\'s bucket (an organisation trail\'s, in its log-archive account, too)')
    .option('--prefix <prefix>', 'the trail\'s S3 key prefix, as the trail shows it (its files are under PREFIX/AWSLogs/); default none')
    .option('--days <n>', 'enqueue the files of today and the n-1 days before it (UTC, the date in each key)', '90')
    .requiredOption('--queue-url <url>', 'the audit read queue (the stack output AuditReadQueueUrl)')
    .option('--region <region>', 'the bucket\'s and queue\'s region (default: the queue URL\'s, else AWS_REGION, else the profile\'s region)')
    .option('--profile <name>', 'a named profile from ~/.aws (default: the default credential chain)')
    .option('--endpoint-url <url>', 'an AWS-compatible endpoint, e.g. a local emulator (http://127.0.0.1:5000)')
    .action(async (options: BackfillOptions) => {
      setExitCode(await runBackfill(options, io));
    });

  const honeytoken = program.command('honeytoken').description('Decoy secrets: any read of one is a theft alert (README, "Honeytokens").');
  honeytoken
    .command('create')
    .description('Create a decoy secret tagged vigil:honeytoken=true, holding a random credential nothing uses (never printed). Needs secretsmanager:CreateSecret and secretsmanager:TagResource.')
    .argument('<name>', 'the secret\'s name: make it one a thief would want, e.g. prod/billing/admin-db')
    .option('--region <region>', 'where to create it (default AWS_REGION, else the profile\'s region)')
    .option('--profile <name>', 'a named profile from ~/.aws (default: the default credential chain)')
    .option('--endpoint-url <url>', 'an AWS-compatible endpoint, e.g. a local emulator (http://127.0.0.1:5000)')
    .option('--description <text>', 'the secret\'s description (default "Database credentials")')
    .option('--kms-key-id <key>', 'the KMS key to encrypt it with (default aws/secretsmanager; another key needs kms:GenerateDataKey on it)')
    .option('--tag <key=value>', 'another tag, to look like its neighbours (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .addOption(new Option('--format <format>', 'output').choices(['json', 'text']).default('text'))
    .action(async (name: string, options: HoneytokenOptions) => {
      setExitCode(await runHoneytokenCreate(name, options, io));
    });

  withLiveOptions(program.command('snapshot').description('Capture every secret of one region (metadata, resource policy, key state; never a value) as a snapshot file.'), 'one')
    .requiredOption('--out <file>', 'where to write the snapshot (JSON; gzipped when the name ends in .gz, any case)')
    .action(async (options: { out: string; region?: string[]; profile?: string; endpointUrl?: string; policyRate?: string }) => {
      try {
        setExitCode(await runSnapshot(options, io));
      } finally {
        stopProgress();
      }
    });

  program
    .command('controls')
    .description('List the controls: id, severity, title, and the parameters each reads with the values in force.')
    .option('--params <file>', 'show the values of this parameter document instead of the defaults')
    .addOption(new Option('--format <format>', 'output').choices(['json', 'text']).default('text'))
    .action(async (options: ControlsOptions) => {
      setExitCode(await runControls(options, io));
    });

  return hintOnError(program);
}

/** Runs one command line and returns its exit code (DESIGN.md: 0 ran, 1 --fail-on tripped, 2 usage or input, 3 AWS). */
export async function execute(argv: string[], io: Io, print?: (line: string) => void, stopProgress?: () => void): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(print, io, (code) => (exitCode = code), stopProgress);
  // Subcommands copied the output settings when they were made: set them on each, so help and errors go through io.
  const output = { writeOut: io.stdout, writeErr: io.stderr, outputError: (text: string, write: (text: string) => void) => write(text) };
  const withSubcommands = (command: Command): Command[] => [command, ...command.commands.flatMap(withSubcommands)];
  for (const command of withSubcommands(program)) command.configureOutput(output);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return exitCodeFor(error, io.stderr, Boolean((io.env ?? {})['VIGIL_DEBUG']));
  }
}

/** What the `vigil` bin runs (src/cli/bin.ts): however it was started, it runs and sets the exit code. */
export async function start(argv: string[] = process.argv): Promise<void> {
  // Output piped into `head` and the like: stop quietly when the reader goes away.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const progress = progressReporter(process.stderr);
  const io: Io = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    clock: () => Date.now() / 1000,
    progress: progress.update,
    env: process.env,
    colour: colourWanted(process.stdout, process.env),
  };
  process.exitCode = await execute(argv, io, undefined, progress.stop);
}

