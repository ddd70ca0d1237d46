import { readFileSync } from 'node:fs';
import { markDuplicates, normaliseInput, repairSharedSample, type NormalisedRecord } from '../events/index.js';
import { readSnapshot } from '../inventory/index.js';
import type { SecretState } from '../model/index.js';
import { decide, keyNames, KnownSecrets, type Decision } from '../reactions/index.js';
import type { ControlParams } from '../controls/index.js';
import { CliError, guard, loadParams, readEventFile } from './io.js';
import { plural } from '../reports/writer.js';
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
  const secrets: SecretState[] = options.snapshot ? guard(() => readSnapshot(readFileSync(options.snapshot as string), options.snapshot as string)).secrets : [];
  const records: NormalisedRecord[] = [];
  const invalid: { file: string; path: string; problem: string }[] = [];
  const notes = new Map<string, string[]>();
  // A file with no event, or only unreadable ones, is refused even beside good files: what it was meant to hold was not replayed.
  const empty: { file: string; invalid: boolean }[] = [];
  for (const file of files) {
    // A sample as people share it (placeholder account ids) is read as far as it can be, with a note beside its decision.
    const repaired = repairSharedSample(readEventFile(file));
    for (const [id, said] of repaired.notes) notes.set(id, [...(notes.get(id) ?? []), ...said]);
    const batch = normaliseInput(repaired.input);
    // One at a time: spreading 200,000 records into push() overflows the call stack.
    for (const record of batch.records) records.push(record);
    if (batch.records.length === 0) empty.push({ file, invalid: batch.invalid.length > 0 });
    for (const error of batch.invalid) {
      invalid.push({ file, path: error.path, problem: error.problem });
      io.stderr(`vigil: ${file}: ${error.message}\n`);
    }
    for (const invocation of batch.configInvocations) io.stderr(`vigil: ${file}: an AWS Config invocation (${invocation.configRuleName}) is not an event; the Config rule evaluates it\n`);
  }
  const unread = (which: typeof empty) => which.map((e) => e.file).join(', ');
  if (records.length === 0) throw new CliError(invalid.length ? `no readable event in ${files.join(', ')}: every record was invalid (above)` : `no event in ${files.join(', ')}`);
  if (empty.length) {
    const said = [empty.some((e) => !e.invalid) && `no event in ${unread(empty.filter((e) => !e.invalid))}`, empty.some((e) => e.invalid) && `no readable event in ${unread(empty.filter((e) => e.invalid))} (every record was invalid, above)`];
    throw new CliError(`${said.filter(Boolean).join('; ')}: nothing was replayed (leave the file out, or mend it)`);
  }
  // Each decision is printed as it is made and then let go: 200,000 decisions never sit in memory together.
  let events = 0;
  let alerts = 0;
  if (options.format === 'json') io.stdout('{\n  "decisions": [');
  await replayRecords(records, { params, secrets, remediation: options.remediation ?? false }, (decision) => {
    const d = notes.has(decision.eventId) ? { ...decision, notes: notes.get(decision.eventId) as string[] } : decision;
    if (options.format === 'json') io.stdout(`${events ? ',' : ''}\n    ${JSON.stringify(d, null, 2).replaceAll('\n', '\n    ')}`);
    else io.stdout(renderDecision(d));
    events += 1;
    alerts += d.alerts.length;
  });
  if (options.format === 'json') io.stdout(`${events ? '\n  ' : ''}]${invalid.length ? `,\n  "invalid": ${JSON.stringify(invalid, null, 2).replaceAll('\n', '\n  ')}` : ''}\n}\n`);
  else io.stdout(`\n${plural(events, 'event')}, ${plural(alerts, 'alert')}\n`);
  return 0;
}

/**
 * Decides records in event-time order (a file need not be sorted; equal times keep their order), each event id once,
 * each against the account as the earlier events left it.
 */
export async function replayRecords(records: readonly NormalisedRecord[], options: { params: ControlParams; secrets: Iterable<SecretState>; remediation: boolean }): Promise<Decision[]>;
/** With `onDecision`, each decision goes to it as it is made, and none is kept. */
export async function replayRecords(records: readonly NormalisedRecord[], options: { params: ControlParams; secrets: Iterable<SecretState>; remediation: boolean }, onDecision: (decision: Decision) => void): Promise<void>;
export async function replayRecords(records: readonly NormalisedRecord[], options: { params: ControlParams; secrets: Iterable<SecretState>; remediation: boolean }, onDecision?: (decision: Decision) => void): Promise<Decision[] | void> {
  const known = new KnownSecrets(options.secrets);
  const decisions: Decision[] = [];
  const take = onDecision ?? ((decision: Decision) => void decisions.push(decision));
  for (const record of markDuplicates(inEventTimeOrder(records))) {
    const found = record.kind === 'ignored' ? undefined : known.find(record);
    // A KMS event's key: the secrets it protects, from the key index (its aliases as the snapshot recorded them); any other event: the one secret it names.
    const keyAliases = record.kind === 'key-api-call' && record.key ? known.keyAliases(record.key, record.account, record.region) : [];
    const knownSecrets = record.kind === 'key-api-call' ? (record.key ? known.protectedBy(keyNames(record.key, keyAliases)) : []) : found ? [found] : [];
    take(await decide(record, { params: options.params, knownSecrets, keyAliases, keyState: known.keyState, remediationEnabled: options.remediation }));
    if (record.kind !== 'ignored') known.apply(record);
  }
  if (!onDecision) return decisions;
}

function inEventTimeOrder(records: readonly NormalisedRecord[]): NormalisedRecord[] {
  // An ignored record has no time of its own: it keeps its place after the record before it.
  const times = new Float64Array(records.length);
  let last = -Infinity;
  records.forEach((record, i) => {
    const time = record.kind === 'ignored' ? Number.NaN : Date.parse(record.time);
    last = Number.isNaN(time) ? last : time;
    times[i] = last;
  });
  const order = Array.from({ length: records.length }, (_, i) => i);
  order.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
  return order.map((i) => records[i] as NormalisedRecord);
}

function renderDecision(d: Decision & { notes?: string[] }): string {
  const head = `${d.time || '-'}  ${d.eventName || '(unknown)'}  ${d.eventId}`;
  const notes = (d.notes ?? []).map((note) => `  note: ${note}`);
  if (d.ignored && d.alerts.length === 0) return `${[head, `  no alert: ${d.ignored}`, ...notes].join('\n')}\n`;
  const lines = [head, ...notes];
  for (const a of d.alerts) lines.push(`  ALERT ${a.kind} ${a.severity}: ${a.subject}`);
  for (const c of d.complianceChanges) lines.push(`  compliance ${c.controlId}: ${c.oldStatus ?? 'unknown'} -> ${c.newStatus}`);
  for (const r of d.remediations) lines.push(`  remediation ${r.action}: ${r.reason}`);
  return `${lines.join('\n')}\n`;
}


