import type { Control } from '../controls/types.js';
import { renderAsff } from './asff.js';
import { renderCsv } from './csv.js';
import { diffReports, type ReportDiff } from './diff.js';
import { frameworkView } from './frameworks.js';
import { renderHtml } from './html.js';
import { renderOcsf } from './ocsf.js';
import { renderJson, renderMarkdown } from './render.js';
import type { Report } from './report.js';

/** The file a person opens first. */
export const HTML_REPORT = 'report.html';

/** Every report format, by file name: what `vigil sweep --out` and the sweep Lambda write. */
export function renderAll(report: Report, controls: Control[], previous?: Report): { files: Record<string, string>; diff?: ReportDiff } {
  const frameworks = frameworkView(report, controls);
  const diff = previous ? diffReports(report, previous) : undefined;
  const extras = { frameworks, ...(diff ? { diff } : {}) };
  const files: Record<string, string> = {
    'report.json': renderJson(report),
    'report.md': renderMarkdown(report, extras),
    [HTML_REPORT]: renderHtml(report, extras),
    'findings.csv': renderCsv(report),
    'findings.asff.json': renderAsff(report),
    'findings.ocsf.json': renderOcsf(report),
    'frameworks.json': `${JSON.stringify(frameworks, null, 2)}\n`,
  };
  if (diff) files['diff.json'] = `${JSON.stringify(diff, null, 2)}\n`;
  return diff ? { files, diff } : { files };
}
