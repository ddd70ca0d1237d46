import * as z from 'zod/mini';
import { InputError, accountOfArn, parseAwsDate, secretNameFromArn } from '../events/index.js';
import type { ConfigurationItem } from '../events/index.js';
import type { KmsKeyState, SecretState } from '../model/index.js';

/** A description of a secret that vigil cannot read, naming what and where. */
export class SecretStateError extends InputError {
  override readonly name: string = 'SecretStateError';
}

const date = z.nullish(z.union([z.string(), z.number(), z.date()]));
const nullishString = z.nullish(z.string());
const nullishNumber = z.nullish(z.number());
const nullishBoolean = z.nullish(z.boolean());
const tagList = z.nullish(z.array(z.looseObject({ Key: z.string(), Value: z.optional(z.string()) })));
const rotationRulesSchema = z.nullish(z.looseObject({ AutomaticallyAfterDays: nullishNumber, Duration: nullishString, ScheduleExpression: nullishString }));
const versionStages = z.nullish(z.record(z.string(), z.array(z.string())));
const secretArn = z.string().check(z.regex(/^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:.+/, 'expected a Secrets Manager secret ARN'));
// The 2026 fields (botocore 1.44.2+ service model; the JavaScript SDK served here drops them): read from raw DescribeSecret JSON.
const regionReplicasSchema = z.nullish(z.array(z.looseObject({ Region: z.string(), Status: nullishString, StatusMessage: nullishString })));
const crossAccountReplicasSchema = z.nullish(z.array(z.looseObject({ ReplicaSecretARN: secretArn, ReplicationStatus: nullishString, StatusMessage: nullishString, ReplicationRoleARN: nullishString })));
const crossAccountPrimarySchema = z.nullish(z.looseObject({ PrimarySecretARN: secretArn, ReplicationStatus: nullishString, StatusMessage: nullishString }));

/** DescribeSecret output, or a ListSecrets entry (which names the version map SecretVersionsToStages). */
export const describeSecretSchema = z.looseObject({
  ARN: secretArn,
  Name: z.optional(z.string().check(z.minLength(1))),
  KmsKeyId: nullishString,
  RotationEnabled: nullishBoolean,
  RotationLambdaARN: nullishString,
  RotationRules: rotationRulesSchema,
  LastRotatedDate: date,
  LastChangedDate: date,
  LastAccessedDate: date,
  DeletedDate: date,
  NextRotationDate: date,
  CreatedDate: date,
  Tags: tagList,
  VersionIdsToStages: versionStages,
  SecretVersionsToStages: versionStages,
  OwningService: nullishString,
  PrimaryRegion: nullishString,
  ReplicationStatus: regionReplicasSchema,
  CrossAccountReplicas: crossAccountReplicasSchema,
  CrossAccountPrimary: crossAccountPrimarySchema,
  Type: nullishString,
  ExternalSecretRotationRoleArn: nullishString,
});
export type DescribeSecretOutput = z.infer<typeof describeSecretSchema>;

const versionListSchema = z.nullish(z.array(z.looseObject({ VersionId: z.string(), VersionStages: z.nullish(z.array(z.string())), CreatedDate: date })));

export interface DescribeExtras {
  resourcePolicy?: string | null;
  /** Every resource policy other than `default`, by name. */
  otherResourcePolicies?: Record<string, string>;
  kmsKey?: KmsKeyState | null;
  /** ListSecretVersionIds output, when it was read: it adds each version's creation date. */
  versions?: unknown;
  unreadable?: SecretState['unreadable'];
}

function parseWith<S extends z.ZodMiniType>(schema: S, value: unknown, path: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = [path, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
    throw new SecretStateError(where, (issue?.message ?? 'invalid').replace(/^Invalid input: /, ''), { cause: result.error });
  }
  return result.data;
}

const toEpoch = (value: unknown, path: string): number | null => (value === null || value === undefined ? null : parseAwsDate(value, path));

