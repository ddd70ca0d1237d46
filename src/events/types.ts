import type { KeyRef, SecretRef } from './references.js';
import type { WatchedSource } from './catalogue.js';

export type SecretEventKind = 'secret-api-call' | 'secret-service-event' | 'key-api-call';

export interface Actor {
  /** IAMUser, AssumedRole, AWSService, Root…; absent on Secrets Manager's own service events. */
  type?: string;
  arn?: string;
  principalId?: string;
  accountId?: string;
  /** For an assumed role, the role behind the session. */
  sessionIssuerArn?: string;
  sourceIp?: string;
  userAgent?: string;
  invokedBy?: string;
}

export interface RotationRules {
  automaticallyAfterDays?: number;
  scheduleExpression?: string;
  duration?: string;
}

/** The parts of a request that change what vigil decides. Nothing here is ever a secret value. */
export interface RequestDetails {
  recoveryWindowInDays?: number;
  forceDeleteWithoutRecovery?: boolean;
  /** When a scheduled deletion takes effect, as the response states it (ISO-8601). */
  deletionDate?: string;
  resourcePolicy?: string;
  blockPublicPolicy?: boolean;
  kmsKeyId?: string;
  rotationLambdaArn?: string;
  rotationRules?: RotationRules;
  rotateImmediately?: boolean;
  addedReplicaRegions?: { region: string; kmsKeyId?: string }[];
  removedReplicaRegions?: string[];
  tags?: { key: string; value: string }[];
  removedTagKeys?: string[];
  versionStage?: string;
  pendingWindowInDays?: number;
  keyState?: string;
  /** Put/DeleteResourcePolicy: which of the secret's policies; absent means `default`. */
  policyName?: string;
  /** CreateSecret of a cross-account replica: the primary secret in the other account. */
  crossAccountPrimaryArn?: string;
  /** Associate/DisassociateCrossAccountReplica: the replica secret in the other account. */
  crossAccountReplicaArn?: string;
  /** AssociateCrossAccountReplica: `SameOrg` (AWS's default when absent) or `NoRestriction`. */
  replicaRestriction?: 'SameOrg' | 'NoRestriction';
  replicationRoleArn?: string;
  /** AssociateCrossAccountReplica's answer: the link's status when it was made. */
  replicationStatus?: string;
}

export interface SecretEvent {
  kind: SecretEventKind;
  source: WatchedSource;
  eventName: string;
  eventId: string;
  /** ISO-8601, UTC. */
  time: string;
  account: string;
  region: string;
  readOnly: boolean;
  actor: Actor;
  secret?: SecretRef;
  key?: KeyRef;
  request: RequestDetails;
  errorCode?: string;
  errorMessage?: string;
}

export interface IgnoredEvent {
  kind: 'ignored';
  eventId?: string;
  eventName?: string;
  source?: string;
  reason: string;
}

export type NormalisedRecord = SecretEvent | IgnoredEvent;
