// The domain model every part of vigil shares. Pure: no AWS, no clock; sources map into it at the edge (src/inventory).

/** What vigil knows of one secret, whichever source told it. Dates are epoch seconds. Never a value. */
export interface SecretState {
  arn: string;
  name: string;
  account: string;
  region: string;
  createdAt: number | null;
  lastAccessedAt: number | null;
  lastRotatedAt: number | null;
  lastChangedAt: number | null;
  nextRotationAt: number | null;
  deletedAt: number | null;
  rotationEnabled: boolean;
  rotationLambdaArn: string | null;
  rotationRules: RotationRules | null;
  /** AWS Config's own verdict; only a configuration item carries it. */
  rotationOccurringAsScheduled: boolean | null;
  owningService: string | null;
  primaryRegion: string | null;
  kmsKeyId: string | null;
  kmsKey: KmsKeyState | null;
  tags: Record<string, string>;
  /** The `default` resource policy, the only one a customer writes. */
  resourcePolicy: string | null;
  /**
   * Every other resource policy, by name (ListResourcePolicies): Secrets Manager itself attaches
   * `cross-account-replication` to a cross-account replica. Absent or empty when there is none or it was not read.
   */
  otherResourcePolicies?: Record<string, string>;
  /** Cross-Region replicas of a primary secret (DescribeSecret ReplicationStatus). */
  regionReplicas?: RegionReplica[];
  /** Replicas in other accounts of a primary secret (DescribeSecret CrossAccountReplicas). */
  crossAccountReplicas?: CrossAccountReplica[];
  /** For a cross-account replica, the primary it copies (DescribeSecret CrossAccountPrimary). */
  crossAccountPrimary?: CrossAccountPrimary | null;
  /** A managed external secret's partner type (DescribeSecret Type); it rotates through externalRotationRoleArn, with no Lambda. */
  secretType?: string | null;
  externalRotationRoleArn?: string | null;
  versions: SecretVersion[];
  /** Fields the source could not provide, each with why (AccessDenied, not in a Config item…). */
  unreadable: Partial<Record<UnreadableField, string>>;
}

export type UnreadableField = 'resourcePolicy' | 'kmsKey' | 'lastAccessedAt' | 'lastRotatedAt' | 'nextRotationAt' | 'rotationSchedule' | 'replication';

/** Replication statuses, cross-Region and cross-account alike (Pending and Detached came with cross-account replication). */
export type ReplicationStatus = 'InSync' | 'Failed' | 'InProgress' | 'Pending' | 'Detached' | (string & {});

export interface RegionReplica {
  region: string;
  status: ReplicationStatus | null;
  statusMessage: string | null;
}

export interface CrossAccountReplica {
  replicaSecretArn: string;
  status: ReplicationStatus | null;
  statusMessage: string | null;
  replicationRoleArn: string | null;
}

export interface CrossAccountPrimary {
  primarySecretArn: string;
  status: ReplicationStatus | null;
  statusMessage: string | null;
}

export interface RotationRules {
  automaticallyAfterDays: number | null;
  scheduleExpression: string | null;
  /** The rotation window, e.g. `3h`. */
  duration: string | null;
}

export interface KmsKeyState {
  arn: string | null;
  keyManager: string | null;
  keyState: string | null;
  /** The key's alias names (`alias/…`), as kms:ListAliases lists them; absent when they were not read. */
  aliases?: string[];
}

export interface SecretVersion {
  versionId: string;
  stages: string[];
  createdAt: number | null;
}

export function isReplica(state: SecretState): boolean {
  return state.primaryRegion !== null && state.primaryRegion !== state.region;
}
