import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Control } from '../controls/types.js';
import { accessCsvWriter, type AccessSummary } from './access.js';
import { asffWriter } from './asff.js';
import { csvWriter } from './csv.js';
import { diffReports, type ReportDiff } from './diff.js';
import { frameworkView, type RequirementView } from './frameworks.js';
import { htmlWriter } from './html.js';
import { jsonDiff, jsonWriter } from './json.js';
import { ocsfWriter } from './ocsf.js';
import { markdownWriter } from './render.js';
import type { Report, ReportHead } from './report.js';
import { FileSink, fileSpools, memorySpools, StringSink, type SpoolFactory, type TextSink } from './sinks.js';
import { writeReport, type FormatWriter, type ReportExtras, type SecretContext } from './writer.js';

/** The file a person opens first. */
export const HTML_REPORT = 'report.html';

/** Who read each secret, a row per reader: written only by a sweep with an access view. */
export const ACCESS_CSV = 'access.csv';

/** Every report file, by name, and the writer of each (frameworks.json and diff.json come from the head alone). */
const FORMATS: Record<string, (out: TextSink, head: Pick<ReportHead, 'evaluatedAt'>, spools: SpoolFactory) => FormatWriter> = {
  'report.json': (out, _head, spools) => jsonWriter(out, spools),
  'report.md': (out, _head, spools) => markdownWriter(out, spools),
  [HTML_REPORT]: (out, _head, spools) => htmlWriter(out, spools),
  'findings.csv': (out) => csvWriter(out),
  'findings.asff.json': (out, head) => asffWriter(out, head),
  'findings.ocsf.json': (out, head) => ocsfWriter(out, head),
  [ACCESS_CSV]: (out) => accessCsvWriter(out),
};

/** The small files written from the head: the framework view, and the diff when there is a previous report. */
function headFiles(extras: ReportExtras): Record<string, string> {
  return {
    'frameworks.json': `${JSON.stringify(extras.frameworks ?? [], null, 2)}\n`,
    ...(extras.diff ? { 'diff.json': `${JSON.stringify(jsonDiff(extras.diff), null, 2)}\n` } : {}),
  };
}

/** Every report format of a report held in memory, by file name: what the sweep Lambda and the demo write. */
export function renderAll(report: Report, controls: readonly Control[], previous?: unknown, secrets?: ReadonlyMap<string, SecretContext>, access?: AccessSummary): { files: Record<string, string>; diff?: ReportDiff; frameworks: RequirementView[] } {
  const frameworks = frameworkView(report, controls);
  const diff = previous ? diffReports(report, previous) : undefined;
  const extras: ReportExtras = { frameworks, ...(diff ? { diff } : {}), ...(access ? { access } : {}) };
  const files: Record<string, string> = {};
  for (const [name, make] of Object.entries(FORMATS)) {
    if (name === ACCESS_CSV && !access?.audited) continue;
    const out = new StringSink();
    writeReport(make(out, report, memorySpools), report, extras, secrets);
    files[name] = out.text();
  }
  Object.assign(files, headFiles(extras));
  return { files, frameworks, ...(diff ? { diff } : {}) };
}

/** Report files in `dir`, written as the findings stream in; `close` writes the head files and closes them all. */
export function reportFiles(dir: string, head: Pick<ReportHead, 'evaluatedAt'>, only?: readonly string[]): { writers: FormatWriter[]; names: string[]; close: (extras: ReportExtras) => string[] } {
  mkdirSync(dir, { recursive: true });
  const names = Object.keys(FORMATS).filter((n) => !only || only.includes(n));
  const sinks = names.map((name) => new FileSink(join(dir, name)));
  const writers = names.map((name, i) => (FORMATS[name] as (typeof FORMATS)[string])(sinks[i] as FileSink, head, fileSpools(dir, name)));
  return {
    writers,
    names,
    close: (extras) => {
      for (const sink of sinks) sink.close();
      const small = Object.fromEntries(Object.entries(headFiles(extras)).filter(([name]) => !only || only.includes(name) || name === 'diff.json'));
      for (const [name, text] of Object.entries(small)) {
        const sink = new FileSink(join(dir, name));
        sink.write(text);
        sink.close();
      }
      return [...names, ...Object.keys(small)];
    },
  };
}
