import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventFile, normaliseInput } from '../src/events/index.js';
import { opsPerSecond, type Metric } from './metrics.js';

/** Events per second through the normaliser, for a CloudTrail log of mixed real-shaped records. */
export function benchNormalise(eventsDir: string): Metric[] {
  const log = decodeEventFile(readFileSync(join(eventsDir, 'cloudtrail', 'mixed-log.json')), 'mixed-log.json') as { Records: unknown[] };
  const records = Array.from({ length: 10_000 }, (_, i) => log.Records[i % log.Records.length]);
  const rate = opsPerSecond(() => normaliseInput({ Records: records }).records.length);
  return [{ metric: 'normalise.events_per_second', value: rate, unit: 'events/s' }];
}
