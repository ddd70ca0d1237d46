import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSecrets, parseParamsText } from '../../src/controls/index.js';
import { readSnapshot } from '../../src/inventory/index.js';
import { CONTROLS_AN_EVENT_TOUCHES } from '../../src/reactions/apply.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

const secrets = readSnapshot(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.json')), 'acme-prod.json').secrets;
const params = parseParamsText(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json'), 'utf8'), 'acme-prod.params.json');
const now = Date.parse('2026-11-20T00:00:00Z') / 1000;

// An event touches a few controls (a resource policy change: the two policy controls); only those are evaluated.
describe('evaluating only some controls', () => {
  it('gives, for every fixture secret, exactly the findings a full evaluation gives for those controls', async () => {
    const ids = ['no-untrusted-cross-account', 'no-public-principal'];
    const full = await evaluateSecrets(secrets, { now, params });
    const some = await evaluateSecrets(secrets, { now, params, controlIds: ids });
    expect(some).toHaveLength(secrets.length);
    some.forEach((findings, i) => {
      expect(findings.map((f) => f.controlId)).toEqual(['no-public-principal', 'no-untrusted-cross-account']);
      expect(findings).toEqual(full[i]?.filter((f) => ids.includes(f.controlId)));
    });
    // The fixture holds a public policy, an untrusted account and a policy that is not JSON: the subset still judges them.
    expect(new Set(some.flat().map((f) => f.status))).toEqual(new Set(['PASS', 'FAIL', 'ERROR']));
  });

  it('refuses an unknown control id, naming it, rather than evaluating nothing', async () => {
    await expect(evaluateSecrets(secrets.slice(0, 1), { now, params, controlIds: ['no-public-principle'] })).rejects.toThrow(/unknown control id no-public-principle/);
  });

  it('knows every control an event is said to touch', async () => {
    for (const touched of Object.values(CONTROLS_AN_EVENT_TOUCHES)) {
      if (touched !== 'all') await expect(evaluateSecrets(secrets.slice(0, 1), { now, params, controlIds: touched })).resolves.toHaveLength(1);
    }
  });

  it('evaluates nothing for an empty list', async () => {
    const none = await evaluateSecrets(secrets.slice(0, 3), { now, params, controlIds: [] });
    expect(none).toEqual([[], [], []]);
  });
});
