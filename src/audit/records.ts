import { InvalidEventError, parseAwsDate, shapeOf } from '../events/index.js';
import type { ReadEvent } from './types.js';

// Read events are many (an application reads its secret on every start), so they are picked out by hand rather than
// through the zod schemas of the change events: the audit must keep up with 100,000 records a second.

const DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized/i;

/** What one input held for the audit: its read events, and every record it could not read. */
export interface ReadBatch {
  reads: ReadEvent[];
  /** Records of other calls (changes, KMS), which the audit leaves to `replay` and the event Lambda. */
  skipped: number;
  invalid: InvalidEventError[];
  /** Shares the strings reads repeat (principals, secrets, regions, agents), so 200,000 reads hold each once. */
  strings?: StringPool;
}

/** Shares one copy of a string; `slot` names a field whose value rarely changes, compared with its last value first. */
export interface StringPool {
  (value: string, slot?: Slot): string;
  /** One shared `[secretId]` per secret as called (of a pooled string): a read of one secret holds no array of its own. */
  single(value: string): readonly string[];
}

/** Fields that are the same from record to record (one region, one account, one SDK): a comparison, not a lookup. */
export const enum Slot {
  Region,
  RecipientAccount,
  PrincipalType,
  PrincipalAccount,
  VpcEndpoint,
  UserAgent,
}

/** One copy of each distinct string, up to `limit` of them (a flood of distinct values is then kept as it came). */
export function stringPool(limit = 100_000): StringPool {
  const pool = new Map<string, string>();
  const singles = new Map<string, readonly string[]>();
  const last: string[] = ['', '', '', '', '', ''];
  const same = (value: string, slot?: Slot) => {
    if (slot !== undefined && last[slot] === value) return last[slot];
    let known = pool.get(value);
    if (known === undefined) {
      known = value;
      if (pool.size < limit) pool.set(value, value);
    }
    if (slot !== undefined) last[slot] = known;
    return known;
  };
  const single = (value: string): readonly string[] => {
    let one = singles.get(value);
    if (one === undefined) {
      one = [value];
      if (singles.size < limit) singles.set(value, one);
    }
    return one;
  };
  return Object.assign(same, { single });
}

const asIs: StringPool = Object.assign((value: string) => value, { single: (value: string): readonly string[] => [value] });

/** Every form `replay` reads: an EventBridge event, a bare CloudTrail record, a log file, or a JSON array of those. */
export function readEventsOf(input: unknown, batch: ReadBatch = { reads: [], skipped: 0, invalid: [] }): ReadBatch {
  if (Array.isArray(input)) input.forEach((item, index) => addInput(batch, item, `[${index}]`));
  else addInput(batch, input, '');
  return batch;
}

function addInput(batch: ReadBatch, input: unknown, path: string): void {
  try {
    switch (shapeOf(input)) {
      case 'eventbridge': {
        const detail = (input as { detail: unknown }).detail;
        addRecord(batch, detail, path ? `${path}.detail` : 'detail');
        return;
      }
      case 'cloudtrail-record':
        addRecord(batch, input, path);
        return;
      case 'cloudtrail-log': {
        const records = (input as { Records: unknown }).Records;
        const at = path ? `${path}.Records` : 'Records';
        if (!Array.isArray(records)) throw new InvalidEventError(at, 'expected an array of CloudTrail records');
        for (let i = 0; i < records.length; i++) addRecord(batch, records[i], `${at}[${i}]`);
        return;
      }
      case 'config-invocation':
        throw new InvalidEventError(path, 'an AWS Config invocation holds no CloudTrail record');
      default:
        throw new InvalidEventError(path, 'expected an EventBridge event, a CloudTrail record or log file');
    }
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    batch.invalid.push(error);
  }
}

