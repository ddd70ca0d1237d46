#!/usr/bin/env node
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { SEVERITIES, type Severity } from '../controls/index.js';
import { runFixtureDemo } from './demo.js';
import { CliError } from './io.js';
import { runSweep, type Io, type SweepFormat } from './sweep.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  clock: () => Date.now() / 1000,
};

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
    .description('Show what vigil reads in the recorded AWS events under events/ (no AWS account needed).')
    .option('--events-dir <dir>', 'folder of recorded fixtures', join(projectRoot, 'events'))
    .action((options: { eventsDir: string }) => runFixtureDemo(options.eventsDir, print));

  program
    .command('sweep')
    .description('Evaluate every secret against the nine controls and print the findings report.')
    .option('--snapshot <file>', 'a snapshot file (vigil snapshot format, JSON or gzipped JSON) to evaluate instead of a live account')
    .option('--params <file>', 'control parameters (JSON): thresholds, trustedAccounts, trustedOrgIds, requiredTagKeys, allowedKmsKeyArns; see README')
    .option('--now <iso-8601>', 'evaluation time (default: now); makes a sweep repeatable')
    .addOption(new Option('--format <format>', 'what goes to stdout').choices(['json', 'md', 'table']).default('table'))
    .option('--out <dir>', 'also write every report format into this folder')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a failure at this severity or above is not exempted').choices(SEVERITIES.filter((s) => s !== 'INFORMATIONAL')))
    .action(async (options: { snapshot?: string; params?: string; now?: string; format: SweepFormat; out?: string; failOn?: Severity }) => {
      setExitCode(await runSweep(options, io));
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
