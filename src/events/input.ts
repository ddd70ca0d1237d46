import { gunzipSync } from 'node:zlib';
import { isConfigRuleInvocation, parseConfigRuleInvocation, type ConfigRuleInvocation } from './config-invocation.js';
import { describe } from './dates.js';
import { InvalidEventError } from './errors.js';
import { normaliseCloudTrailRecord, normaliseEventBridgeEvent } from './normalise.js';
import type { NormalisedRecord } from './types.js';

/** What one input (a file, a Lambda payload) held: every record vigil read, and every one it could not. */
export interface NormalisedBatch {
  records: NormalisedRecord[];
  configInvocations: ConfigRuleInvocation[];
  /** One error per unreadable record; the others are still read. */
  invalid: InvalidEventError[];
}

type Shape = 'eventbridge' | 'cloudtrail-record' | 'cloudtrail-log' | 'config-invocation';

export function shapeOf(input: unknown): Shape | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  if ('detail-type' in input && 'detail' in input) return 'eventbridge';
  if ('Records' in input) return 'cloudtrail-log';
  if (isConfigRuleInvocation(input)) return 'config-invocation';
  if ('eventSource' in input && 'eventName' in input) return 'cloudtrail-record';
  return undefined;
}

/**
 * Any input DESIGN.md names: an EventBridge event, a bare CloudTrail record, a CloudTrail log file, an AWS Config
 * invocation, or a JSON array of those. A bad record is reported and the rest still read.
 */
export function normaliseInput(input: unknown): NormalisedBatch {
  const batch: NormalisedBatch = { records: [], configInvocations: [], invalid: [] };
  if (Array.isArray(input)) {
    input.forEach((item, index) => {
      if (Array.isArray(item)) batch.invalid.push(new InvalidEventError(`[${index}]`, 'expected an event, received a nested array'));
      else addTo(batch, item, `[${index}]`);
    });
  } else addTo(batch, input, '');
  return batch;
}

function addTo(batch: NormalisedBatch, input: unknown, path: string): void {
  const shape = shapeOf(input);
  try {
    switch (shape) {
      case 'eventbridge':
        batch.records.push(normaliseEventBridgeEvent(input));
        return;
      case 'cloudtrail-record':
        batch.records.push(normaliseCloudTrailRecord(input));
        return;
      case 'config-invocation':
        batch.configInvocations.push(parseConfigRuleInvocation(input));
        return;
      case 'cloudtrail-log':
        addLogRecords(batch, (input as { Records: unknown }).Records, path);
        return;
      case undefined:
        throw new InvalidEventError('', `expected an EventBridge event, a CloudTrail record or log file, or an AWS Config invocation, received ${describeInput(input)}`);
    }
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    batch.invalid.push(path ? error.within(path) : error);
  }
}

function addLogRecords(batch: NormalisedBatch, records: unknown, path: string): void {
  const at = path ? `${path}.Records` : 'Records';
  if (!Array.isArray(records)) throw new InvalidEventError(at, `expected an array, received ${describe(records)}`);
  records.forEach((record, index) => {
    try {
      batch.records.push(normaliseCloudTrailRecord(record));
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      batch.invalid.push(error.within(`${at}[${index}]`));
    }
  });
}

function describeInput(input: unknown): string {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const keys = Object.keys(input).slice(0, 5);
    return keys.length ? `an object with keys ${keys.join(', ')}` : 'an empty object';
  }
  return describe(input);
}

/** The bytes of an event file (JSON, or gzipped JSON as CloudTrail delivers its logs) as a value. */
export function decodeEventFile(bytes: Uint8Array, where: string): unknown {
  let text: string;
  try {
    const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
    // gunzipSync already gives a Buffer: decoded in place, not copied first (a log file can be tens of megabytes).
    text = (gzipped ? gunzipSync(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('utf8');
  } catch (cause) {
    throw new InvalidEventError(where, 'not a readable gzip file', { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InvalidEventError(where, `not JSON (${(cause as Error).message})`, { cause });
  }
}
