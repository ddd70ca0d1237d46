import type { SecretState } from '../../src/model/index.js';

/** A secret as a sweep would have read it, with a stable ARN from its name and region; `edit` overrides any field. */
export function secretState(edit: Partial<SecretState> & { name: string }): SecretState {
  const region = edit.region ?? 'us-east-1';
  const suffix = Buffer.from(edit.name).toString('hex').slice(-6).padStart(6, 'x');
  return {
    arn: `arn:aws:secretsmanager:${region}:123456789012:secret:${edit.name}-${suffix}`,
    account: '123456789012',
    region,
    createdAt: 1_700_000_000,
    lastAccessedAt: null,
    lastRotatedAt: null,
    lastChangedAt: 1_700_000_000,
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
    unreadable: {},
    ...edit,
  };
}
