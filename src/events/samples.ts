/**
 * Events as people share them: account ids replaced by a placeholder (`XXXXXXXXXXXX`, `<account-id>`, `ACCOUNT_ID`). vigil's
 * strict reading refuses such an event; `vigil replay` reads it as far as it can instead: each placeholder becomes the account
 * `000000000000` (an id no AWS account has), and a note says so beside the decision. The event Lambda never does this.
 */
export const PLACEHOLDER_ACCOUNT = '000000000000';

export interface SampleRepair {
  /** The input with its placeholders replaced (the input itself when it had none). */
  input: unknown;
  /** What was replaced, by the event id of the record it was found in (`''` when the record has none). */
  notes: Map<string, string[]>;
}

const ACCOUNT_KEY = /^(account|accountId|recipientAccountId|awsAccountId)$/;
const ACCOUNT_ID = /^\d{12}$/;
// An ARN's account field: empty for S3 and global resources, `aws` for AWS-managed policies; anything else not 12 digits is a placeholder.
const ARN = /^(arn:[^:]*:[^:]*:[^:]*:)([^:]*)(:.*)$/s;

/** Replaces placeholder account ids in every record of an event file (an event, an array of them, or a CloudTrail log). */
export function repairSharedSample(input: unknown): SampleRepair {
  const notes = new Map<string, string[]>();
  const records = Array.isArray(input) ? input : isObject(input) && Array.isArray(input['Records']) ? (input['Records'] as unknown[]) : [input];
  let changed = false;
  const repaired = records.map((record) => {
    const found: string[] = [];
    const out = replace(record, '', found);
    if (!found.length) return record;
    changed = true;
    const id = eventIdOf(record);
    notes.set(id, [...(notes.get(id) ?? []), ...new Set(found)]);
    return out;
  });
  if (!changed) return { input, notes };
  return { input: Array.isArray(input) ? repaired : isObject(input) && Array.isArray(input['Records']) ? { ...input, Records: repaired } : repaired[0], notes };
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
