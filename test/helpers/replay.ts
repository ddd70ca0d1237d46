import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseParamsText } from '../../src/controls/index.js';
import { normaliseInput } from '../../src/events/index.js';
import { readSnapshot } from '../../src/inventory/index.js';
import { decide, evolve, type Decision } from '../../src/reactions/index.js';
import { EVENTS_DIR, fixtureFiles, loadFixture } from './fixtures.js';

export const knownSecrets = () => readSnapshot(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.json')), 'acme-prod.json').secrets;
export const fixtureParams = () => parseParamsText(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.params.json'), 'utf8'), 'params');

/** What a reviewer checks of a decision: who is told what, what changed, and why nothing applies when nothing does. */
export function summarise(d: Decision) {
  return {
    eventName: d.eventName,
    secretArns: d.secretArns,
    alerts: d.alerts.map((a) => `${a.kind} ${a.severity}: ${a.subject}`),
    complianceChanges: d.complianceChanges.map((c) => `${c.controlId}: ${c.oldStatus ?? 'unknown'} -> ${c.newStatus}`),
    remediations: d.remediations.map((r) => `${r.action} ${r.secretArn}`),
    ...(d.ignored ? { ignored: d.ignored } : {}),
  };
}

/** Every recorded event fixture replayed against the acme-prod snapshot, remediation shown as if enabled. */
export async function replayFixtures(): Promise<Record<string, ReturnType<typeof summarise>[]>> {
  const out: Record<string, ReturnType<typeof summarise>[]> = {};
  const params = fixtureParams();
  for (const file of [...fixtureFiles('eventbridge'), ...fixtureFiles('cloudtrail')]) {
    let secrets = knownSecrets();
    const batch = normaliseInput(loadFixture(file));
    out[file] = [];
    for (const record of batch.records) {
      out[file].push(summarise(await decide(record, { params, knownSecrets: secrets, remediationEnabled: true })));
      if (record.kind !== 'ignored') secrets = evolve(secrets, record);
    }
  }
  return out;
}
