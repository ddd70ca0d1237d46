import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseParams } from '../src/controls/params.js';
import { InputError, decodeEventFile, normaliseEventBridgeEvent, normaliseInput, parseConfigRuleInvocation } from '../src/events/index.js';
import { fromConfigItem, parseSnapshot } from '../src/inventory/index.js';

// What an attacker or a bug can hand vigil: real inputs with wrong types, missing and extra fields, huge strings,
// deep nesting and unicode. The property for every loader: a result, or the module's typed error, nothing else.

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 2_000 }).map((s) => s.repeat(10)),
  fc.constantFrom('', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '2026-13-45', 'arn:aws:secretsmanager:::secret:', 'alias/', 'mrk-', '0.0.0.0/0', '*'),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.integer({ min: 50, max: 400 }).map((depth) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { detail: value };
    return value;
  }),
);

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function mutate(root: unknown, path: string[], action: 'set' | 'delete' | 'add', value: unknown): unknown {
  if (path.length === 0) return action === 'set' ? value : root;
  let parent = root as Record<string, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (action === 'delete') delete parent[last];
  else if (action === 'set') parent[last] = value;
  else if (typeof parent[last] === 'object' && parent[last] !== null) (parent[last] as Record<string, unknown>)['extra\u{1F510}'] = value;
  return root;
}

/** Real documents from `events/`, each mutated a few times. */
export function mutated(root: string, folders: string[]): fc.Arbitrary<unknown> {
  const files = folders.flatMap((folder) => readdirSync(join(root, 'events', folder)).filter((f) => f.endsWith('.json') || f.endsWith('.gz')).map((f) => join(root, 'events', folder, f)));
  return fc
    .record({
      file: fc.constantFrom(...files),
      edits: fc.array(fc.record({ pick: fc.nat(), action: fc.constantFrom('set', 'delete', 'add') as fc.Arbitrary<'set' | 'delete' | 'add'>, value: hostileValue }), { minLength: 1, maxLength: 4 }),
    })
    .map(({ file, edits }) => {
      let doc: unknown = decodeEventFile(readFileSync(file), file);
      for (const edit of edits) {
        const all = paths(doc);
        doc = mutate(doc, all[edit.pick % all.length] ?? [], edit.action, edit.value);
      }
      return doc;
    });
}

/** Runs `load`; returns normally on a result or an InputError (the typed error of every vigil loader). */
export function resultOrTypedError(load: () => unknown): void {
  try {
    load();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    if (!/^\S.*: .+/.test(error.message)) throw new Error(`an InputError without "path: problem": ${error.message}`, { cause: error });
  }
}

export interface FuzzTarget {
  name: string;
  input: fc.Arbitrary<unknown>;
  check: (input: unknown) => void;
}

export function fuzzTargets(root: string): FuzzTarget[] {
  return [
    { name: 'event-normaliser', input: mutated(root, ['eventbridge', 'cloudtrail', 'config']), check: (e) => (resultOrTypedError(() => normaliseEventBridgeEvent(e)), resultOrTypedError(() => normaliseInput(e))) },
    { name: 'snapshot-loader', input: mutated(root, ['snapshots']), check: (d) => resultOrTypedError(() => parseSnapshot(d, 'snapshot')) },
    { name: 'params-loader', input: fc.oneof(mutated(root, ['snapshots']).map((d) => (d as Record<string, unknown>)), hostileValue, fc.dictionary(fc.constantFrom('unusedForDays', 'graceHours', 'trustedAccounts', 'requiredTagKeys', 'maxRotationIntervalDays', 'x'), hostileValue)), check: (p) => resultOrTypedError(() => parseParams(p)) },
    {
      name: 'config-item-mapper',
      input: mutated(root, ['config']),
      check: (invocation) =>
        resultOrTypedError(() => {
          const parsed = parseConfigRuleInvocation(invocation);
          if (parsed.configurationItem) fromConfigItem(parsed.configurationItem);
        }),
    },
  ];
}
