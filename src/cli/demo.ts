import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { normaliseInput, type NormalisedRecord } from '../events/index.js';
import { readEventFile } from './io.js';

/** Until the emulator demo exists: every recorded fixture, and what vigil reads in it. */
export function runFixtureDemo(eventsDir: string, print: (line: string) => void): void {
  print('vigil reads the recorded AWS events in events/ and says what each one is:\n');
  for (const folder of ['eventbridge', 'cloudtrail', 'config']) {
    for (const file of readdirSync(join(eventsDir, folder)).sort()) {
      const batch = normaliseInput(readEventFile(join(eventsDir, folder, file)));
      for (const record of batch.records) print(`${`${folder}/${file}`.padEnd(58)} ${describeRecord(record)}`);
      for (const invocation of batch.configInvocations) {
        const resource = invocation.configurationItem?.resourceName ?? invocation.configurationItemSummary?.resourceName ?? 'every secret';
        print(`${`${folder}/${file}`.padEnd(58)} AWS Config ${invocation.messageType} for rule ${invocation.configRuleName} (${resource})`);
      }
      for (const error of batch.invalid) print(`${`${folder}/${file}`.padEnd(58)} unreadable: ${error.message}`);
    }
  }
}

function describeRecord(record: NormalisedRecord): string {
  if (record.kind === 'ignored') return `ignored ${record.eventName ?? ''}: ${record.reason}`;
  const target = record.secret?.name ?? record.key?.alias ?? record.key?.id ?? '?';
  const who = record.actor.arn ?? record.actor.invokedBy ?? 'unknown';
  const failed = record.errorCode ? ` FAILED (${record.errorCode})` : '';
  return `${record.eventName} on ${target} by ${who}${failed}`;
}
