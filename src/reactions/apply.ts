import type { SecretEvent } from '../events/index.js';
import type { SecretState } from '../model/index.js';

const NOT_YET_DESCRIBED = 'the new key has not been described yet';

/**
 * The secret as it is after `event`, from what was known before (or nothing, for CreateSecret and PutResourcePolicy, which
 * carry enough to judge). Returns undefined when the event changes nothing vigil can apply.
 */
export function applyEvent(before: SecretState | undefined, event: SecretEvent, knownKeys: (keyId: string) => SecretState['kmsKey']): SecretState | undefined {
  const at = Date.parse(event.time) / 1000;
  const request = event.request;
  const base = before ?? skeleton(event, at);
  if (!base) return undefined;
  const after: SecretState = { ...base, tags: { ...base.tags }, unreadable: { ...base.unreadable }, lastChangedAt: at };
  switch (event.eventName) {
    case 'CreateSecret': {
      after.createdAt = at;
      after.kmsKeyId = request.kmsKeyId ?? null;
      setKey(after, knownKeys);
      after.tags = Object.fromEntries((request.tags ?? []).map((t) => [t.key, t.value]));
      // A new secret has no policy, rotation or access yet: judge it as it is now.
      after.resourcePolicy = null;
      delete after.unreadable.resourcePolicy;
      delete after.unreadable.lastAccessedAt;
      delete after.unreadable.lastRotatedAt;
      return after;
    }
    case 'PutResourcePolicy':
      after.resourcePolicy = request.resourcePolicy ?? null;
      delete after.unreadable.resourcePolicy;
      return after;
    case 'DeleteResourcePolicy':
      after.resourcePolicy = null;
      delete after.unreadable.resourcePolicy;
      return after;
    case 'UpdateSecret':
    case 'ReplicateSecretToRegions':
      if (request.kmsKeyId !== undefined && event.eventName === 'UpdateSecret') {
        after.kmsKeyId = request.kmsKeyId;
        setKey(after, knownKeys);
      }
      return after;
    case 'RotateSecret':
      after.rotationEnabled = true;
      if (request.rotationLambdaArn !== undefined) after.rotationLambdaArn = request.rotationLambdaArn;
      if (request.rotationRules) {
        after.rotationRules = {
          automaticallyAfterDays: request.rotationRules.automaticallyAfterDays ?? null,
          scheduleExpression: request.rotationRules.scheduleExpression ?? null,
          duration: request.rotationRules.duration ?? null,
        };
      }
      return after;
    case 'CancelRotateSecret':
      after.rotationEnabled = false;
      return after;
    case 'TagResource':
      // defineProperty, not assignment: a tag key such as "__proto__" is data here, never the object's prototype.
      for (const tag of request.tags ?? []) Object.defineProperty(after.tags, tag.key, { value: tag.value, enumerable: true, writable: true, configurable: true });
      return after;
    case 'UntagResource':
      for (const key of request.removedTagKeys ?? []) delete after.tags[key];
      return after;
    case 'RestoreSecret':
      after.deletedAt = null;
      return after;
    case 'RemoveRegionsFromReplication':
      return after;
    default:
      return undefined;
  }
}

/** What an event alone says of a secret vigil does not know yet (only CreateSecret and PutResourcePolicy say enough). */
function skeleton(event: SecretEvent, at: number): SecretState | undefined {
  const arn = event.secret?.arn;
  if (!arn || (event.eventName !== 'CreateSecret' && event.eventName !== 'PutResourcePolicy')) return undefined;
  const unknown = 'not known from the event alone';
  return {
    arn,
    name: event.secret?.name ?? arn,
    account: event.account,
    region: event.region,
    createdAt: event.eventName === 'CreateSecret' ? at : null,
    lastAccessedAt: null,
    lastRotatedAt: null,
    lastChangedAt: at,
    nextRotationAt: null,
    deletedAt: null,
    rotationEnabled: false,
    rotationLambdaArn: null,
    rotationRules: null,
    rotationOccurringAsScheduled: null,
    owningService: null,
    primaryRegion: null,
    kmsKeyId: null,
    kmsKey: null,
    tags: {},
    resourcePolicy: null,
    versions: [],
    unreadable: event.eventName === 'CreateSecret' ? {} : { kmsKey: unknown, lastAccessedAt: unknown, lastRotatedAt: unknown },
  };
}

function setKey(state: SecretState, knownKeys: (keyId: string) => SecretState['kmsKey']): void {
  const key = state.kmsKeyId ? knownKeys(state.kmsKeyId) : null;
  state.kmsKey = key ?? null;
  if (state.kmsKeyId && !key) state.unreadable.kmsKey = NOT_YET_DESCRIBED;
  else delete state.unreadable.kmsKey;
}

/** Controls whose inputs an event can change: a change alerts only for these, so a tag edit does not re-page an old failure. */
export const CONTROLS_AN_EVENT_TOUCHES: Record<string, readonly string[] | 'all'> = {
  CreateSecret: 'all',
  PutResourcePolicy: ['no-public-principal', 'no-untrusted-cross-account'],
  DeleteResourcePolicy: ['no-public-principal', 'no-untrusted-cross-account'],
  UpdateSecret: ['customer-managed-key'],
  ReplicateSecretToRegions: ['customer-managed-key'],
  RemoveRegionsFromReplication: [],
  RotateSecret: ['rotation-enabled', 'rotation-succeeding'],
  CancelRotateSecret: ['rotation-enabled', 'rotation-succeeding'],
  // A tag can be required, or an exemption whose removal lets a failure through.
  TagResource: 'all',
  UntagResource: 'all',
  RestoreSecret: 'all',
};

/** The state a secret API call leaves: `undefined` when it changes nothing vigil knows, `null` when the secret is gone. */
export function stateAfter(before: SecretState | undefined, event: SecretEvent, keyOf: (keyId: string) => SecretState['kmsKey']): SecretState | null | undefined {
  if (event.errorCode || event.kind !== 'secret-api-call') return undefined;
  if (event.eventName === 'DeleteSecret') {
    if (!before) return undefined;
    if (event.request.forceDeleteWithoutRecovery) return null;
    return { ...before, deletedAt: Date.parse(event.request.deletionDate ?? event.time) / 1000 };
  }
  return applyEvent(before, event, keyOf);
}

/**
 * The known secrets after `event`, so a replay of a log judges each event against the account as the earlier events
 * left it. A forced deletion removes the secret; a scheduled one marks it; other changes apply as `applyEvent` does.
 */
export function evolve(known: readonly SecretState[], event: SecretEvent): SecretState[] {
  const index = known.findIndex((s) => (event.secret?.arn ? s.arn === event.secret.arn : s.name === event.secret?.name && s.region === event.region));
  const keyOf = (keyId: string) => known.find((s) => s.kmsKey && (s.kmsKeyId === keyId || s.kmsKey.arn === keyId))?.kmsKey ?? null;
  const after = stateAfter(index >= 0 ? known[index] : undefined, event, keyOf);
  if (after === undefined) return [...known];
  if (after === null) return known.filter((_, i) => i !== index);
  return index >= 0 ? known.map((s, i) => (i === index ? after : s)) : [...known, after];
}
