import * as z from 'zod/mini';

// Shapes as CloudTrail and EventBridge deliver them. Objects are loose: AWS adds fields, and vigil must not break when it does.

const ACCOUNT_ID = z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account ID as a string'));
const optionalString = z.optional(z.string());

export const userIdentitySchema = z.looseObject({
  type: optionalString,
  principalId: optionalString,
  arn: optionalString,
  accountId: z.optional(ACCOUNT_ID),
  invokedBy: optionalString,
  sessionContext: z.optional(z.looseObject({ sessionIssuer: z.optional(z.looseObject({ arn: optionalString })) })),
});

const looseRecord = z.record(z.string(), z.unknown());

export const cloudTrailRecordSchema = z.looseObject({
  eventVersion: optionalString,
  userIdentity: z.optional(userIdentitySchema),
  eventTime: z.union([z.string(), z.number()], { error: 'expected the time of the event (ISO-8601 or epoch seconds): a decision is judged at it' }),
  eventSource: z.string(),
  eventName: z.string().check(z.minLength(1, 'expected a non-empty event name')),
  awsRegion: z.string().check(z.minLength(1)),
  sourceIPAddress: optionalString,
  userAgent: optionalString,
  errorCode: optionalString,
  errorMessage: optionalString,
  requestParameters: z.nullish(looseRecord),
  responseElements: z.nullish(looseRecord),
  additionalEventData: z.nullish(looseRecord),
  eventID: z.string().check(z.minLength(1)),
  readOnly: z.optional(z.boolean()),
  eventType: optionalString,
  recipientAccountId: z.optional(ACCOUNT_ID),
  resources: z.optional(z.array(z.looseObject({ ARN: optionalString, type: optionalString }))),
});
export type CloudTrailRecord = z.infer<typeof cloudTrailRecordSchema>;

export const eventBridgeEnvelopeSchema = z.looseObject({
  version: optionalString,
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string(),
  source: z.string(),
  account: ACCOUNT_ID,
  time: z.string(),
  region: z.string(),
  resources: z.optional(z.array(z.string())),
  detail: z.unknown(),
});

// Request parameters vigil reads, per operation. Each field is optional because a failed call may log only some of them.
const tag = z.looseObject({ key: z.string(), value: z.string() });
const secretId = z.string().check(z.minLength(1, 'expected a secret ID'));
const replicaRegion = z.looseObject({ region: z.string(), kmsKeyId: optionalString });
const recoveryWindow = z.optional(z.int().check(z.gte(7), z.lte(30)));
// Absent means `default`, the only policy a customer writes; Secrets Manager itself writes `cross-account-replication`.
const policyName = z.optional(z.string().check(z.minLength(1, 'expected a policy name')));
const crossAccountArn = z.string().check(z.regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+/, 'expected a secret ARN'));

export const secretRequestSchemas = {
  CreateSecret: z.looseObject({
    name: z.string().check(z.minLength(1)),
    kmsKeyId: optionalString,
    tags: z.optional(z.array(tag)),
    addReplicaRegions: z.optional(z.array(replicaRegion)),
    // Set when this account creates a replica of another account's secret (cross-account replication, 2026).
    crossAccountPrimaryARN: optionalString,
  }),
  UpdateSecret: z.looseObject({ secretId, kmsKeyId: optionalString }),
  PutSecretValue: z.looseObject({ secretId }),
  PutResourcePolicy: z.looseObject({ secretId, resourcePolicy: z.string(), blockPublicPolicy: z.optional(z.boolean()), policyName }),
  DeleteResourcePolicy: z.looseObject({ secretId, policyName }),
  DeleteSecret: z.looseObject({
    secretId,
    recoveryWindowInDays: recoveryWindow,
    forceDeleteWithoutRecovery: z.optional(z.boolean()),
  }),
  RestoreSecret: z.looseObject({ secretId }),
  RotateSecret: z.looseObject({
    secretId,
    rotationLambdaARN: optionalString,
    rotationRules: z.optional(z.looseObject({ automaticallyAfterDays: z.optional(z.int().check(z.positive())), scheduleExpression: optionalString, duration: optionalString })),
    rotateImmediately: z.optional(z.boolean()),
  }),
  CancelRotateSecret: z.looseObject({ secretId }),
  TagResource: z.looseObject({ secretId, tags: z.array(tag) }),
  UntagResource: z.looseObject({ secretId, tagKeys: z.array(z.string()) }),
  ReplicateSecretToRegions: z.looseObject({ secretId, addReplicaRegions: z.array(replicaRegion) }),
  RemoveRegionsFromReplication: z.looseObject({ secretId, removeReplicaRegions: z.array(z.string()) }),
  StopReplicationToReplica: z.looseObject({ secretId }),
  UpdateSecretVersionStage: z.looseObject({ secretId, versionStage: z.string() }),
  AssociateCrossAccountReplica: z.looseObject({
    secretId,
    crossAccountReplicaARN: crossAccountArn,
    replicaRestriction: z.optional(z.enum(['SameOrg', 'NoRestriction'])),
    replicationRoleARN: optionalString,
  }),
  DisassociateCrossAccountReplica: z.looseObject({ secretId, crossAccountReplicaARN: crossAccountArn }),
} as const;

export const secretResponseSchema = z.nullish(
  z.looseObject({
    arn: optionalString,
    aRN: optionalString,
    ARN: optionalString,
    name: optionalString,
    deletionDate: z.optional(z.union([z.string(), z.number()])),
    // AssociateCrossAccountReplica answers with the link's status (a string); ReplicateSecretToRegions with one per Region (a list).
    replicationStatus: z.optional(z.union([z.string(), z.array(z.unknown())])),
  }),
);

export const serviceEventDataSchema = z.looseObject({ SecretId: secretId });

export const keyRequestSchema = z.looseObject({ keyId: z.string().check(z.minLength(1, 'expected a key ID')), pendingWindowInDays: recoveryWindow });
export const keyResponseSchema = z.nullish(z.looseObject({ keyId: optionalString, keyState: optionalString, deletionDate: z.optional(z.union([z.string(), z.number()])) }));