/** LastAccessedDate is a date: whatever the source adds, vigil counts from midnight UTC of that day. */
const toDay = (value: unknown, path: string): number | null => {
  const seconds = toEpoch(value, path);
  return seconds === null ? null : Math.floor(seconds / 86_400) * 86_400;
};

function wrapDates<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof InputError && !(error instanceof SecretStateError)) throw new SecretStateError(error.path, error.problem, { cause: error });
    throw error;
  }
}

/** A SecretState from DescribeSecret output or a ListSecrets entry (as the SDK returns it or the AWS CLI prints it). */
export function fromDescribeSecret(input: unknown, extras: DescribeExtras = {}, path = 'describe'): SecretState {
  const d = parseWith(describeSecretSchema, input, path);
  return wrapDates(() => {
    const at = (field: string) => `${path}.${field}`;
    const account = accountOfArn(d.ARN) as string;
    const region = d.ARN.split(':')[3] as string;
    const lastChangedAt = toEpoch(d.LastChangedDate, at('LastChangedDate'));
    const stages = d.VersionIdsToStages ?? d.SecretVersionsToStages ?? {};
    const listed = parseWith(versionListSchema, extras.versions, `${path}.versions`) ?? [];
    const created = new Map(listed.map((v, i) => [v.VersionId, toEpoch(v.CreatedDate, `${path}.versions[${i}].CreatedDate`)]));
    const rules = d.RotationRules;
    return {
      arn: d.ARN,
      name: d.Name ?? secretNameFromArn(d.ARN) ?? d.ARN,
      account,
      region,
      createdAt: toEpoch(d.CreatedDate, at('CreatedDate')),
      lastAccessedAt: toDay(d.LastAccessedDate, at('LastAccessedDate')),
      lastRotatedAt: toEpoch(d.LastRotatedDate, at('LastRotatedDate')),
      lastChangedAt,
      nextRotationAt: toEpoch(d.NextRotationDate, at('NextRotationDate')),
      deletedAt: toEpoch(d.DeletedDate, at('DeletedDate')),
      rotationEnabled: d.RotationEnabled ?? false,
      rotationLambdaArn: d.RotationLambdaARN ?? null,
      rotationRules: rules ? { automaticallyAfterDays: rules.AutomaticallyAfterDays ?? null, scheduleExpression: rules.ScheduleExpression ?? null, duration: rules.Duration ?? null } : null,
      rotationOccurringAsScheduled: null,
      owningService: d.OwningService ?? null,
      primaryRegion: d.PrimaryRegion ?? null,
      kmsKeyId: d.KmsKeyId ?? null,
      kmsKey: extras.kmsKey ?? null,
      tags: Object.fromEntries((d.Tags ?? []).map((t) => [t.Key, t.Value ?? ''])),
      resourcePolicy: extras.resourcePolicy ?? null,
      otherResourcePolicies: { ...(extras.otherResourcePolicies ?? {}) },
      regionReplicas: (d.ReplicationStatus ?? []).map((r) => ({ region: r.Region, status: r.Status ?? null, statusMessage: r.StatusMessage ?? null })),
      crossAccountReplicas: (d.CrossAccountReplicas ?? []).map((r) => ({
        replicaSecretArn: r.ReplicaSecretARN,
        status: r.ReplicationStatus ?? null,
        statusMessage: r.StatusMessage ?? null,
        replicationRoleArn: r.ReplicationRoleARN ?? null,
      })),
      crossAccountPrimary: d.CrossAccountPrimary
        ? { primarySecretArn: d.CrossAccountPrimary.PrimarySecretARN, status: d.CrossAccountPrimary.ReplicationStatus ?? null, statusMessage: d.CrossAccountPrimary.StatusMessage ?? null }
        : null,
      secretType: d.Type ?? null,
      externalRotationRoleArn: d.ExternalSecretRotationRoleArn ?? null,
      // Without ListSecretVersionIds, a version is no older than the last change to the secret: a safe lower bound.
      versions: Object.entries(stages).map(([versionId, versionStages]) => ({ versionId, stages: versionStages, createdAt: created.get(versionId) ?? lastChangedAt })),
      unreadable: { ...(extras.unreadable ?? {}) },
    };
  });
}

