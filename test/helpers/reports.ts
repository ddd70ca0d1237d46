import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateSecrets, listControls, parseParamsText } from '../../src/controls/index.js';
import { readSnapshot } from '../../src/inventory/index.js';
import type { SecretState } from '../../src/model/index.js';
import { buildReport, type Report } from '../../src/reports/index.js';
import { EVENTS_DIR } from './fixtures.js';

export const FIXTURE_NOW = Date.UTC(2026, 10, 20) / 1000;

/** The report of the acme-prod snapshot fixture, evaluated at 2026-11-20 with its params; `edit` may change the secrets first. */
export async function fixtureReport(edit: (states: SecretState[]) => SecretState[] = (s) => s, now = FIXTURE_NOW): Promise<Report> {
  const file = join(EVENTS_DIR, 'snapshots', 'acme-prod.json');
  const snapshot = readSnapshot(readFileSync(file), 'acme-prod.json');
  const params = parseParamsText(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json'), 'utf8'), 'params');
  const states = edit(snapshot.secrets);
  return buildReport({
    controls: await listControls(),
    states,
    findings: await evaluateSecrets(states, { now, params }),
    scope: { source: 'snapshot', account: snapshot.account, regions: [snapshot.region], snapshotFile: 'acme-prod.json' },
    params,
    evaluatedAt: now,
    generatedAt: now + 60,
  });
}

/** The acme-prod snapshot fixture's secrets. */
export function fixtureStates(): SecretState[] {
  return readSnapshot(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.json')), 'acme-prod.json').secrets;
}

/** RFC 4180 rows (quoted cells may hold commas, quotes and line breaks). */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(cell);
      cell = '';
    } else if (!quoted && c === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += c;
    }
  }
  return rows;
}

/** A CSV report's rows as records keyed by its header. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header = [], ...rows] = csvRows(text);
  return rows.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ''])));
}
