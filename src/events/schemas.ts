import * as z from 'zod';

// Shapes as CloudTrail and EventBridge deliver them. Objects are loose: AWS adds fields, and vigil must not break when it does.

const ACCOUNT_ID = z.string().regex(/^\d{12}$/, 'expected a 12-digit account ID as a string');

export const userIdentitySchema = z.looseObject({
  type: z.string().optional(),
  principalId: z.string().optional(),
  arn: z.string().optional(),
  accountId: ACCOUNT_ID.optional(),
  invokedBy: z.string().optional(),
  sessionContext: z
    .looseObject({ sessionIssuer: z.looseObject({ arn: z.string().optional() }).optional() })
    .optional(),
});

const looseRecord = z.record(z.string(), z.unknown());

export const cloudTrailRecordSchema = z.looseObject({
  eventVersion: z.string().optional(),
  userIdentity: userIdentitySchema.optional(),
  eventTime: z.union([z.string(), z.number()]),
  eventSource: z.string(),
  eventName: z.string().min(1, 'expected a non-empty event name'),
  awsRegion: z.string().min(1),
  sourceIPAddress: z.string().optional(),
  userAgent: z.string().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  requestParameters: looseRecord.nullish(),
  responseElements: looseRecord.nullish(),
  additionalEventData: looseRecord.nullish(),
  eventID: z.string().min(1),
  readOnly: z.boolean().optional(),
  eventType: z.string().optional(),
  recipientAccountId: ACCOUNT_ID.optional(),
  resources: z.array(z.looseObject({ ARN: z.string().optional(), type: z.string().optional() })).optional(),
});
export type CloudTrailRecord = z.infer<typeof cloudTrailRecordSchema>;

export const eventBridgeEnvelopeSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string().min(1),
  'detail-type': z.string(),
  source: z.string(),
  account: ACCOUNT_ID,
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});

// Request parameters vigil reads, per operation. Each field is optional because a failed call may log only some of them.
const tag = z.looseObject({ key: z.string(), value: z.string() });
const secretId = z.string().min(1, 'expected a secret ID');

export const secretRequestSchemas = {
  CreateSecret: z.looseObject({ name: z.string().min(1), kmsKeyId: z.string().optional(), tags: z.array(tag).optional(), addReplicaRegions: z.array(z.looseObject({ region: z.string(), kmsKeyId: z.string().optional() })).optional() }),
  UpdateSecret: z.looseObject({ secretId, kmsKeyId: z.string().optional() }),
  PutSecretValue: z.looseObject({ secretId }),
  PutResourcePolicy: z.looseObject({ secretId, resourcePolicy: z.string(), blockPublicPolicy: z.boolean().optional() }),
  DeleteResourcePolicy: z.looseObject({ secretId }),
  DeleteSecret: z.looseObject({
    secretId,
    recoveryWindowInDays: z.number().int().min(7).max(30).optional(),
    forceDeleteWithoutRecovery: z.boolean().optional(),
  }),
  RestoreSecret: z.looseObject({ secretId }),
  RotateSecret: z.looseObject({
    secretId,
    rotationLambdaARN: z.string().optional(),
    rotationRules: z
      .looseObject({ automaticallyAfterDays: z.number().int().positive().optional(), scheduleExpression: z.string().optional(), duration: z.string().optional() })
      .optional(),
    rotateImmediately: z.boolean().optional(),
  }),
  CancelRotateSecret: z.looseObject({ secretId }),
  TagResource: z.looseObject({ secretId, tags: z.array(tag) }),
  UntagResource: z.looseObject({ secretId, tagKeys: z.array(z.string()) }),
  ReplicateSecretToRegions: z.looseObject({ secretId, addReplicaRegions: z.array(z.looseObject({ region: z.string(), kmsKeyId: z.string().optional() })) }),
  RemoveRegionsFromReplication: z.looseObject({ secretId, removeReplicaRegions: z.array(z.string()) }),
  StopReplicationToReplica: z.looseObject({ secretId }),
  UpdateSecretVersionStage: z.looseObject({ secretId, versionStage: z.string() }),
} as const;

export const secretResponseSchema = z
  .looseObject({ arn: z.string().optional(), aRN: z.string().optional(), ARN: z.string().optional(), name: z.string().optional(), deletionDate: z.union([z.string(), z.number()]).optional() })
  .nullish();

export const serviceEventDataSchema = z.looseObject({ SecretId: secretId });

export const keyRequestSchema = z.looseObject({ keyId: z.string().min(1, 'expected a key ID'), pendingWindowInDays: z.number().int().min(7).max(30).optional() });
export const keyResponseSchema = z
  .looseObject({ keyId: z.string().optional(), keyState: z.string().optional(), deletionDate: z.union([z.string(), z.number()]).optional() })
  .nullish();