const configSecretSchema = z.looseObject({
  Name: nullishString,
  ARN: nullishString,
  KMSKeyId: nullishString,
  RotationEnabled: nullishBoolean,
  RotationLambdaARN: nullishString,
  RotationOccurringAsScheduled: nullishBoolean,
  RotationRules: z.nullish(z.looseObject({ AutomaticallyAfterDays: nullishNumber, AutomaticallyAfterHours: nullishNumber, RotationDuration: nullishString, RotationScheduleExpression: nullishString })),
  Deleted: nullishBoolean,
});

const NOT_IN_CONFIG_ITEM = 'not recorded in an AWS Config configuration item';

/**
 * A SecretState from an AWS Config configuration item for AWS::SecretsManager::Secret, whose names differ from the API's
 * (KMSKeyId, RotationOccurringAsScheduled, RotationRules.RotationScheduleExpression, Deleted, tags at the top level).
 * What a configuration item does not record is marked unreadable, so a control that needs it says so instead of guessing.
 */
export function fromConfigItem(item: ConfigurationItem, path = 'configurationItem'): SecretState {
  if (item.resourceType !== 'AWS::SecretsManager::Secret') throw new SecretStateError(`${path}.resourceType`, `expected AWS::SecretsManager::Secret, received ${item.resourceType}`);
  const c = parseWith(configSecretSchema, item.configuration ?? {}, `${path}.configuration`);
  return wrapDates(() => {
    const arn = c.ARN ?? item.ARN ?? item.resourceId;
    const captured = toEpoch(item.configurationItemCaptureTime, `${path}.configurationItemCaptureTime`);
    const rules = c.RotationRules;
    const hours = rules?.AutomaticallyAfterHours;
    const scheduleExpression = rules?.RotationScheduleExpression ?? (hours ? `rate(${hours} hours)` : null);
    return {
      arn,
      name: c.Name ?? item.resourceName ?? secretNameFromArn(arn) ?? arn,
      account: item.awsAccountId ?? accountOfArn(arn) ?? '',
      region: item.awsRegion,
      createdAt: toEpoch(item.resourceCreationTime, `${path}.resourceCreationTime`),
      lastAccessedAt: null,
      lastRotatedAt: null,
      lastChangedAt: captured,
      nextRotationAt: null,
      // Config records that the secret is deleted, not when: the capture time is the latest it can have been.
      deletedAt: c.Deleted ? captured : null,
      rotationEnabled: c.RotationEnabled ?? false,
      rotationLambdaArn: c.RotationLambdaARN ?? null,
      rotationRules: rules ? { automaticallyAfterDays: rules.AutomaticallyAfterDays ?? null, scheduleExpression, duration: rules.RotationDuration ?? null } : null,
      rotationOccurringAsScheduled: c.RotationOccurringAsScheduled ?? null,
      owningService: null,
      primaryRegion: null,
      kmsKeyId: c.KMSKeyId ?? null,
      kmsKey: null,
      tags: { ...(item.tags ?? {}) },
      resourcePolicy: null,
      versions: [],
      unreadable: {
        resourcePolicy: NOT_IN_CONFIG_ITEM,
        kmsKey: NOT_IN_CONFIG_ITEM,
        lastAccessedAt: NOT_IN_CONFIG_ITEM,
        lastRotatedAt: NOT_IN_CONFIG_ITEM,
        nextRotationAt: NOT_IN_CONFIG_ITEM,
        replication: NOT_IN_CONFIG_ITEM,
      },
    };
  });
}
