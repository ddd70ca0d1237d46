import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS_DIR, fixtureFiles } from '../helpers/fixtures.js';
import { replayFixtures } from '../helpers/replay.js';

// test/golden/replay.json was written once and reviewed by hand: a change to it is a change in what on-call is told,
// so it is edited deliberately, never regenerated to make this test pass.
const golden = JSON.parse(readFileSync(join(EVENTS_DIR, '..', 'test', 'golden', 'replay.json'), 'utf8')) as Record<string, unknown>;

describe('every recorded event replays to the reviewed decision', () => {
  it('covers every EventBridge and CloudTrail fixture', () => {
    expect(Object.keys(golden).sort()).toEqual([...fixtureFiles('eventbridge'), ...fixtureFiles('cloudtrail')].sort());
  });

  it('decides each fixture as the golden file states', async () => {
    const actual = await replayFixtures();
    for (const [file, decisions] of Object.entries(golden)) expect({ file, decisions: actual[file] }).toEqual({ file, decisions });
  });
});
