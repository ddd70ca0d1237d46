import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS_DIR, loadFixture } from '../helpers/fixtures.js';
import { runCli } from '../helpers/cli.js';

describe('CloudTrail records delivered twice', () => {
  it('alert once in replay, as the event Lambda alerts once per CloudTrail eventID', async () => {
    const record = loadFixture<{ detail: Record<string, unknown> }>('eventbridge/DeleteSecret-force.json').detail;
    const dir = mkdtempSync(join(tmpdir(), 'vigil-duplicates-'));
    // The same record in two log files, as CloudTrail can deliver it.
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ Records: [record] }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ Records: [structuredClone(record)] }));
    const run = await runCli(['replay', join(dir, 'a.json'), join(dir, 'b.json'), '--snapshot', join(EVENTS_DIR, 'snapshots', 'acme-prod.json'), '--format', 'json']);
    expect(run.exitCode).toBe(0);
    const { decisions } = JSON.parse(run.stdout) as { decisions: { eventId: string; alerts: { kind: string }[]; ignored?: string }[] };
    expect(decisions.flatMap((d) => d.alerts.map((a) => a.kind))).toEqual(['secret-deletion-forced']);
    expect(decisions[1]).toMatchObject({ eventId: record['eventID'], ignored: `a duplicate of CloudTrail event ${String(record['eventID'])}, already decided` });
  });
});
