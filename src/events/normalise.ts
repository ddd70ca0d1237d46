import type * as z from 'zod/mini';
import {
  KEY_STATE_CALLS,
  OTHER_KMS_EVENTS,
  SECRET_CHANGE_CALLS,
  SECRET_READ_CALLS,
  SECRET_SERVICE_EVENTS,
  watchedSource,
  isOneOf,
  type SecretChangeCall,
} from './catalogue.js';
import { parseAwsDate, toIso } from './dates.js';
import { InvalidEventError, fromZodError } from './errors.js';
import { keyRef, secretRef } from './references.js';
import {
  cloudTrailRecordSchema,
  eventBridgeEnvelopeSchema,
  keyRequestSchema,
  keyResponseSchema,
  secretRequestSchemas,
  secretResponseSchema,
  serviceEventDataSchema,
  type CloudTrailRecord,
} from './schemas.js';
import type { Actor, IgnoredEvent, NormalisedRecord, RequestDetails, SecretEvent } from './types.js';

const API_CALL = 'AWS API Call via CloudTrail';
const SERVICE_EVENT = 'AWS Service Event via CloudTrail';

function parse<S extends z.ZodMiniType>(schema: S, value: unknown, path: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error, path);
  return result.data;
}

/** One EventBridge event, as the event Lambda receives it. Throws InvalidEventError for anything malformed. */
export function normaliseEventBridgeEvent(input: unknown): NormalisedRecord {
  const envelope = parse(eventBridgeEnvelopeSchema, input, '');
  const detailType = envelope['detail-type'];
  if (envelope.source !== 'aws.secretsmanager' && envelope.source !== 'aws.kms') {
    return ignored({ eventId: envelope.id, source: envelope.source }, `source ${envelope.source} is not watched by vigil`);
  }
  if (detailType !== API_CALL && detailType !== SERVICE_EVENT) {
    return ignored({ eventId: envelope.id, source: envelope.source }, `detail-type "${detailType}" carries no CloudTrail record`);
  }
  const record = parse(cloudTrailRecordSchema, envelope.detail, 'detail');
  const expectedSource = watchedSource(record.eventSource);
  if (expectedSource !== envelope.source) {
    throw new InvalidEventError('detail.eventSource', `"${record.eventSource}" does not belong to source ${envelope.source}`);
  }
  // EventBridge's own id identifies the delivery; the CloudTrail eventID identifies the call, and stays the same if
  // the same call reaches vigil again by another path (a log file), so it is the one decisions key on.
  return fromRecord(record, 'detail', { account: envelope.account, region: envelope.region });
}

/** One bare CloudTrail record (as in a log file's `Records`). Throws InvalidEventError for anything malformed. */
export function normaliseCloudTrailRecord(input: unknown, path = ''): NormalisedRecord {
  return fromRecord(parse(cloudTrailRecordSchema, input, path), path, {});
}

function fromRecord(record: CloudTrailRecord, path: string, envelope: { account?: string; region?: string }): NormalisedRecord {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const source = watchedSource(record.eventSource);
  const identity = { eventId: record.eventID, eventName: record.eventName, source: source ?? record.eventSource };
  if (source === undefined) return ignored(identity, `event source ${record.eventSource} is not watched by vigil`);

  const name = record.eventName;
  const known =
    source === 'aws.secretsmanager'
      ? isOneOf(SECRET_CHANGE_CALLS, name) || isOneOf(SECRET_READ_CALLS, name) || isOneOf(SECRET_SERVICE_EVENTS, name)
      : isOneOf(KEY_STATE_CALLS, name) || isOneOf(OTHER_KMS_EVENTS, name);
  if (!known) throw new InvalidEventError(at('eventName'), `"${name}" is not a ${source} event vigil knows; check the EventBridge rule or update vigil`);
  if (source === 'aws.secretsmanager' && isOneOf(SECRET_READ_CALLS, name)) return ignored(identity, `${name} is read-only`);
  if (source === 'aws.kms' && !isOneOf(KEY_STATE_CALLS, name)) return ignored(identity, `${name} does not change a key's state`);
  if (record.readOnly === true) return ignored(identity, `${name} is read-only`);

  const account = envelope.account ?? record.recipientAccountId ?? record.userIdentity?.accountId;
  if (account === undefined) throw new InvalidEventError(at('recipientAccountId'), 'expected the account the event belongs to');
  const base: SecretEvent = {
    kind: source === 'aws.kms' ? 'key-api-call' : isOneOf(SECRET_SERVICE_EVENTS, name) ? 'secret-service-event' : 'secret-api-call',
    source,
    eventName: name,
    eventId: record.eventID,
    time: toIso(parseAwsDate(record.eventTime, at('eventTime'))),
    account,
    region: record.awsRegion,
    readOnly: false,
    actor: actorOf(record),
    request: {},
  };
  // CloudTrail may write an empty errorCode on a call that succeeded: only a named error is a failure.
  if (record.errorCode) base.errorCode = record.errorCode;
  if (record.errorMessage !== undefined) base.errorMessage = record.errorMessage;

  if (base.kind === 'secret-service-event') return withServiceSecret(base, record, at);
  if (base.kind === 'key-api-call') return withKey(base, record, at);
  return withSecretRequest(base, name as SecretChangeCall, record, at);
}

function actorOf(record: CloudTrailRecord): Actor {
  const identity = record.userIdentity ?? {};
  const actor: Actor = {};
  if (identity.type !== undefined) actor.type = identity.type;
  if (identity.arn !== undefined) actor.arn = identity.arn;
  if (identity.principalId !== undefined) actor.principalId = identity.principalId;
  if (identity.accountId !== undefined) actor.accountId = identity.accountId;
  const issuer = identity.sessionContext?.sessionIssuer?.arn;
  if (issuer !== undefined) actor.sessionIssuerArn = issuer;
  if (identity.invokedBy !== undefined) actor.invokedBy = identity.invokedBy;
  if (record.sourceIPAddress !== undefined) actor.sourceIp = record.sourceIPAddress;
  if (record.userAgent !== undefined) actor.userAgent = record.userAgent;
  return actor;
}

