import { InvalidEventError, parseAwsDate, shapeOf } from '../events/index.js';
import type { ReadCall, ReadEvent } from './types.js';

// Read events are many (an application reads its secret on every start), so they are picked out by hand rather than
// through the zod schemas of the change events: the audit must keep up with 100,000 records a second.

const READ_CALLS: ReadonlySet<string> = new Set<ReadCall>(['GetSecretValue', 'BatchGetSecretValue']);
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

export type StringPool = (value: string) => string;

/** One copy of each distinct string, up to `limit` of them (a flood of distinct values is then kept as it came). */
export function stringPool(limit = 100_000): StringPool {
  const pool = new Map<string, string>();
  return (value) => {
    const known = pool.get(value);
    if (known !== undefined) return known;
    if (pool.size < limit) pool.set(value, value);
    return value;
  };
}

const asIs: StringPool = (value) => value;

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

/** One CloudTrail record as a ReadEvent; undefined for a record that is not a Secrets Manager read of values. */
export function readEventOf(record: unknown, path = '', same: StringPool = asIs): ReadEvent | undefined {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  if (!isObject(record)) throw new InvalidEventError(path, 'expected a CloudTrail record (an object)');
  if (record['eventSource'] !== 'secretsmanager.amazonaws.com') return undefined;
  const eventName = record['eventName'];
  if (typeof eventName !== 'string' || !READ_CALLS.has(eventName)) return undefined;
  // A network activity event repeats for the VPC endpoint's owner a call its management event records; only a denial by the
  // endpoint's policy (VpceAccessDenied) has no management event.
  if (record['eventCategory'] === 'NetworkActivity' && record['errorCode'] !== 'VpceAccessDenied') return undefined;
  const eventId = text(record['eventID']);
  if (!eventId) throw new InvalidEventError(at('eventID'), 'expected the event ID');
  const region = text(record['awsRegion']);
  if (!region) throw new InvalidEventError(at('awsRegion'), 'expected the region');
  const identity = record['userIdentity'];
  if (!isObject(identity)) throw new InvalidEventError(at('userIdentity'), 'expected who made the call');
  const recipientAccount = text(record['recipientAccountId']) ?? text(identity['accountId']);
  if (!recipientAccount) throw new InvalidEventError(at('recipientAccountId'), 'expected the account the event belongs to');
  const time = eventTime(record['eventTime'], at('eventTime'));
  const who = principalOf(identity, at('userIdentity'));
  const principal = same(who.principal);
  const principalType = same(who.principalType);
  const principalAccount = who.principalAccount === undefined ? undefined : same(who.principalAccount);

  const request = record['requestParameters'];
  const errorCode = text(record['errorCode']);
  const read: ReadEvent = { eventId, eventName: eventName as ReadCall, time, recipientAccount: same(recipientAccount), region: same(region), principal, principalType, secretIds: [], denied: errorCode !== undefined && DENIED.test(errorCode) };
  if (principalAccount !== undefined) read.principalAccount = principalAccount;
  if (errorCode !== undefined) read.errorCode = same(errorCode);
  const sourceIp = text(record['sourceIPAddress']);
  if (sourceIp !== undefined) read.sourceIp = same(sourceIp);
  const vpce = text(record['vpcEndpointId']);
  if (vpce !== undefined) read.vpcEndpointId = same(vpce);
  const userAgent = text(record['userAgent']);
  if (userAgent !== undefined) read.userAgent = same(userAgent.length > 200 ? `${userAgent.slice(0, 200)}…` : userAgent);

  if (eventName === 'GetSecretValue') {
    const secretId = isObject(request) ? text(request['secretId']) : undefined;
    // A failed call may log no request; it still says who tried, so it counts when the record names the secret elsewhere.
    const stated = secretId ?? resourceArn(record);
    if (stated === undefined) {
      if (errorCode !== undefined) return read;
      throw new InvalidEventError(at('requestParameters.secretId'), 'expected the secret read');
    }
    read.secretIds.push(same(stated));
    return read;
  }
  if (isObject(request)) {
    const list = request['secretIdList'];
    if (Array.isArray(list)) for (const id of list) if (typeof id === 'string' && id !== '') read.secretIds.push(same(id));
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

function resourceArn(record: Json): string | undefined {
  const resources = record['resources'];
  if (!Array.isArray(resources)) return undefined;
  for (const r of resources) if (isObject(r) && r['type'] === 'AWS::SecretsManager::Secret') return text(r['ARN']);
  return undefined;
}

// CloudTrail writes "2026-12-04T10:00:00Z"; the common case is parsed by Date.parse, anything else by the general parser.
const PLAIN_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
function eventTime(value: unknown, path: string): number {
  if (typeof value === 'string' && PLAIN_UTC.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  return Math.round(parseAwsDate(value, path) * 1000);
}

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
      break;
  }
  const fallback = arn ?? text(identity['principalId']);
  if (!fallback) throw new InvalidEventError(path, `expected an ARN or principal ID for a ${type} identity`);
  return withAccount(fallback);
}

function partitionOf(arn: string | undefined): string {
  return arn?.split(':')[1] ?? 'aws';
}
