import fc from 'fast-check';
import { describe, it } from 'vitest';
import { fuzzTargets } from '../../fuzz/properties.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

// The same properties `npm run fuzz` runs a million times; here, 2,500 cases each on every run of npm test.
describe('every loader under generated and mutated input: a result or its typed error', () => {
  it.each(fuzzTargets(`${EVENTS_DIR}/..`).filter((t) => t.name !== 'event-normaliser').map((t) => [t.name, t] as const))('%s', (_name, target) => {
    fc.assert(fc.property(target.input, (input) => target.check(input)), { numRuns: 2_500 });
  });
});
