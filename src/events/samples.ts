import { fillTrimmedEvent, fillTrimmedRecord, isObject } from './trimmed.js';

/**
 * Events as people share them: account ids replaced by a placeholder (`XXXXXXXXXXXX`, `<account-id>`, `ACCOUNT_ID`), fields
 * trimmed (./trimmed.ts), a policy redacted. vigil's strict reading refuses such an event; `vigil replay` reads it as far as it
 * can instead: each placeholder becomes the account `000000000000` (an id no AWS account has), and a note says so beside the
 * decision. The event Lambda never does this.
 */
export const PLACEHOLDER_ACCOUNT = '000000000000';

export interface SampleRepair {
  /** The input repaired (the input itself when nothing needed it). */
  input: unknown;
  /** What was repaired or could not be read, by the event id the record is decided by (`''` when it has none). */
  notes: Map<string, string[]>;
}

const ACCOUNT_KEY = /^(account|accountId|recipientAccountId|awsAccountId)$/;
const ACCOUNT_ID = /^\d{12}$/;
// An ARN's account field: empty for S3 and global resources, `aws` for AWS-managed policies; anything else not 12 digits is a placeholder.
const ARN = /^(arn:[^:]*:[^:]*:[^:]*:)([^:]*)(:.*)$/s;

/**
 * Reads every record of an event file (an event, an array of them, CloudTrail logs) as far as it can be: placeholder account
 * ids replaced, trimmed fields filled in from the rest of the record, an unreadable policy named.
 */
export function repairSharedSample(input: unknown): SampleRepair {
  const notes = new Map<string, string[]>();
  const repairLog = (log: Record<string, unknown>, records: unknown[]) => {
    const repaired = records.map((record) => repairRecord(record, notes));
    return repaired.every((r, i) => r === records[i]) ? log : { ...log, Records: repaired };
  };
  const repairItem = (item: unknown) => (isObject(item) && Array.isArray(item['Records']) ? repairLog(item, item['Records'] as unknown[]) : repairRecord(item, notes));
  if (!Array.isArray(input)) return { input: repairItem(input), notes };
  const repaired = input.map(repairItem);
  return { input: repaired.every((r, i) => r === input[i]) ? input : repaired, notes };
}

/** One EventBridge event or CloudTrail record, repaired, with what was repaired noted under the id it is decided by. */
function repairRecord(record: unknown, notes: Map<string, string[]>): unknown {
  if (!isObject(record)) return record;
  const found: string[] = [];
  const placed = replace(record, '', found) as Record<string, unknown>;
  const isEvent = 'detail-type' in placed;
  const out = isEvent ? fillTrimmedEvent(placed, record, found) : 'eventName' in placed ? fillTrimmedRecord(placed, record, found) : placed;
  found.push(...unreadablePolicy(isEvent && isObject(out['detail']) ? out['detail'] : out));
  if (!found.length) return record;
  const id = eventIdOf(out);
  notes.set(id, [...new Set([...(notes.get(id) ?? []), ...found])]);
  return out;
}

/** A policy redacted as people share it (`"HIDDEN"`), or not JSON: what judges it cannot be judged, and the decision says why. */
function unreadablePolicy(record: Record<string, unknown>): string[] {
  const request = record['requestParameters'];
  const policy = record['eventName'] === 'PutResourcePolicy' && isObject(request) ? request['resourcePolicy'] : undefined;
  if (typeof policy !== 'string') return [];
  try {
    if (isObject(JSON.parse(policy))) return [];
  } catch {
    // Not JSON: said below.
  }
  return [`requestParameters.resourcePolicy ("${policy.slice(0, 20)}${policy.length > 20 ? '…' : ''}") could not be read (redacted, or not a JSON policy), so the controls that judge the policy could not be judged`];
}

function replace(value: unknown, key: string, found: string[]): unknown {
  if (typeof value === 'string') {
    if (ACCOUNT_KEY.test(key) && value && !ACCOUNT_ID.test(value)) return placeholder(value, found);
    const arn = ARN.exec(value);
    if (arn && arn[2] && arn[2] !== 'aws' && !ACCOUNT_ID.test(arn[2])) return `${arn[1]}${placeholder(arn[2], found)}${arn[3]}`;
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => replace(item, key, found));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, k, found)]));
  return value;
}

function placeholder(value: string, found: string[]): string {
  found.push(`account "${value.slice(0, 40)}" is not an account id (a placeholder?); read as ${PLACEHOLDER_ACCOUNT}`);
  return PLACEHOLDER_ACCOUNT;
}

/** The id a decision carries: CloudTrail's eventID (in an EventBridge event, its detail's), else the envelope's id. */
function eventIdOf(record: unknown): string {
  if (!isObject(record)) return '';
  const detail = isObject(record['detail']) ? record['detail'] : {};
  return String(record['eventID'] ?? detail['eventID'] ?? record['id'] ?? '');
}
