#!/usr/bin/env node
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { runFixtureDemo } from './demo.js';
import { CliError } from './io.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function buildProgram(print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Command {
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

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
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
