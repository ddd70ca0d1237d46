import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidEventError, normaliseEventBridgeEvent, normaliseInput } from '../../src/events/index.js';
import { fixtureFiles, loadFixture } from '../helpers/fixtures.js';

// Mutations an attacker or a bug could produce: wrong types, missing and extra fields, huge strings, deep nesting, unicode.
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 20_000 }).map((s) => s.repeat(3)),
  fc.constantFrom('', '__proto__', 'constructor', 'toString', '2026-13-45', 'arn:aws:secretsmanager:::secret:', 'alias/', 'mrk-'),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.integer({ min: 50, max: 400 }).map((depth) => nest(depth)),
);

function nest(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { detail: value };
  return value;
}

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

const fixtures = [...fixtureFiles('eventbridge'), ...fixtureFiles('cloudtrail'), ...fixtureFiles('config')];

const mutatedFixture = fc
  .record({
    file: fc.constantFrom(...fixtures),
    edits: fc.array(fc.record({ pick: fc.nat(), action: fc.constantFrom('set', 'delete', 'add') as fc.Arbitrary<'set' | 'delete' | 'add'>, value: hostileValue }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ file, edits }) => {
    let event: unknown = loadFixture(file);
    for (const edit of edits) {
      const all = paths(event);
      const path = all[edit.pick % all.length] ?? [];
      event = mutate(event, path, edit.action, edit.value);
    }
    return event;
  });

function onlyResultOrInvalidEventError(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    expect(error.message).toMatch(/^\S.*: .+/);
  }
}

describe('normaliser under generated and mutated input', () => {
  it('returns a result or throws InvalidEventError for 8,000 mutated real fixtures', () => {
    fc.assert(
      fc.property(mutatedFixture, (event) => {
        onlyResultOrInvalidEventError(() => normaliseEventBridgeEvent(event));
        const batch = normaliseInput(event);
        for (const error of batch.invalid) expect(error).toBeInstanceOf(InvalidEventError);
      }),
      { numRuns: 8_000 },
    );
  });

  it('returns a result or throws InvalidEventError for 2,000 arbitrary values', () => {
    fc.assert(
      fc.property(hostileValue, (value) => {
        onlyResultOrInvalidEventError(() => normaliseEventBridgeEvent(value));
        onlyResultOrInvalidEventError(() => normaliseInput(value));
      }),
      { numRuns: 2_000 },
    );
  });
});
