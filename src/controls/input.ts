import { isReplica, type SecretState } from '../model/index.js';
import { policyTextProblem } from './policy-text.js';
import { ScheduleError, rotationInterval, windowSeconds } from './schedule.js';

/** One secret as the Rego controls read it: only numbers and plain values, schedules already turned into intervals. */
export type PolicySecret = Omit<SecretState, 'rotationRules'> & {
  rotationIntervalSeconds: number | null;
  rotationWindowSeconds: number | null;
  rotationSchedule: string | null;
  isReplica: boolean;
  /** The principal the access audit saw read the secret last, and when (epoch seconds and ISO-8601: Rego has no date formatting). */
  lastReader?: { principal: string; lastSeen: number; lastSeenAt: string };
};

// Many secrets share one policy text: each distinct text is checked once while it stays among the last few hundred
// (only texts within AWS's 20 KB policy limit are kept, so the cache stays a few megabytes at most).
const PROBLEM_CACHE_SIZE = 256;
const CACHED_TEXT_LIMIT = 20_480;
const problems = new Map<string, string | undefined>();

function problemOf(text: string): string | undefined {
  if (problems.has(text)) return problems.get(text);
  const problem = policyTextProblem(text);
  if (text.length > CACHED_TEXT_LIMIT) return problem;
  if (problems.size >= PROBLEM_CACHE_SIZE) problems.delete(problems.keys().next().value as string);
  problems.set(text, problem);
  return problem;
}

export function toPolicySecret(state: SecretState, now: number, lastReader?: { principal: string; lastSeen: number }): PolicySecret {
  const unreadable = { ...state.unreadable };
  let rotationIntervalSeconds: number | null = null;
  let rotationWindow: number | null = null;
  let rotationSchedule: string | null = null;
  if (state.rotationEnabled || state.rotationRules) {
    try {
      if (state.rotationRules) {
        const interval = rotationInterval(state.rotationRules, now);
        rotationIntervalSeconds = interval.maxIntervalSeconds;
        rotationSchedule = interval.schedule;
        rotationWindow = windowSeconds(state.rotationRules.duration);
      } else {
        throw new ScheduleError('rotation is enabled but no rotation rules were recorded');
      }
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      unreadable.rotationSchedule = error.message;
    }
  }
  // A policy text vigil must not judge is unreadable, and never reaches the wasm.
  let resourcePolicy = state.resourcePolicy;
  const policyProblem = resourcePolicy === null ? undefined : problemOf(resourcePolicy);
  if (policyProblem !== undefined) {
    unreadable.resourcePolicy = policyProblem;
    resourcePolicy = null;
  }
  const otherResourcePolicies: Record<string, string> = {};
  for (const [name, text] of Object.entries(state.otherResourcePolicies ?? {})) {
    const problem = problemOf(text);
    if (problem === undefined) Object.defineProperty(otherResourcePolicies, name, { value: text, enumerable: true, writable: true, configurable: true });
    else unreadable.resourcePolicy = `the "${name}" resource policy: ${problem}`;
  }
  return {
    arn: state.arn,
    name: state.name,
    account: state.account,
    region: state.region,
    createdAt: state.createdAt,
    lastAccessedAt: state.lastAccessedAt,
    lastRotatedAt: state.lastRotatedAt,
    lastChangedAt: state.lastChangedAt,
    nextRotationAt: state.nextRotationAt,
    deletedAt: state.deletedAt,
    rotationEnabled: state.rotationEnabled,
    rotationLambdaArn: state.rotationLambdaArn,
    rotationIntervalSeconds,
    rotationWindowSeconds: rotationWindow,
    rotationSchedule,
    rotationOccurringAsScheduled: state.rotationOccurringAsScheduled,
    owningService: state.owningService,
    primaryRegion: state.primaryRegion,
    // A cross-account replica's value, and so its rotation, is its primary's too.
    isReplica: isReplica(state) || Boolean(state.crossAccountPrimary),
    kmsKeyId: state.kmsKeyId,
    kmsKey: state.kmsKey,
    tags: state.tags,
    resourcePolicy,
    otherResourcePolicies,
    regionReplicas: state.regionReplicas ?? [],
    crossAccountReplicas: state.crossAccountReplicas ?? [],
    crossAccountPrimary: state.crossAccountPrimary ?? null,
    secretType: state.secretType ?? null,
    externalRotationRoleArn: state.externalRotationRoleArn ?? null,
    versions: state.versions,
    unreadable,
    ...(lastReader ? { lastReader: { principal: lastReader.principal, lastSeen: lastReader.lastSeen, lastSeenAt: new Date(lastReader.lastSeen * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') } } : {}),
  };
}
