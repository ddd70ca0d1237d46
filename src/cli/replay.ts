import { readFileSync } from 'node:fs';
import { markDuplicates, normaliseInput, type NormalisedRecord } from '../events/index.js';
import { readSnapshot } from '../inventory/index.js';
import type { SecretState } from '../model/index.js';
import { decide, evolve, type Decision } from '../reactions/index.js';
import { guard, loadParams, readEventFile } from './io.js';
import type { Io } from './sweep.js';

export interface ReplayOptions {
  snapshot?: string;
  params?: string;
  format: 'json' | 'text';
  remediation?: boolean;
}

/** `vigil replay`: events through the reaction logic, offline, with no AWS call. */
export async function runReplay(files: string[], options: ReplayOptions, io: Io): Promise<number> {
  const params = loadParams(options.params);
  let knownSecrets: SecretState[] = options.snapshot ? guard(() => readSnapshot(readFileSync(options.snapshot as string), options.snapshot as string)).secrets : [];
  const records: NormalisedRecord[] = [];
  const invalid: { file: string; path: string; problem: string }[] = [];
  for (const file of files) {
    const batch = normaliseInput(readEventFile(file));
    records.push(...batch.records);
    for (const error of batch.invalid) {
      invalid.push({ file, path: error.path, problem: error.problem });
      io.stderr(`vigil: ${file}: ${error.message}\n`);
    }
    for (const invocation of batch.configInvocations) io.stderr(`vigil: ${file}: an AWS Config invocation (${invocation.configRuleName}) is not an event; the Config rule evaluates it\n`);
  }
  const decisions: Decision[] = [];
  // Events are judged in order against the account as the earlier ones left it.
  for (const record of markDuplicates(records)) {
    decisions.push(await decide(record, { params, knownSecrets, remediationEnabled: options.remediation ?? false }));
    if (record.kind !== 'ignored') knownSecrets = evolve(knownSecrets, record);
  }
  io.stdout(options.format === 'json' ? `${JSON.stringify({ decisions, ...(invalid.length ? { invalid } : {}) }, null, 2)}\n` : renderText(decisions));
  return records.length === 0 && invalid.length > 0 ? 2 : 0;
}

function renderText(decisions: Decision[]): string {
  const lines: string[] = [];
  for (const d of decisions) {
    const head = `${d.time || '-'}  ${d.eventName || '(unknown)'}  ${d.eventId}`;
    if (d.ignored && d.alerts.length === 0) {
      lines.push(`${head}\n  no alert: ${d.ignored}`);
      continue;
    }
    lines.push(head);
    for (const a of d.alerts) lines.push(`  ALERT ${a.kind} ${a.severity}: ${a.subject}`);
    for (const c of d.complianceChanges) lines.push(`  compliance ${c.controlId}: ${c.oldStatus ?? 'unknown'} -> ${c.newStatus}`);
    for (const r of d.remediations) lines.push(`  remediation ${r.action}: ${r.reason}`);
  }
  const alerts = decisions.reduce((n, d) => n + d.alerts.length, 0);
  lines.push('', `${decisions.length} events, ${alerts} alerts`);
  return `${lines.join('\n')}\n`;
}


