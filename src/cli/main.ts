#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { SEVERITIES } from '../controls/index.js';
import { runDemo } from '../demo/run.js';
import { runAudit, type AuditOptions } from './audit.js';
import { CliError } from './io.js';
import { progressReporter } from './progress.js';
import { runReplay, type ReplayOptions } from './replay.js';
import { runSnapshot, runSweep, type Io, type SweepOptions } from './sweep.js';

// The SDK warns on every run that its 2027 releases will need Node 22; vigil supports Node 20 and says so in its README.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';


const progress = progressReporter(process.stderr, (text) => process.stderr.write(text));
const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  clock: () => Date.now() / 1000,
  progress: progress.update,
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withLiveOptions(command: Command): Command {
  return command
    .option('--region <region>', 'a region to read (repeatable; default AWS_REGION)', collect)
    .option('--all-regions', 'read every region enabled for the account')
    .option('--profile <name>', 'a named profile from ~/.aws (default: the default credential chain)')
    .option('--endpoint-url <url>', 'an AWS-compatible endpoint, e.g. a local emulator (http://127.0.0.1:5000)')
    .option('--policy-rate <per-second>', 'GetResourcePolicy calls per second per region (AWS allows 50; default 45)');
}

export function buildProgram(print: (line: string) => void = (line) => process.stdout.write(`${line}\n`), io: Io = processIo, setExitCode: (code: number) => void = (code) => {
  process.exitCode = code;
}): Command {
  const program = new Command('vigil')
    .description('Compliance and audit for AWS Secrets Manager: controls, event reactions and findings reports.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('demo')
    .description('Run the whole pipeline on a local AWS emulator: seed an account, sweep it, write every report, play an incident, show the alerts.')
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
      .description('Evaluate every secret against the nine controls and print the findings report (a live account, or --snapshot FILE).')
      .option('--snapshot <file>', 'evaluate a snapshot file (vigil snapshot format, JSON or gzipped) instead of a live account'),
  )
    .option('--params <file>', 'control parameters (JSON): thresholds, trustedAccounts, trustedOrgIds, requiredTagKeys, allowedKmsKeyArns; see README')
    .option('--now <iso-8601>', 'evaluation time (default: now); makes a sweep repeatable')
    .addOption(new Option('--format <format>', 'what goes to stdout').choices(['json', 'md', 'table']).default('table'))
    .option('--out <dir>', 'also write every report format into this folder (JSON, Markdown, HTML, CSV, ASFF, OCSF, frameworks)')
    .option('--previous <report.json>', 'an earlier JSON report: the reports say what is new and what was resolved since')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a failure at this severity or above is not exempted').choices(SEVERITIES.filter((s) => s !== 'INFORMATIONAL')))
    .action(async (options: SweepOptions) => {
      try {
        setExitCode(await runSweep(options, io));
      } finally {
        progress.stop();
      }
    });

  program
    .command('replay')
    .description('Run recorded events through the reaction logic offline (no AWS call) and print what vigil decides.')
    .argument('<files...>', 'EventBridge events, CloudTrail records, CloudTrail log files ({"Records": [...]}, gzipped or not), or JSON arrays of those')
    .option('--snapshot <file>', 'which secrets exist (to find the secrets a KMS key protects, and to re-evaluate a changed secret)')
    .option('--params <file>', 'control parameters (JSON), as for sweep')
    .addOption(new Option('--format <format>', 'output').choices(['json', 'text']).default('text'))
    .option('--remediation', 'show the remediations vigil would make if remediation were enabled (nothing is changed)')
    .action(async (files: string[], options: ReplayOptions) => {
      setExitCode(await runReplay(files, options, io));
    });

  program
    .command('audit')
    .description('Who read which secret, from where, and what of it looks like theft: read events judged offline (no AWS call).')
    .argument('<files...>', 'CloudTrail log files (gzipped or not), CloudTrail records, EventBridge events, or JSON arrays of those')
    .option('--snapshot <file>', 'which secrets exist: resolves names to ARNs and finds honeytokens (tag vigil:honeytoken=true)')
    .option('--state <file>', 'reader baselines kept between runs (read if it exists, written after the run)')
    .option('--params <file>', 'parameters (JSON): bulkSecrets, bulkWindowMinutes, probeSecrets, learningDays, trustedAccounts; see README')
    .option('--now <iso-8601>', 'the end of the period judged: records dated later are reported as invalid')
    .addOption(new Option('--format <format>', 'output').choices(['json', 'text']).default('text'))
    .action(async (files: string[], options: AuditOptions) => {
      setExitCode(await runAudit(files, options, io));
    });

  withLiveOptions(program.command('snapshot').description('Capture every secret of one region (metadata, resource policy, key state; never a value) as a snapshot file.'))
    .requiredOption('--out <file>', 'where to write the snapshot (JSON)')
    .action(async (options: { out: string; region?: string[]; allRegions?: boolean; profile?: string; endpointUrl?: string; policyRate?: string }) => {
      try {
        setExitCode(await runSnapshot(options, io));
      } finally {
        progress.stop();
      }
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  try {
    await buildProgram(undefined, processIo, (code) => {
      exitCode = code;
    }).parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      process.stderr.write(`vigil: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Output piped into `head` and the like: stop quietly when the reader goes away.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  process.exitCode = await main(process.argv);
}
