import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { basename, join } from 'node:path';
import { listControls, SEVERITIES, STATUSES, type Finding, type Severity, type Status } from '../controls/index.js';
import { ACCESS_CSV, HTML_REPORT, diffCounts, diffReports, fileSpools, frameworkView, jsonWriter, markdownWriter, reportFiles, writeReport, type AccessSummary, type FormatWriter, type PreviousFailures, type Report, type ReportExtras, type ReportHead, type SecretContext, type TextSink } from '../reports/index.js';
import { CliError, readProblem } from './io.js';
import type { Io } from './sweep.js';

export type SweepFormat = 'json' | 'md' | 'table';

/**
 * What `--out` can write, by `--formats` name, and the files each is. diff.json comes with --previous, whatever is chosen;
 * access.csv only from a sweep with an access view (a state store).
 */
export const OUT_FORMATS: Record<string, string[]> = {
  json: ['report.json'],
  md: ['report.md'],
  html: [HTML_REPORT],
  csv: ['findings.csv'],
  asff: ['findings.asff.json'],
  ocsf: ['findings.ocsf.json'],
  frameworks: ['frameworks.json'],
  access: [ACCESS_CSV],
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

/** Which findings a person asked to see (--control, --severity, --status), after checking the controls named exist. */
export async function findingFilter(options: ShowOptions): Promise<(f: Finding) => boolean> {
  if (options.control?.length) {
    const known = new Set((await listControls()).map((c) => c.id));
    const unknown = options.control.filter((id) => !known.has(id));
    if (unknown.length) throw new CliError(`--control ${unknown.join(', ')}: no such control (vigil controls lists them)`);
  }
  const wanted = <T>(list: T[] | undefined, value: T) => !list?.length || list.includes(value);
  return (f) => wanted(options.control, f.controlId) && wanted(options.severity, f.severity) && wanted(options.status, f.status);
}

/** What the terminal table of a streamed sweep lists (the failures, or every finding with --verbose) and how many it leaves out. */
export function tableFindings(show: (f: Finding) => boolean, verbose: boolean): { writer: FormatWriter; findings: Finding[]; unlisted: () => number } {
  const findings: Finding[] = [];
  let unlisted = 0;
  const writer: FormatWriter = {
    add: (group) => {
      for (const f of group) {
        if (!show(f)) continue;
        if (verbose || f.status === 'FAIL' || f.status === 'ERROR') findings.push(f);
        else unlisted += 1;
      }
    },
    finish: () => undefined,
  };
  return { writer, findings, unlisted: () => unlisted };
}

/**
 * `--format json|md` on stdout as a writer, a piece at a time (a body that follows its head waits in a temporary folder):
 * the findings `show` lets through, the diff but not the framework table, as the terminal has always shown it.
 */
export function withStdoutWriter(format: 'json' | 'md', io: Io, run: (writer: FormatWriter) => void | Promise<void>, show: (f: Finding) => boolean = () => true): void | Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-stdout-'));
  const stdout: TextSink = { write: (text) => io.stdout(text) };
  const inner = format === 'json' ? jsonWriter(stdout, fileSpools(scratch, 'stdout')) : markdownWriter(stdout, fileSpools(scratch, 'stdout'));
  const writer: FormatWriter = {
    add: (findings, secret) => {
      const shown = findings.filter(show);
      if (shown.length) inner.add(shown, secret);
    },
    finish: (head, extras) => inner.finish(head, { ...(extras.diff ? { diff: extras.diff } : {}), ...(extras.access ? { access: extras.access } : {}) }),
  };
  const clean = () => rmSync(scratch, { recursive: true, force: true });
  let ran: void | Promise<void>;
  try {
    ran = run(writer);
  } catch (error) {
    clean();
    throw error;
  }
  if (ran instanceof Promise) return ran.finally(clean);
  clean();
}

/** The report files `--out` writes, opened in `dir` for writers to stream into; `close` finishes them and says what was written. */
/**
 * `--out` of a sweep is a folder of reports. A name that is a file, or looks like one (`report.json`, `x.json.gz`), is refused
 * before anything is read, rather than becoming a folder of that name.
 */
export function checkOutFolder(dir: string): void {
  const existing = statSync(dir, { throwIfNoEntry: false });
  if (existing?.isDirectory()) return;
  if (existing) throw new CliError(`--out ${dir} is a file: --out names the folder the reports go into (report.json, report.html, ...)`);
  if (/\.(json|gz|html?|md|csv|txt|ya?ml)$/i.test(basename(dir))) {
    throw new CliError(`--out ${dir} looks like a file name: --out names the folder the reports go into (report.json, report.html, ...); --formats chooses which`);
  }
}

export function openOutFiles(dir: string, io: Io, head: Pick<ReportHead, 'evaluatedAt'>, formats?: string[], options: { access?: boolean } = {}): { writers: FormatWriter[]; close: (extras: ReportExtras) => void } {
  const chosen = new Set((formats ?? Object.keys(OUT_FORMATS)).flatMap((f) => OUT_FORMATS[f] ?? []));
  if (!options.access) chosen.delete(ACCESS_CSV);
  const files = writingTo(dir, () => reportFiles(dir, head, [...chosen]));
  const guarded = (writer: FormatWriter): FormatWriter => ({
    add: (findings, secret) => writingTo(dir, () => writer.add(findings, secret)),
    finish: (h, extras) => writingTo(dir, () => writer.finish(h, extras)),
  });
  return {
    writers: files.writers.map(guarded),
    close: (extras) => {
      const written = writingTo(dir, () => files.close(extras));
      const opener = chosen.has(HTML_REPORT) ? `; open ${join(dir, HTML_REPORT)}` : '';
      io.stderr(`vigil: wrote ${written.length} report files to ${dir}${opener}\n`);
      const diff = extras.diff;
      if (diff) io.stderr(`vigil: since ${diff.previousGeneratedAt}: ${diffCounts(diff, false)}\n`);
    },
  };
}

function writingTo<T>(dir: string, run: () => T): T {
  try {
    return run();
  } catch (cause) {
    if (cause instanceof CliError) throw cause;
    throw new CliError(`--out ${dir}: cannot write the reports (${readProblem(cause)})`);
  }
}

/** Every chosen format of a report held in memory written to `dir` a secret at a time: no report is ever one string. */
export async function writeReports(report: Report, dir: string, io: Io, options: { previous?: PreviousFailures | undefined; formats?: string[] | undefined; secrets?: ReadonlyMap<string, SecretContext>; access?: AccessSummary }): Promise<void> {
  const diff = options.previous ? diffReports(report, options.previous) : undefined;
  const extras = { frameworks: frameworkView(report, await listControls()), ...(diff ? { diff } : {}), ...(options.access ? { access: options.access } : {}) };
  const out = openOutFiles(dir, io, report, options.formats);
  for (const writer of out.writers) writeReport(writer, report, extras, options.secrets);
  out.close(extras);
}