function addRecord(batch: ReadBatch, record: unknown, path: string): void {
  try {
    const read = readEventOf(record, path, (batch.strings ??= stringPool()));
    if (read) batch.reads.push(read);
    else batch.skipped++;
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    batch.invalid.push(error);
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

const at = (path: string, field: string) => (path ? `${path}.${field}` : field);

/** One CloudTrail record as a ReadEvent; undefined for a record that is not a Secrets Manager read of values. */
export function readEventOf(record: unknown, path = '', same: StringPool = asIs): ReadEvent | undefined {
  if (!isObject(record)) throw new InvalidEventError(path, 'expected a CloudTrail record (an object)');
  if (record['eventSource'] !== 'secretsmanager.amazonaws.com') return undefined;
  const eventName = record['eventName'];
  if (eventName !== 'GetSecretValue' && eventName !== 'BatchGetSecretValue') return undefined;
  const errorCode = text(record['errorCode']);
  // A network activity event repeats for the VPC endpoint's owner a call its management event records; only a denial by the
  // endpoint's policy (VpceAccessDenied) has no management event.
  if (record['eventCategory'] === 'NetworkActivity' && errorCode !== 'VpceAccessDenied') return undefined;
  const eventId = text(record['eventID']);
  if (!eventId) throw new InvalidEventError(at(path, 'eventID'), 'expected the event ID');
  const region = text(record['awsRegion']);
  if (!region) throw new InvalidEventError(at(path, 'awsRegion'), 'expected the region');
  const identity = record['userIdentity'];
  if (!isObject(identity)) throw new InvalidEventError(at(path, 'userIdentity'), 'expected who made the call');
  const recipientAccount = text(record['recipientAccountId']) ?? text(identity['accountId']);
  if (!recipientAccount) throw new InvalidEventError(at(path, 'recipientAccountId'), 'expected the account the event belongs to');
  const time = eventTime(record['eventTime'], path);
  const who = principalOf(identity, path ? `${path}.userIdentity` : 'userIdentity');
  const sourceIp = text(record['sourceIPAddress']);
  const vpce = text(record['vpcEndpointId']);
  const userAgent = text(record['userAgent']);
  const request = record['requestParameters'];

  // Every field set at once, absent ones undefined: one object shape for every read, built in one allocation.
  const read: ReadEvent = {
    eventId,
    eventName,
    time,
    recipientAccount: same(recipientAccount, Slot.RecipientAccount),
    region: same(region, Slot.Region),
    principal: same(who.principal),
    principalType: same(who.principalType, Slot.PrincipalType),
    principalAccount: who.principalAccount === undefined ? undefined : same(who.principalAccount, Slot.PrincipalAccount),
    secretIds: NO_SECRETS,
    filters: undefined,
    denied: errorCode !== undefined && DENIED.test(errorCode),
    errorCode: errorCode === undefined ? undefined : same(errorCode),
    sourceIp: sourceIp === undefined ? undefined : same(sourceIp),
    vpcEndpointId: vpce === undefined ? undefined : same(vpce, Slot.VpcEndpoint),
    userAgent: userAgent === undefined ? undefined : same(userAgent.length > 200 ? `${userAgent.slice(0, 200)}…` : userAgent, Slot.UserAgent),
  };

  if (eventName === 'GetSecretValue') {
    const secretId = isObject(request) ? text(request['secretId']) : undefined;
    // A failed call may log no request; it still says who tried, so it counts when the record names the secret elsewhere.
    const stated = secretId ?? resourceArn(record);
    if (stated === undefined) {
      if (errorCode !== undefined) {
        read.secretIds = [];
        return read;
      }
      throw new InvalidEventError(at(path, 'requestParameters.secretId'), 'expected the secret read');
    }
    read.secretIds = same.single(same(stated));
    return read;
  }
  const secretIds: string[] = [];
  read.secretIds = secretIds;
  if (isObject(request)) {
    const list = request['secretIdList'];
    if (Array.isArray(list)) for (const id of list) if (typeof id === 'string' && id !== '') secretIds.push(same(id));
    const filters = request['filters'];
    if (Array.isArray(filters)) {
      read.filters = filters.filter(isObject).map((f) => ({
        key: String(f['key'] ?? ''),
        values: Array.isArray(f['values']) ? f['values'].map(String) : [],
      }));
    }
  }
  return read;
}

/** A placeholder until the secrets are read: never returned, never written to. */
const NO_SECRETS: readonly string[] = [];

function resourceArn(record: Json): string | undefined {
  const resources = record['resources'];
  if (!Array.isArray(resources)) return undefined;
  for (const r of resources) if (isObject(r) && r['type'] === 'AWS::SecretsManager::Secret') return text(r['ARN']);
  return undefined;
}

// CloudTrail writes "2026-12-04T10:00:00Z": read digit by digit (a regex test and Date.parse cost three times as much);
// anything else, a fraction of other than three digits, a day past the 28th, goes to Date.parse or the general parser.
const PLAIN_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
function eventTime(value: unknown, path: string): number {
  if (typeof value === 'string') {
    const fast = plainUtc(value);
    if (fast !== undefined) return fast;
    if (PLAIN_UTC.test(value)) {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  return Math.round(parseAwsDate(value, at(path, 'eventTime')) * 1000);
}

/** `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ` as epoch milliseconds, when every field is in range. */
function plainUtc(value: string): number | undefined {
  const length = value.length;
  if (length !== 20 && length !== 24) return undefined;
  if (value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || value.charCodeAt(10) !== 84 || value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58 || value.charCodeAt(length - 1) !== 90) return undefined;
  if (length === 24 && value.charCodeAt(19) !== 46) return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  const ms = length === 24 ? digits(value, 20, 3) : 0;
  // Days 29 to 31 exist only in some months: those few are left to Date.parse, which knows which.
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** The number `count` ASCII digits at `from` spell, or -1 when one of them is no digit. */
function digits(value: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const ROOT_ARN = /^arn:aws[a-z-]*:iam::\d{12}:root$/;
const ASSUMED_ROLE = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;
const ARN_ACCOUNT = /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/;

/**
 * The principal of a read (DESIGN.md): the session issuer for an assumed role (never the session name, which changes
 * with every session), the user ARN for an IAM user, `arn:<partition>:iam::<account>:root` for root, the service for an
 * AWS service. Other identities (federated users, Identity Center users) are their ARN, or their principal ID.
 */
export function principalOf(identity: Json, path = 'userIdentity'): { principal: string; principalType: string; principalAccount?: string } {
  const type = text(identity['type']) ?? 'Unknown';
  const arn = text(identity['arn']);
  const account = text(identity['accountId']) ?? (arn ? ARN_ACCOUNT.exec(arn)?.[1] : undefined);
  const withAccount = (principal: string) => (account ? { principal, principalType: type, principalAccount: account } : { principal, principalType: type });
  switch (type) {
    case 'AssumedRole': {
      const context = identity['sessionContext'];
      const issuer = isObject(context) && isObject(context['sessionIssuer']) ? text(context['sessionIssuer']['arn']) : undefined;
      if (issuer) return withAccount(issuer);
      const m = arn ? ASSUMED_ROLE.exec(arn) : null;
      if (m) return withAccount(`arn:${m[1]}:iam::${m[2]}:role/${m[3]}`);
      break;
    }
    case 'Root': {
      if (account) return withAccount(`arn:${partitionOf(arn)}:iam::${account}:root`);
      break;
    }
    case 'AWSService': {
      const service = text(identity['invokedBy']);
      if (service) return { principal: service, principalType: type };
      break;
    }
    case 'AWSAccount': {
      // Another account's caller whose identity that account keeps to itself: the account is all there is.
      if (account) return withAccount(`account:${account}`);
      break;
    }
    case 'FederatedUser': {
      const context = identity['sessionContext'];
      const issuer = isObject(context) && isObject(context['sessionIssuer']) ? text(context['sessionIssuer']['arn']) : undefined;
      if (issuer) return withAccount(issuer);
      break;
    }
    default:
      // CloudTrail also logs root as type Unknown (seen in published records): the ARN says it is root.
      if (arn && ROOT_ARN.test(arn)) return { ...withAccount(arn), principalType: 'Root' };
      break;
  }
  const fallback = arn ?? text(identity['principalId']);
  if (!fallback) throw new InvalidEventError(path, `expected an ARN or principal ID for a ${type} identity`);
  return withAccount(fallback);
}

function partitionOf(arn: string | undefined): string {
  return arn?.split(':')[1] ?? 'aws';
}
