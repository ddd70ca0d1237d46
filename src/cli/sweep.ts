import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, parseAwsDate } from '../events/index.js';
import { DEFAULT_PARAMS, evaluateSecrets, listControls, parseParamsText, type ControlParams, type Severity } from '../controls/index.js';
import { readSnapshot } from '../inventory/index.js';
import { buildReport, hasFailureAtOrAbove, renderJson, renderMarkdown, renderTable, type Report } from '../reports/index.js';
import { CliError } from './io.js';

export type SweepFormat = 'json' | 'md' | 'table';

export interface SweepOptions {
  snapshot?: string;
  params?: string;
  now?: string;
  format: SweepFormat;
  out?: string;
  failOn?: Severity;
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Wall-clock time, epoch seconds: the CLI is the edge that may read it. */
  clock: () => number;
}

/** The report formats `--out` writes, by file name. */
const OUTPUTS: Record<string, (r: Report) => string> = { 'report.json': renderJson, 'report.md': renderMarkdown };

export async function runSweep(options: SweepOptions, io: Io): Promise<number> {
  if (!options.snapshot) throw new CliError('sweep needs --snapshot FILE: live sweeps of an account (--region, --endpoint-url) are not built yet');
  const params = options.params ? loadParams(options.params) : DEFAULT_PARAMS;
  const now = options.now ? parseNow(options.now) : io.clock();
  const snapshot = guard(() => readSnapshot(readFile(options.snapshot as string), options.snapshot as string));
  const findings = await evaluateSecrets(snapshot.secrets, { now, params });
  const report = buildReport({
    controls: await listControls(),
    states: snapshot.secrets,
    findings,
    scope: { source: 'snapshot', account: snapshot.account, regions: [snapshot.region], snapshotFile: options.snapshot, capturedAt: snapshot.capturedAt },
    params,
    evaluatedAt: now,
    generatedAt: io.clock(),
  });
  if (options.out) writeReports(report, options.out, io);
  io.stdout(options.format === 'json' ? renderJson(report) : options.format === 'md' ? renderMarkdown(report) : renderTable(report));
  return options.failOn && hasFailureAtOrAbove(report, options.failOn) ? 1 : 0;
}

function writeReports(report: Report, dir: string, io: Io): void {
  try {
    mkdirSync(dir, { recursive: true });
    for (const [file, render] of Object.entries(OUTPUTS)) writeFileSync(join(dir, file), render(report));
  } catch (cause) {
    throw new CliError(`--out ${dir}: cannot write the reports (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
  io.stderr(`vigil: wrote ${Object.keys(OUTPUTS).map((f) => join(dir, f)).join(', ')}\n`);
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

/** Bad input (a snapshot, params or date vigil cannot read) is the user's to fix: one line, exit 2. */
function guard<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof InputError) throw new CliError(error.message, { cause: error });
    throw error;
  }
}
