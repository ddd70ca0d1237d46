import { loadFixture } from '../helpers/fixtures.js';

type Record = { [key: string]: unknown };

let counter = 0;

/** A recorded read fixture (events/cloudtrail/reads/) with a fresh event ID and the given changes. */
export function readRecord(fixture: string, changes: { time: string | number; secretId?: string; ip?: string; session?: string; vpce?: string | null; account?: string }): Record {
  const recorded = loadFixture<Record>(`cloudtrail/reads/${fixture}`);
  const record = changes.account ? (JSON.parse(JSON.stringify(recorded).replaceAll('111122223333', changes.account)) as Record) : recorded;
  counter++;
  record['eventID'] = `evt-${String(counter).padStart(8, '0')}`;
  record['eventTime'] = typeof changes.time === 'number' ? new Date(changes.time).toISOString() : changes.time;
  if (changes.secretId !== undefined) (record['requestParameters'] as Record)['secretId'] = changes.secretId;
  if (changes.ip !== undefined) record['sourceIPAddress'] = changes.ip;
  if (changes.vpce === null) delete record['vpcEndpointId'];
  else if (changes.vpce !== undefined) record['vpcEndpointId'] = changes.vpce;
  if (changes.session !== undefined) {
    const identity = record['userIdentity'] as Record;
    identity['arn'] = String(identity['arn']).replace(/\/[^/]+$/, `/${changes.session}`);
    identity['principalId'] = String(identity['principalId']).replace(/:.+$/, `:${changes.session}`);
  }
  return record;
}

export const T0 = Date.parse('2026-11-01T00:00:00Z');
export const MINUTE = 60_000;
export const DAY = 86_400_000;

/**
 * Ordinary traffic: the payments application role reading its secret `count` times over `days`, from changing
 * sessions (instances come and go) and changing private addresses, always through the VPC endpoint.
 */
export function ordinaryTraffic(count: number, days: number, start = T0): Record[] {
  const records: Record[] = [];
  const step = (days * DAY) / count;
  for (let i = 0; i < count; i++) {
    records.push(
      readRecord('GetSecretValue-assumed-role-vpce.json', {
        time: start + Math.round(i * step),
        session: `i-0${(i % 37).toString(16).padStart(16, '0')}`,
        ip: `10.0.${(i * 7) % 250}.${(i * 13) % 250}`,
      }),
    );
  }
  return records;
}
