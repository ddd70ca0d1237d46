// The event names vigil knows, by source. An event from a watched source whose name is in none of these lists is
// rejected (InvalidEventError): it is either misrouted or a new AWS API that someone must look at, not something to drop.

/** Secrets Manager API calls that change a secret, its policy, its rotation, its replicas or its tags. */
export const SECRET_CHANGE_CALLS = [
  'CreateSecret',
  'UpdateSecret',
  'PutSecretValue',
  'PutResourcePolicy',
  'DeleteResourcePolicy',
  'DeleteSecret',
  'RestoreSecret',
  'RotateSecret',
  'CancelRotateSecret',
  'TagResource',
  'UntagResource',
  'ReplicateSecretToRegions',
  'RemoveRegionsFromReplication',
  'StopReplicationToReplica',
  'UpdateSecretVersionStage',
  // Cross-account replication (2026): the primary's account links and unlinks a replica in another account.
  'AssociateCrossAccountReplica',
  'DisassociateCrossAccountReplica',
] as const;

/** Secrets Manager calls that read; CloudTrail marks them readOnly. */
export const SECRET_READ_CALLS = [
  'GetSecretValue',
  'BatchGetSecretValue',
  'DescribeSecret',
  'ListSecrets',
  'ListSecretVersionIds',
  'GetResourcePolicy',
  'ListResourcePolicies',
  'ValidateResourcePolicy',
  'GetRandomPassword',
] as const;

/** Events Secrets Manager itself records ("AWS Service Event via CloudTrail"). */
export const SECRET_SERVICE_EVENTS = [
  'RotationStarted',
  'RotationSucceeded',
  'RotationFailed',
  'RotationAbandoned',
  'StartSecretVersionDelete',
  'CancelSecretVersionDelete',
  'EndSecretVersionDelete',
  'ReplicationStarted',
  'ReplicationSucceeded',
  'ReplicationFailed',
] as const;

/** KMS events that change whether a key can still decrypt the secrets it protects. */
export const KEY_STATE_CALLS = ['ScheduleKeyDeletion', 'DisableKey', 'DeleteImportedKeyMaterial', 'CancelKeyDeletion', 'EnableKey'] as const;

/** Every other KMS event (data-plane calls, key management, service events): known, and of no concern to vigil. */
export const OTHER_KMS_EVENTS = [
  'CancelKeyDeletion',
  'ConnectCustomKeyStore',
  'CreateAlias',
  'CreateCustomKeyStore',
  'CreateGrant',
  'CreateKey',
  'Decrypt',
  'DeleteAlias',
  'DeleteCustomKeyStore',
  'DeleteExpiredKeyMaterial',
  'DeleteKey',
  'DeriveSharedSecret',
  'DescribeCustomKeyStores',
  'DescribeKey',
  'DisableKeyRotation',
  'DisconnectCustomKeyStore',
  'EnableKeyRotation',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'GenerateRandom',
  'GetKeyPolicy',
  'GetKeyRotationStatus',
  'GetParametersForImport',
  'GetPublicKey',
  'ImportKeyMaterial',
  'ListAliases',
  'ListGrants',
  'ListKeyPolicies',
  'ListKeyRotations',
  'ListKeys',
  'ListResourceTags',
  'ListRetirableGrants',
  'PutKeyPolicy',
  'ReEncrypt',
  'ReplicateKey',
  'RetireGrant',
  'RevokeGrant',
  'RotateKey',
  'RotateKeyOnDemand',
  'Sign',
  'SynchronizeMultiRegionKey',
  'TagResource',
  'UntagResource',
  'UpdateAlias',
  'UpdateCustomKeyStore',
  'UpdateKeyDescription',
  'UpdatePrimaryRegion',
  'Verify',
  'VerifyMac',
] as const;

export type SecretChangeCall = (typeof SECRET_CHANGE_CALLS)[number];
export type SecretServiceEvent = (typeof SECRET_SERVICE_EVENTS)[number];
export type KeyStateCall = (typeof KEY_STATE_CALLS)[number];

export const WATCHED_SOURCES = {
  'secretsmanager.amazonaws.com': 'aws.secretsmanager',
  'kms.amazonaws.com': 'aws.kms',
} as const;
export type WatchedSource = (typeof WATCHED_SOURCES)[keyof typeof WATCHED_SOURCES];

/** The EventBridge source of a CloudTrail eventSource, when vigil watches it. An own-property lookup: the name is untrusted. */
export function watchedSource(eventSource: string): WatchedSource | undefined {
  return Object.hasOwn(WATCHED_SOURCES, eventSource) ? WATCHED_SOURCES[eventSource as keyof typeof WATCHED_SOURCES] : undefined;
}

export function isOneOf<T extends string>(list: readonly T[], name: string): name is T {
  return (list as readonly string[]).includes(name);
}
