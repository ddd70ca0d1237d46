import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { listControls, SEVERITIES, STATUSES, type Finding, type Severity, type Status } from '../controls/index.js';
import { HTML_REPORT, diffReports, fileSpools, frameworkView, jsonWriter, markdownWriter, reportFiles, writeReport, type Report, type SecretContext, type TextSink } from '../reports/index.js';
import { CliError, readProblem } from './io.js';
import type { Io } from './sweep.js';
import { renderTerminalTable } from './table.js';

export type SweepFormat = 'json' | 'md' | 'table';

/** What `--out` can write, by `--formats` name, and the files each is. diff.json comes with --previous, whatever is chosen. */
export const OUT_FORMATS: Record<string, string[]> = {
  json: ['report.json'],
  md: ['report.md'],
  html: [HTML_REPORT],
  csv: ['findings.csv'],
  asff: ['findings.asff.json'],
  ocsf: ['findings.ocsf.json'],
  frameworks: ['frameworks.json'],
};

export interface ShowOptions {
  format: SweepFormat;
  verbose?: boolean;
  control?: string[];
  severity?: Severity[];
  status?: Status[];
}

/** A commander parser for a comma-separated list (repeatable) of allowed values, refused in one line otherwise. */
export function listOf<T extends string>(allowed: readonly T[]) {
  return (value: string, previous: T[] = []): T[] => {
    const items = value.split(',').map((v) => v.trim()).filter(Boolean);
    const wrong = items.filter((v) => !allowed.includes(v as T));
    if (wrong.length || !items.length) throw new InvalidArgumentError(`expected a comma-separated list of ${allowed.join(', ')} (case matters)`);
    return [...new Set([...previous, ...(items as T[])])];
  };
}

export const parseSeverities = listOf(SEVERITIES);
export const parseStatuses = listOf(STATUSES);
export const parseFormats = listOf(Object.keys(OUT_FORMATS));

/** The findings a person asked to see (--control, --severity, --status); the summary still counts the whole sweep. */
export async function selectFindings(findings: Finding[], options: ShowOptions): Promise<Finding[]> {
  if (options.control?.length) {
    const known = new Set((await listControls()).map((c) => c.id));
    const unknown = options.control.filter((id) => !known.has(id));
    if (unknown.length) throw new CliError(`--control ${unknown.join(', ')}: no such control (vigil controls lists them)`);
  }
  const wanted = <T>(list: T[] | undefined, value: T) => !list?.length || list.includes(value);
  return findings.filter((f) => wanted(options.control, f.controlId) && wanted(options.severity, f.severity) && wanted(options.status, f.status));
}

export async function showReport(report: Report, options: ShowOptions, io: Io, previous?: Report): Promise<void> {
  const findings = await selectFindings(report.findings, options);
  const shown = findings.length === report.findings.length ? report : { ...report, findings };
  const diff = previous ? diffReports(report, previous) : undefined;
  if (options.format === 'table') {
    io.stdout(renderTerminalTable(shown, { verbose: options.verbose ?? false, colour: io.colour ?? false, ...(diff ? { diff } : {}) }));
    return;
  }
  // The report goes to stdout a piece at a time; a body that follows its head waits in a temporary folder.
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-stdout-'));
  try {
    const stdout: TextSink = { write: (text) => io.stdout(text) };
    const writer = options.format === 'json' ? jsonWriter(stdout, fileSpools(scratch, 'stdout')) : markdownWriter(stdout, fileSpools(scratch, 'stdout'));
    writeReport(writer, shown, diff ? { diff } : {});
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Every chosen format written to `dir` a secret at a time: no report is ever one string in memory. */
export async function writeReports(report: Report, dir: string, io: Io, options: { previous?: Report | undefined; formats?: string[] | undefined; secrets?: ReadonlyMap<string, SecretContext> }): Promise<void> {
  const chosen = new Set((options.formats ?? Object.keys(OUT_FORMATS)).flatMap((f) => OUT_FORMATS[f] ?? []));
  const diff = options.previous ? diffReports(report, options.previous) : undefined;
  const extras = { frameworks: frameworkView(report, await listControls()), ...(diff ? { diff } : {}) };
  let written: string[];
  try {
    const files = reportFiles(dir, report, [...chosen]);
    for (const writer of files.writers) writeReport(writer, report, extras, options.secrets);
    written = files.close(extras);
  } catch (cause) {
    throw new CliError(`--out ${dir}: cannot write the reports (${readProblem(cause)})`);
  }
  const opener = chosen.has(HTML_REPORT) ? `; open ${join(dir, HTML_REPORT)}` : '';
  io.stderr(`vigil: wrote ${written.length} report files to ${dir}${opener}\n`);
  if (diff) io.stderr(`vigil: since ${diff.previousGeneratedAt}: ${diff.newFailures.length} new failures, ${diff.resolvedFailures.length} resolved\n`);
}
