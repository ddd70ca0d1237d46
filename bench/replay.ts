import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PARAMS } from '../src/controls/index.js';
import { decodeEventFile, normaliseInput } from '../src/events/index.js';
import { readSnapshot } from '../src/inventory/index.js';
import { decide, evolve } from '../src/reactions/index.js';
import type { Metric } from './metrics.js';

const RECORDS = 100_000;

/** A CloudTrail log of 100,000 mixed records (the recorded mix, repeated) through normalise + decide, one core. */
export async function benchReplay(eventsDir: string): Promise<Metric[]> {
  const log = decodeEventFile(readFileSync(join(eventsDir, 'cloudtrail', 'mixed-log.json')), 'mixed-log.json') as { Records: Record<string, unknown>[] };
  const records = Array.from({ length: RECORDS }, (_, i) => {
    const record = log.Records[i % log.Records.length] as Record<string, unknown>;
    return { ...record, eventID: `bench-${i}` };
  });
  let known = readSnapshot(readFileSync(join(eventsDir, 'snapshots', 'acme-prod.json')), 'acme-prod.json').secrets;
  const start = performance.now();
  const batch = normaliseInput({ Records: records });
  let alerts = 0;
  for (const record of batch.records) {
    const decision = await decide(record, { params: DEFAULT_PARAMS, knownSecrets: known });
    alerts += decision.alerts.length;
    if (record.kind !== 'ignored') known = evolve(known, record);
  }
  const seconds = (performance.now() - start) / 1000;
  void alerts;
  return [{ metric: 'replay.events_per_second', value: batch.records.length / seconds, unit: `events/s (${RECORDS.toLocaleString('en-US')} mixed CloudTrail records, normalise + decide, 1 core)`, target: { op: '>=', value: 20_000 } }];
}
