import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayRecords } from '../../src/cli/replay.js';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { markDuplicates, normaliseInput } from '../../src/events/index.js';
import { readSnapshot } from '../../src/inventory/index.js';
import type { SecretState } from '../../src/model/index.js';
import { decide, evolve } from '../../src/reactions/index.js';
import { EVENTS_DIR, loadFixture } from '../helpers/fixtures.js';

// The replay's key index must find exactly the secrets a KMS key protects, as a scan of every secret would, in every form
// a KMS event names its key and as the replay re-keys and deletes secrets.
const K1_ID = '0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d';
const K1 = `arn:aws:kms:us-east-1:111122223333:key/${K1_ID}`;
const K2 = 'arn:aws:kms:us-east-1:111122223333:key/9f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b';
const ALIAS = 'alias/prod-secrets';

const model = readSnapshot(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.json')), 'acme-prod.json').secrets[0] as SecretState;
const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`;
const secret = (name: string, kmsKeyId: string | null, keyArn: string | null): SecretState => ({ ...model, arn: arnOf(name), name, kmsKeyId, kmsKey: keyArn ? { arn: keyArn, keyManager: 'CUSTOMER', keyState: 'Enabled' } : null });

const secrets = [
  secret('by-arn', K1, K1),
  secret('by-id', K1_ID, null),
  secret('by-alias-known-arn', ALIAS, K1),
  secret('by-alias-only', ALIAS, null),
  secret('other-key', K2, K2),
  secret('rekeyed', K1, K1),
  secret('deleted', K1, K1),
  secret('default-key', null, null),
];

type Event = { id: string; time: string; detail: Record<string, unknown> };
let n = 0;
function at<T extends Event>(fixture: string, time: string, change: (detail: Record<string, unknown>) => void): T {
  const event = loadFixture<T>(fixture);
  n += 1;
  event.id = `keys-${n}`;
  event.time = time;
  Object.assign(event.detail, { eventTime: time, eventID: `keys-${n}` });
  change(event.detail);
  return event;
}
/** A KMS call naming its key as `keyId` says; `resources` adds the ARN CloudTrail lists, when given. */
const keyCall = (eventName: string, time: string, keyId: string, resourceArn?: string) =>
  at('eventbridge/DisableKey.json', time, (d) => {
    d['eventName'] = eventName;
    d['requestParameters'] = { keyId, ...(eventName === 'ScheduleKeyDeletion' ? { pendingWindowInDays: 7 } : {}) };
    d['resources'] = resourceArn ? [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: resourceArn }] : [];
  });

const events = [
  // Listed out of order on purpose: the replay sorts by event time.
  keyCall('DisableKey', '2026-11-10T00:00:00Z', K1_ID),
  keyCall('DisableKey', '2026-11-01T00:00:00Z', K1),
  at('eventbridge/DeleteSecret-force.json', '2026-11-02T00:00:00Z', (d) => {
    d['requestParameters'] = { secretId: arnOf('deleted'), forceDeleteWithoutRecovery: true };
    d['responseElements'] = { arn: arnOf('deleted'), name: 'deleted' };
  }),
  at('eventbridge/UpdateSecret-kms-key.json', '2026-11-03T00:00:00Z', (d) => {
    d['requestParameters'] = { secretId: arnOf('rekeyed'), kmsKeyId: K2 };
    d['responseElements'] = { arn: arnOf('rekeyed'), name: 'rekeyed' };
  }),
  keyCall('ScheduleKeyDeletion', '2026-11-11T00:00:00Z', K2, K2),
  keyCall('DisableKey', '2026-11-12T00:00:00Z', ALIAS),
  keyCall('DisableKey', '2026-11-13T00:00:00Z', ALIAS, K1),
];

describe('vigil replay: the secrets a KMS event names, from the key index', () => {
  it('alerts for exactly the secrets the key protects, in ARN, id and alias form, after a re-key and a deletion', async () => {
    const records = normaliseInput(events).records;
    const decisions = await replayRecords(records, { params: DEFAULT_PARAMS, secrets, remediation: false });
    const names = (d: { secretArns: string[] }) => d.secretArns.map((arn) => secrets.find((s) => s.arn === arn)?.name).sort();
    const keyDecisions = decisions.filter((d) => d.eventName !== 'DeleteSecret' && d.eventName !== 'UpdateSecret');
    expect(keyDecisions.map((d) => [d.time.slice(0, 10), d.alerts.map((a) => a.kind), names(d)])).toEqual([
      ['2026-11-01', ['kms-key-disabled'], ['by-alias-known-arn', 'by-arn', 'by-id', 'deleted', 'rekeyed']],
      // The key by id alone: the deleted secret is gone, the re-keyed one is under K2 now.
      ['2026-11-10', ['kms-key-disabled'], ['by-alias-known-arn', 'by-arn', 'by-id']],
      ['2026-11-11', ['kms-key-deletion-scheduled'], ['other-key', 'rekeyed']],
      // An alias alone (no ListAliases offline): the secrets that name the key by that alias.
      ['2026-11-12', ['kms-key-disabled'], ['by-alias-known-arn', 'by-alias-only']],
      // The alias with the ARN CloudTrail lists: every secret under the key, however it names it.
      ['2026-11-13', ['kms-key-disabled'], ['by-alias-known-arn', 'by-alias-only', 'by-arn', 'by-id']],
    ]);
    expect(keyDecisions[0]?.alerts[0]?.details['secretCount']).toBe(5);
  });

  it("resolves a key's aliases as the snapshot recorded them (kms:ListAliases), in both directions", async () => {
    const withAliases = (state: SecretState): SecretState => ({ ...state, kmsKey: state.kmsKey && { ...state.kmsKey, aliases: ['alias/approved', ALIAS] } });
    const known = [withAliases(secret('by-arn', K1, K1)), secret('by-approved-only', 'alias/approved', null), secret('by-other-only', ALIAS, null), secret('other-key', K2, K2)];
    const records = normaliseInput([keyCall('DisableKey', '2026-11-01T00:00:00Z', 'alias/approved'), keyCall('DisableKey', '2026-11-02T00:00:00Z', K1_ID, K1)]).records;
    const decisions = await replayRecords(records, { params: DEFAULT_PARAMS, secrets: known, remediation: false });
    const names = (d: { secretArns: string[] }) => d.secretArns.map((arn) => known.find((s) => s.arn === arn)?.name).sort();
    // By alias alone: the key it points to (by-arn), and every secret that names the key by one of its aliases.
    expect(names(decisions[0] as { secretArns: string[] })).toEqual(['by-approved-only', 'by-arn', 'by-other-only']);
    // By ARN: the secrets that name the key by an alias of it too.
    expect(names(decisions[1] as { secretArns: string[] })).toEqual(['by-approved-only', 'by-arn', 'by-other-only']);
  });

  it('finds what a scan of every secret finds, event by event', async () => {
    const records = normaliseInput(events).records;
    const indexed = await replayRecords(records, { params: DEFAULT_PARAMS, secrets, remediation: false });
    // The scan: every known secret handed to decide, the known list evolved event by event.
    let known: SecretState[] = [...secrets];
    const scanned = [];
    const sorted = [...records].sort((a, b) => Date.parse((a as { time: string }).time) - Date.parse((b as { time: string }).time));
    for (const record of markDuplicates(sorted)) {
      scanned.push(await decide(record, { params: DEFAULT_PARAMS, knownSecrets: known }));
      if (record.kind !== 'ignored') known = evolve(known, record);
    }
    expect(indexed.map((d) => [d.eventId, [...d.secretArns].sort(), d.alerts.map((a) => a.kind)])).toEqual(scanned.map((d) => [d.eventId, [...d.secretArns].sort(), d.alerts.map((a) => a.kind)]));
  });
});
