import { loadEventFixture } from './incident.js';

// The read fixtures are recorded in this account; the demo points them at its own.
const FIXTURE_ACCOUNT = '111122223333';
const THIEF_ADDRESS = '198.51.100.23';

export interface TheftPlan {
  account: string;
  /** When the thief starts, epoch milliseconds. */
  start: number;
  /** What the thief reads, one GetSecretValue each, in this order; the last is the honeytoken. */
  stolen: readonly string[];
  /** The secret the payments application reads, as it does all day. */
  ordinary: string;
}

type CloudTrailRecord = Record<string, unknown> & { userIdentity: Record<string, unknown>; requestParameters: Record<string, unknown> | null };

/** A recorded read (events/cloudtrail/reads/) in the demo's account, at `time`, with its own event id. */
function recorded(fixture: string, account: string, id: string, time: number): CloudTrailRecord {
  const record = JSON.parse(JSON.stringify(loadEventFixture(`cloudtrail/reads/${fixture}`)).replaceAll(FIXTURE_ACCOUNT, account)) as CloudTrailRecord;
  record['eventID'] = id;
  record['requestID'] = id;
  record['eventTime'] = new Date(time).toISOString().replace(/\.\d+Z$/, 'Z');
  return record;
}

/**
 * The CloudTrail records of an access key stolen from the CI user ci/deploy-bot, as Stratus Red Team's
 * `aws.credential-access.secretsmanager-retrieve-secrets` detonates it: ListSecrets, then GetSecretValue of each secret
 * one by one, from an address the key never used. Before it, the payments application's ordinary reads through its VPC
 * endpoint, from a new instance session each time, which must raise nothing.
 */
export function theftRecords(plan: TheftPlan): CloudTrailRecord[] {
  const records: CloudTrailRecord[] = [];
  for (let i = 0; i < 5; i++) {
    const read = recorded('GetSecretValue-assumed-role-vpce.json', plan.account, `demo-app-read-${i}`, plan.start - (5 - i) * 60_000);
    const session = `i-0${(0xa1b2c3 + i).toString(16).padStart(16, '0')}`;
    read.userIdentity['arn'] = String(read.userIdentity['arn']).replace(/\/[^/]+$/, `/${session}`);
    read.userIdentity['principalId'] = String(read.userIdentity['principalId']).replace(/:.+$/, `:${session}`);
    read['sourceIPAddress'] = `10.0.12.${30 + i}`;
    (read.requestParameters as Record<string, unknown>)['secretId'] = plan.ordinary;
    records.push(read);
  }
  const thief = (id: string, time: number) => {
    const record = recorded('GetSecretValue-iam-user.json', plan.account, id, time);
    record['sourceIPAddress'] = THIEF_ADDRESS;
    return record;
  };
  const list = thief('demo-theft-list', plan.start);
  list['eventName'] = 'ListSecrets';
  list.requestParameters = null;
  records.push(list);
  plan.stolen.forEach((secretId, i) => {
    const read = thief(`demo-theft-read-${String(i).padStart(2, '0')}`, plan.start + (i + 1) * 3_000);
    read.requestParameters = { secretId };
    records.push(read);
  });
  return records;
}

export const THIEF = { principal: 'ci/deploy-bot', address: THIEF_ADDRESS };
