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
  resourcePolicy: string | null;
  versions: SecretVersion[];
  /** Fields the source could not provide, each with why (AccessDenied, not in a Config item…). */
  unreadable: Partial<Record<UnreadableField, string>>;
}

export type UnreadableField = 'resourcePolicy' | 'kmsKey' | 'lastAccessedAt' | 'lastRotatedAt' | 'nextRotationAt' | 'rotationSchedule';

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
}

export interface SecretVersion {
  versionId: string;
  stages: string[];
  createdAt: number | null;
}

export function isReplica(state: SecretState): boolean {
  return state.primaryRegion !== null && state.primaryRegion !== state.region;
}