function withServiceSecret(event: SecretEvent, record: CloudTrailRecord, at: (f: string) => string): SecretEvent {
  const data = parse(serviceEventDataSchema, record.additionalEventData, at('additionalEventData'));
  const stated = record.resources?.find((r) => r.type === 'AWS::SecretsManager::Secret')?.ARN;
  event.secret = secretRef(data.SecretId, stated, undefined);
  return event;
}

function withKey(event: SecretEvent, record: CloudTrailRecord, at: (f: string) => string): SecretEvent {
  const failed = Boolean(record.errorCode);
  if (failed && record.requestParameters == null) return event;
  const request = parse(keyRequestSchema, record.requestParameters, at('requestParameters'));
  const response = parse(keyResponseSchema, record.responseElements, at('responseElements'));
  const stated = record.resources?.find((r) => r.type === 'AWS::KMS::Key')?.ARN ?? response?.keyId;
  event.key = keyRef(request.keyId, stated);
  if (request.pendingWindowInDays !== undefined) event.request.pendingWindowInDays = request.pendingWindowInDays;
  if (response?.keyState !== undefined) event.request.keyState = response.keyState;
  if (response?.deletionDate !== undefined) event.request.deletionDate = toIso(parseAwsDate(response.deletionDate, at('responseElements.deletionDate')));
  return event;
}

function withSecretRequest(event: SecretEvent, name: SecretChangeCall, record: CloudTrailRecord, at: (f: string) => string): SecretEvent {
  // A call that failed may log no request at all; it changed nothing, so what it named is all there is to say.
  if (event.errorCode !== undefined && record.requestParameters == null) return event;
  const request: Record<string, unknown> = parse(secretRequestSchemas[name], record.requestParameters, at('requestParameters'));
  const response = parse(secretResponseSchema, record.responseElements, at('responseElements'));
  const given = typeof request['secretId'] === 'string' ? request['secretId'] : typeof request['name'] === 'string' ? request['name'] : undefined;
  const statedArn = response?.arn ?? response?.aRN ?? response?.ARN ?? record.resources?.find((r) => r.type === 'AWS::SecretsManager::Secret')?.ARN;
  event.secret = secretRef(given, statedArn, response?.name);
  event.request = requestDetails(request);
  if (response?.deletionDate !== undefined && name === 'DeleteSecret') {
    event.request.deletionDate = toIso(parseAwsDate(response.deletionDate, at('responseElements.deletionDate')));
  }
  if (typeof response?.replicationStatus === 'string') event.request.replicationStatus = response.replicationStatus;
  return event;
}

/** Copies the request fields that matter, under vigil's names. Values like `secretString` are never read. */
function requestDetails(request: Record<string, unknown>): RequestDetails {
  const details: RequestDetails = {};
  const copy = <K extends keyof RequestDetails>(key: K, value: unknown) => {
    if (value !== undefined) details[key] = value as RequestDetails[K];
  };
  copy('recoveryWindowInDays', request['recoveryWindowInDays']);
  copy('forceDeleteWithoutRecovery', request['forceDeleteWithoutRecovery']);
  copy('resourcePolicy', request['resourcePolicy']);
  copy('blockPublicPolicy', request['blockPublicPolicy']);
  copy('kmsKeyId', request['kmsKeyId']);
  copy('rotationLambdaArn', request['rotationLambdaARN']);
  copy('rotateImmediately', request['rotateImmediately']);
  copy('versionStage', request['versionStage']);
  copy('removedReplicaRegions', request['removeReplicaRegions']);
  copy('removedTagKeys', request['tagKeys']);
  copy('policyName', request['policyName']);
  copy('crossAccountPrimaryArn', request['crossAccountPrimaryARN']);
  copy('crossAccountReplicaArn', request['crossAccountReplicaARN']);
  copy('replicaRestriction', request['replicaRestriction']);
  copy('replicationRoleArn', request['replicationRoleARN']);
  const rules = request['rotationRules'] as Record<string, unknown> | undefined;
  if (rules) {
    details.rotationRules = {};
    if (typeof rules['automaticallyAfterDays'] === 'number') details.rotationRules.automaticallyAfterDays = rules['automaticallyAfterDays'];
    if (typeof rules['scheduleExpression'] === 'string') details.rotationRules.scheduleExpression = rules['scheduleExpression'];
    if (typeof rules['duration'] === 'string') details.rotationRules.duration = rules['duration'];
  }
  const replicas = request['addReplicaRegions'] as { region: string; kmsKeyId?: string }[] | undefined;
  if (replicas) details.addedReplicaRegions = replicas.map((r) => (r.kmsKeyId === undefined ? { region: r.region } : { region: r.region, kmsKeyId: r.kmsKeyId }));
  const tags = request['tags'] as { key: string; value: string }[] | undefined;
  if (tags) details.tags = tags.map((t) => ({ key: t.key, value: t.value }));
  return details;
}

function ignored(identity: { eventId?: string; eventName?: string; source?: string }, reason: string): IgnoredEvent {
  const event: IgnoredEvent = { kind: 'ignored', reason };
  if (identity.eventId !== undefined) event.eventId = identity.eventId;
  if (identity.eventName !== undefined) event.eventName = identity.eventName;
  if (identity.source !== undefined) event.source = identity.source;
  return event;
}
