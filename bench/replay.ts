import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayRecords } from '../src/cli/replay.js';
import { DEFAULT_PARAMS } from '../src/controls/index.js';
import { decodeEventFile, normaliseInput } from '../src/events/index.js';
import { readSnapshot } from '../src/inventory/index.js';
import type { SecretState } from '../src/model/index.js';
import type { Metric } from './metrics.js';

const RECORDS = 100_000;
const BIG_RECORDS = 200_000;
const BIG_SECRETS = 100_000;
/** Keys the bulk secrets are spread over, 100 secrets a key; the first is the key the log's DisableKey names. */
const BIG_KEYS = 1_000;

function mixedRecords(eventsDir: string, count: number) {
  const log = decodeEventFile(readFileSync(join(eventsDir, 'cloudtrail', 'mixed-log.json')), 'mixed-log.json') as { Records: Record<string, unknown>[] };
  return Array.from({ length: count }, (_, i) => ({ ...(log.Records[i % log.Records.length] as Record<string, unknown>), eventID: `bench-${i}` }));
}

/**
 * The fixture account's secrets, and `extra` more copies of its first under names of their own, spread over `BIG_KEYS`
 * keys as an account spreads them: the log's DisableKey then names a key that protects 100 of them, not all.
 */
function secretsOf(eventsDir: string, extra: number): SecretState[] {
  const secrets = readSnapshot(readFileSync(join(eventsDir, 'snapshots', 'acme-prod.json')), 'acme-prod.json').secrets;
  const model = secrets[0] as SecretState;
  const keyArn = (k: number) => (k === 0 ? model.kmsKey?.arn : `arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-${String(k).padStart(12, '0')}`) ?? null;
  const bulk = (i: number): SecretState => {
    const arn = keyArn(i % BIG_KEYS);
    return { ...model, arn: `${model.arn}-bulk-${i}`, name: `bulk/${i}`, kmsKeyId: arn, kmsKey: model.kmsKey && { ...model.kmsKey, arn } };
  };
  return [...secrets, ...Array.from({ length: extra }, (_, i) => bulk(i))];
}

/** CloudTrail records through normalise + replay (event-time order, dedupe, decide), one core, as `vigil replay` runs them. */
export async function benchReplay(eventsDir: string): Promise<Metric[]> {
  const small = await timeReplay(mixedRecords(eventsDir, RECORDS), secretsOf(eventsDir, 0));
  const big = await timeReplay(mixedRecords(eventsDir, BIG_RECORDS), secretsOf(eventsDir, BIG_SECRETS));
  return [
    { metric: 'replay.events_per_second', value: RECORDS / small, unit: `events/s (${RECORDS.toLocaleString('en-US')} mixed CloudTrail records, normalise + decide, 1 core)`, target: { op: '>=', value: 20_000 } },
    { metric: 'replay.ms_per_event.100k_secrets', value: (big * 1000) / BIG_RECORDS, unit: `ms/event (${BIG_RECORDS.toLocaleString('en-US')} mixed records against ${BIG_SECRETS.toLocaleString('en-US')} secrets under ${BIG_KEYS.toLocaleString('en-US')} keys; a scan took 18 ms)` },
  ];
}

async function timeReplay(records: Record<string, unknown>[], secrets: SecretState[]): Promise<number> {
  const start = performance.now();
  const batch = normaliseInput({ Records: records });
  // As vigil replay runs: each decision handed on as it is made, none kept.
  let alerts = 0;
  await replayRecords(batch.records, { params: DEFAULT_PARAMS, secrets, remediation: false }, (decision) => (alerts += decision.alerts.length));
  if (alerts === 0) throw new Error('the replay bench raised no alert: its records no longer reach the reaction logic');
  return (performance.now() - start) / 1000;
}
