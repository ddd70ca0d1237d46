import { mkdirSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { listControls, SEVERITIES, STATUSES, type Finding, type Severity, type Status } from '../controls/index.js';
import { HTML_REPORT, diffReports, renderAll, renderJson, renderMarkdown, type Report } from '../reports/index.js';
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
  if (options.format === 'json') io.stdout(renderJson(shown));
  else if (options.format === 'md') io.stdout(renderMarkdown(shown, diff ? { diff } : {}));
  else io.stdout(renderTerminalTable(shown, { verbose: options.verbose ?? false, colour: io.colour ?? false, ...(diff ? { diff } : {}) }));
}

export async function writeReports(report: Report, dir: string, io: Io, options: { previous?: Report | undefined; formats?: string[] | undefined }): Promise<void> {
  const { files, diff } = renderAll(report, await listControls(), options.previous);
  const chosen = new Set((options.formats ?? Object.keys(OUT_FORMATS)).flatMap((f) => OUT_FORMATS[f] ?? []));
  if (diff) chosen.add('diff.json');
  const written = Object.entries(files).filter(([file]) => chosen.has(file));
  try {
    mkdirSync(dir, { recursive: true });
    for (const [file, content] of written) writeFileSync(join(dir, file), content);
  } catch (cause) {
    throw new CliError(`--out ${dir}: cannot write the reports (${readProblem(cause)})`);
  }
  const opener = chosen.has(HTML_REPORT) ? `; open ${join(dir, HTML_REPORT)}` : '';
  io.stderr(`vigil: wrote ${written.length} report files to ${dir}${opener}\n`);
  if (diff) io.stderr(`vigil: since ${diff.previousGeneratedAt}: ${diff.newFailures.length} new failures, ${diff.resolvedFailures.length} resolved\n`);
}
