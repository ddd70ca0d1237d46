import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzTargets, hostileValue, resultOrTypedError } from '../../fuzz/properties.js';
import { InvalidEventError, normaliseEventBridgeEvent, normaliseInput } from '../../src/events/index.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

// The properties `npm run fuzz` runs a million times; 10,000 cases of them on every run of npm test.
const normaliser = fuzzTargets(`${EVENTS_DIR}/..`).find((t) => t.name === 'event-normaliser');

describe('normaliser under generated and mutated input', () => {
  it('returns a result or throws InvalidEventError for 8,000 mutated real fixtures', () => {
    if (!normaliser) throw new Error('the event-normaliser fuzz target is missing');
    fc.assert(
      fc.property(normaliser.input, (event) => {
        normaliser.check(event);
        for (const error of normaliseInput(event).invalid) expect(error).toBeInstanceOf(InvalidEventError);
      }),
      { numRuns: 8_000 },
    );
  });

  it('returns a result or throws InvalidEventError for 2,000 arbitrary values', () => {
    fc.assert(
      fc.property(hostileValue, (value) => {
        resultOrTypedError(() => normaliseEventBridgeEvent(value));
        resultOrTypedError(() => normaliseInput(value));
      }),
      { numRuns: 2_000 },
    );
  });
});
