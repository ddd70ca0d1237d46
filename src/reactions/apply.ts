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
      // A cross-account replica starts Pending: the link is recorded, no value copied until the primary's account associates it.
      if (request.crossAccountPrimaryArn !== undefined) after.crossAccountPrimary = { primarySecretArn: request.crossAccountPrimaryArn, status: 'Pending', statusMessage: null };
      return after;
    }
    case 'PutResourcePolicy':
    case 'DeleteResourcePolicy':
      return withPolicyFromEvent(after, event);
    case 'AssociateCrossAccountReplica': {
      const replicaArn = request.crossAccountReplicaArn;
      if (replicaArn === undefined) return undefined;
      const others = (after.crossAccountReplicas ?? []).filter((r) => r.replicaSecretArn !== replicaArn);
      after.crossAccountReplicas = [...others, { replicaSecretArn: replicaArn, status: request.replicationStatus ?? 'InProgress', statusMessage: null, replicationRoleArn: request.replicationRoleArn ?? null }];
      delete after.unreadable.replication;
      return after;
    }
    case 'DisassociateCrossAccountReplica':
      // The primary forgets the link; the replica, in its own account, is Detached with a stale copy.
      after.crossAccountReplicas = (after.crossAccountReplicas ?? []).filter((r) => r.replicaSecretArn !== request.crossAccountReplicaArn);
      return after;
    case 'StopReplicationToReplica': {
      // The replica becomes a standalone secret; for a cross-account one, Secrets Manager removes its cross-account-replication policy.
      after.primaryRegion = null;
      after.crossAccountPrimary = null;
      const { [CROSS_ACCOUNT_POLICY]: _removed, ...rest } = after.otherResourcePolicies ?? {};
      after.otherResourcePolicies = rest;
      return after;
    }
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

const CROSS_ACCOUNT_POLICY = 'cross-account-replication';
const SAY_ENOUGH = new Set(['CreateSecret', 'PutResourcePolicy', 'AssociateCrossAccountReplica']);

/**
 * The secret with the policy a Put/DeleteResourcePolicy event names: `default` (or no name) is `resourcePolicy`, any other
 * name one of `otherResourcePolicies`, so every policy is judged alike whichever name it carries.
 */
export function withPolicyFromEvent(state: SecretState, event: SecretEvent): SecretState {
  const name = event.request.policyName ?? 'default';
  const text = event.eventName === 'PutResourcePolicy' ? (event.request.resourcePolicy ?? null) : null;
  if (name === 'default') {
    const after: SecretState = { ...state, resourcePolicy: text, unreadable: { ...state.unreadable } };
    delete after.unreadable.resourcePolicy;
    return after;
  }
  const { [name]: _old, ...others } = state.otherResourcePolicies ?? {};
  // defineProperty: a policy name such as "__proto__" is data here.
  if (text !== null) Object.defineProperty(others, name, { value: text, enumerable: true, writable: true, configurable: true });
  return { ...state, otherResourcePolicies: others };
}

/** What an event alone says of a secret vigil does not know yet (CreateSecret, PutResourcePolicy and AssociateCrossAccountReplica say enough). */
function skeleton(event: SecretEvent, at: number): SecretState | undefined {
  const arn = event.secret?.arn;
  if (!arn || !SAY_ENOUGH.has(event.eventName)) return undefined;
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
  AssociateCrossAccountReplica: ['no-untrusted-replica', 'replication-healthy'],
  DisassociateCrossAccountReplica: ['no-untrusted-replica', 'replication-healthy'],
  StopReplicationToReplica: ['no-untrusted-replica', 'replication-healthy', 'no-public-principal', 'no-untrusted-cross-account'],
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
