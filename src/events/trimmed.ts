import { createHash } from 'node:crypto';
import { KEY_STATE_CALLS, OTHER_KMS_EVENTS, SECRET_CHANGE_CALLS, SECRET_READ_CALLS, SECRET_SERVICE_EVENTS, WATCHED_SOURCES, isOneOf, watchedSource } from './catalogue.js';

// Fields a shared sample is often trimmed of that a decision can do without, read from the rest of the event, each with a note.
// What a decision needs and nothing else says (eventName, eventTime, the request) stays missing: the strict reading names it.

type Json = Record<string, unknown>;

// The secret or key an event names, where CloudTrail states it; another account's replica ARN is not the event's own.
const NAMED_ARN = /^arn:aws[a-z-]*:(?:secretsmanager|kms):([a-z0-9-]+):(\d{12}):/;

/**
 * A bare CloudTrail record with what it was trimmed of filled in. `original` (before any other repair) gives a missing eventID;
 * `hasAccount` says the record's account is known from elsewhere (an EventBridge envelope).
 */
export function fillTrimmedRecord(record: Json, original: unknown, found: string[], hasAccount = false): Json {
  const out: Json = { ...record };
  const named = namedArn(out);
  const identity = isObject(out['userIdentity']) ? out['userIdentity'] : {};
  if (missing(out['eventID'])) fill(out, 'eventID', standInEventId(original), found, "from the record's content: an identical copy is still a duplicate");
  fill(out, 'eventSource', sourceOfName(out['eventName'], out['requestParameters']), found, `the only source of ${String(out['eventName'])}`);
  fill(out, 'awsRegion', named?.region, found, `the region of ${named?.arn}`);
  if (!hasAccount && missing(identity['accountId'])) fill(out, 'recipientAccountId', named?.account, found, `the account of ${named?.arn}`);
  return out;
}

/** An EventBridge event: its envelope and its CloudTrail record say the same things twice; a field trimmed from one is read from the other. */
export function fillTrimmedEvent(event: Json, original: unknown, found: string[]): Json {
  // A record with no event name is not an event to decide: the strict reading says what is missing.
  if (!isObject(event['detail']) || missing(event['detail']['eventName'])) return event;
  const detail: Json = { ...event['detail'] };
  const envelopeSource = Object.entries(WATCHED_SOURCES).find(([, source]) => source === event['source'])?.[0];
  fill(detail, 'awsRegion', event['region'], found, "the event's region", 'detail.');
  fill(detail, 'eventTime', event['time'], found, "the event's time", 'detail.');
  fill(detail, 'eventSource', envelopeSource, found, "the event's source", 'detail.');
  const record = fillTrimmedRecord(detail, isObject(original) ? original['detail'] : undefined, found, !missing(event['account']));
  const identity = isObject(record['userIdentity']) ? record['userIdentity'] : {};
  const out: Json = { ...event, detail: record };
  fill(out, 'id', record['eventID'], found, "the record's eventID");
  fill(out, 'region', record['awsRegion'], found, "the record's awsRegion");
  fill(out, 'time', missing(record['eventTime']) ? undefined : String(record['eventTime']), found, "the record's eventTime");
  fill(out, 'account', record['recipientAccountId'] ?? identity['accountId'], found, "the record's account");
  fill(out, 'source', typeof record['eventSource'] === 'string' ? watchedSource(record['eventSource']) : undefined, found, "the record's eventSource");
  return out;
}

/** Sets a missing field to `value`, when there is one, and says so. */
function fill(target: Json, key: string, value: unknown, found: string[], whence: string, prefix = ''): void {
  if (!missing(target[key]) || missing(value)) return;
  target[key] = value;
  found.push(`no ${prefix}${key}; read as ${String(value)} (${whence})`);
}

/** Deterministic, from the record's content with its keys in order: true duplicates share it, distinct records do not. */
function standInEventId(record: unknown): string {
  const canonical = JSON.stringify(record, (_key, value: unknown) => (isObject(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value));
  return `sample-${createHash('sha256').update(canonical ?? '').digest('hex').slice(0, 32)}`;
}

/** The source an event name belongs to, when only one watched source has it (TagResource: the one whose id the request gives). */
function sourceOfName(name: unknown, request: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const secrets = isOneOf(SECRET_CHANGE_CALLS, name) || isOneOf(SECRET_READ_CALLS, name) || isOneOf(SECRET_SERVICE_EVENTS, name);
  const keys = isOneOf(KEY_STATE_CALLS, name) || isOneOf(OTHER_KMS_EVENTS, name);
  const given = isObject(request) ? request : {};
  if (secrets && (!keys || (given['secretId'] !== undefined && given['keyId'] === undefined))) return 'secretsmanager.amazonaws.com';
  if (keys && (!secrets || (given['keyId'] !== undefined && given['secretId'] === undefined))) return 'kms.amazonaws.com';
  return undefined;
}

function namedArn(record: Json): { arn: string; region: string; account: string } | undefined {
  const field = (container: unknown, ...keys: string[]) => (isObject(container) ? keys.map((k) => container[k]) : []);
  const resources = Array.isArray(record['resources']) ? record['resources'].map((r) => field(r, 'ARN')[0]) : [];
  const candidates = [...field(record['responseElements'], 'arn', 'ARN', 'aRN', 'keyId'), ...resources, ...field(record['requestParameters'], 'secretId', 'keyId'), ...field(record['additionalEventData'], 'SecretId')];
  for (const candidate of candidates) {
    const m = typeof candidate === 'string' ? NAMED_ARN.exec(candidate) : null;
    if (m?.[1] && m[2]) return { arn: candidate as string, region: m[1], account: m[2] };
  }
  return undefined;
}

function missing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
