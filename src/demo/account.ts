import { CreateAliasCommand, CreateKeyCommand, DisableKeyCommand, ScheduleKeyDeletionCommand, type KMSClient } from '@aws-sdk/client-kms';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutResourcePolicyCommand,
  ReplicateSecretToRegionsCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

// A realistic account for the demo, the integration tests and the bench: secrets as a real team has them.
// Values are placeholders made up here; vigil never reads them, and the tests check that no report carries them.

export const TRUSTED_ACCOUNT = '222233334444';
export const UNTRUSTED_ACCOUNT = '444455556666';
export const TRUSTED_ORG = 'o-a1b2c3d4e5';

export type KeyChoice = 'aws-default' | 'aws-alias' | 'prod' | 'disabled' | 'pending-deletion';
export type PolicyChoice = 'public' | 'org' | 'other-org' | 'cross-account' | 'trusted-account' | 'vpce' | 'wildcard-account' | 'deny-only';

export interface SeedSecret {
  name: string;
  description: string;
  key: KeyChoice;
  policy?: PolicyChoice;
  /** Automatic rotation every so many days (moto takes no rotation function without Lambda, and enables rotation only for AutomaticallyAfterDays). */
  rotationDays?: number;
  tags?: Record<string, string>;
  scheduledForDeletion?: boolean;
  /** Created in this region and replicated into the swept one. */
  replicaOf?: string;
}

const team = (t: string) => ({ team: t, owner: `${t}@example.com` });
// An exemption runs at most maxExemptionDays (365) from now: the demo's is half a year from the day it is seeded.
const IN_SIX_MONTHS = new Date(Date.now() + 182 * 86_400_000).toISOString().slice(0, 10);

export const DEMO_SECRETS: SeedSecret[] = [
  { name: 'prod/orders/db-credentials', description: 'Orders database, rotated monthly', key: 'prod', rotationDays: 30, tags: team('orders'), policy: 'org' },
  { name: 'prod/payments/db-credentials', description: 'Payments database', key: 'prod', rotationDays: 30, tags: team('payments') },
  { name: 'prod/inventory/db-credentials', description: 'Inventory database', key: 'prod', rotationDays: 7, tags: team('inventory') },
  { name: 'prod/search/db-credentials', description: 'Search cluster', key: 'prod', rotationDays: 14, tags: team('search'), policy: 'vpce' },
  { name: 'prod/identity/signing-key', description: 'Token signing key', key: 'prod', rotationDays: 90, tags: team('identity') },
  { name: 'prod/billing/db-credentials', description: 'Billing database', key: 'prod', rotationDays: 30, tags: team('billing'), policy: 'trusted-account' },
  { name: 'staging/orders/db-credentials', description: 'Staging orders database', key: 'prod', rotationDays: 30, tags: team('orders') },
  { name: 'prod/payments/stripe-api-key', description: 'Third-party API key, rotated by hand', key: 'prod', tags: team('payments') },
  { name: 'prod/notifications/twilio-token', description: 'SMS provider token', key: 'aws-default', tags: team('notifications') },
  { name: 'prod/analytics/warehouse-password', description: 'Warehouse service user', key: 'aws-alias', tags: team('analytics') },
  { name: 'prod/legacy/ftp-password', description: 'Partner FTP drop, nobody remembers', key: 'aws-default' },
  { name: 'prod/reports/smtp-password', description: 'Mail relay', key: 'disabled', rotationDays: 30, tags: team('reports') },
  { name: 'prod/archive/s3-hmac', description: 'Archive bucket HMAC key', key: 'pending-deletion', tags: team('archive') },
  { name: 'prod/marketing/webhook-secret', description: 'Webhook shared secret made public by mistake', key: 'prod', policy: 'public', tags: team('marketing') },
  { name: 'prod/partners/feed-token', description: 'Partner feed token shared with an unvetted account', key: 'prod', policy: 'cross-account', tags: team('partners') },
  { name: 'prod/partners/acme-token', description: 'Token shared with a trusted partner account', key: 'prod', policy: 'trusted-account', tags: team('partners'), rotationDays: 30 },
  { name: 'prod/shared/readonly-db', description: 'Read-only database user for the organisation', key: 'prod', policy: 'org', rotationDays: 30, tags: team('data') },
  { name: 'prod/shared/other-org-token', description: 'Shared with another organisation', key: 'prod', policy: 'other-org', tags: team('data') },
  { name: 'prod/ml/feature-store-key', description: 'Policy allows any account through a wildcard ARN', key: 'prod', policy: 'wildcard-account', tags: team('ml') },
  { name: 'prod/security/break-glass', description: 'Break-glass credentials guarded by a Deny', key: 'prod', policy: 'deny-only', rotationDays: 1, tags: team('security') },
  { name: 'prod/ci/deploy-token', description: 'CI deploy token, untagged', key: 'prod', rotationDays: 30 },
  { name: 'prod/ci/npm-token', description: 'Package registry token, owner tag missing', key: 'prod', tags: { team: 'ci' } },
  { name: 'prod/old/batch-credentials', description: 'Retired batch job, deletion scheduled', key: 'prod', scheduledForDeletion: true, tags: team('batch') },
  { name: 'prod/old/reporting-db', description: 'Retired reporting database, deletion scheduled', key: 'aws-default', scheduledForDeletion: true },
  { name: 'prod/global/app-config', description: 'Replica of the eu-west-1 primary', key: 'prod', replicaOf: 'eu-west-1', tags: team('platform'), policy: 'org' },
  { name: 'prod/global/feature-flags-key', description: 'Replica of the eu-west-1 primary', key: 'aws-default', replicaOf: 'eu-west-1', tags: team('platform') },
  { name: 'dev/sandbox/api-key', description: 'Developer sandbox key', key: 'aws-default', tags: { team: 'dev' } },
  { name: 'prod/exempt/vendor-token', description: 'Vendor rotates this out of band', key: 'prod', tags: { ...team('vendors'), 'vigil:exempt:rotation-enabled': `${IN_SIX_MONTHS} vendor rotates out of band (TICKET-4711)` } },
  { name: 'prod/mobile/push-certificate-password', description: 'Push certificate password', key: 'prod', rotationDays: 60, tags: team('mobile') },
  { name: 'prod/data/kafka-credentials', description: 'Kafka SASL credentials', key: 'prod', rotationDays: 7, tags: team('data') },
  { name: 'prod/data/redis-auth', description: 'Redis AUTH token', key: 'prod', rotationDays: 30, tags: team('data'), policy: 'org' },
];

export function policyDocument(choice: PolicyChoice, account: string): string {
  const read = { Action: 'secretsmanager:GetSecretValue', Resource: '*' };
  const statements: Record<PolicyChoice, unknown[]> = {
    public: [{ Sid: 'AnyoneCanRead', Effect: 'Allow', Principal: '*', ...read }],
    org: [{ Sid: 'OrganisationRead', Effect: 'Allow', Principal: { AWS: '*' }, ...read, Condition: { StringEquals: { 'aws:PrincipalOrgID': TRUSTED_ORG } } }],
    'other-org': [{ Sid: 'OtherOrganisation', Effect: 'Allow', Principal: { AWS: '*' }, ...read, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-zz9yy8xx7w' } } }],
    'cross-account': [{ Sid: 'PartnerRead', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${UNTRUSTED_ACCOUNT}:role/feed-reader` }, ...read }],
    'trusted-account': [{ Sid: 'TrustedPartner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TRUSTED_ACCOUNT}:role/reader` }, ...read }],
    vpce: [{ Sid: 'ThroughEndpointOnly', Effect: 'Allow', Principal: '*', ...read, Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d4e5f67890' } } }],
    'wildcard-account': [{ Sid: 'AnyAccountsRole', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::*:role/ml-reader' }, ...read }],
    'deny-only': [{ Sid: 'DenyOutsideOrg', Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': account } } }],
  };
  return JSON.stringify({ Version: '2012-10-17', Statement: statements[choice] });
}

export interface SeededAccount {
  /** Secret name → ARN in the swept region. */
  arns: Record<string, string>;
  keys: Record<'prod' | 'disabled' | 'pending-deletion', string>;
}

export interface SeedClients {
  secretsManager: SecretsManagerClient;
  kms: KMSClient;
  /** Clients in the replicas' primary region. */
  primary?: (region: string) => { secretsManager: SecretsManagerClient };
}

/** Creates the keys and secrets of `secrets` through the real API. `valueFor` gives each secret's placeholder value. */
export async function seedAccount(clients: SeedClients, secrets: SeedSecret[], valueFor: (name: string) => string, account: string): Promise<SeededAccount> {
  const newKey = async (description: string) => {
    const metadata = (await clients.kms.send(new CreateKeyCommand({ Description: description }))).KeyMetadata;
    return { id: metadata?.KeyId as string, arn: metadata?.Arn as string };
  };
  const prod = await newKey('vigil demo: production secrets');
  const disabled = await newKey('vigil demo: disabled key');
  const pending = await newKey('vigil demo: key pending deletion');
  const keys = { prod: prod.arn, disabled: disabled.arn, 'pending-deletion': pending.arn };
  await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/prod-secrets', TargetKeyId: prod.id }));
  await clients.kms.send(new DisableKeyCommand({ KeyId: disabled.id }));
  await clients.kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending.id, PendingWindowInDays: 7 }));
  const kmsKeyId = (choice: KeyChoice): string | undefined =>
    ({ 'aws-default': undefined, 'aws-alias': 'alias/aws/secretsmanager', prod: 'alias/prod-secrets', disabled: keys.disabled, 'pending-deletion': keys['pending-deletion'] })[choice];

  const arns: Record<string, string> = {};
  for (const secret of secrets) {
    const tags = Object.entries(secret.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    if (secret.replicaOf) {
      const primary = clients.primary?.(secret.replicaOf).secretsManager;
      if (!primary) throw new Error(`seeding ${secret.name} needs a client for ${secret.replicaOf}`);
      const created = await primary.send(new CreateSecretCommand({ Name: secret.name, Description: secret.description, SecretString: valueFor(secret.name), Tags: tags }));
      if (secret.policy) await primary.send(new PutResourcePolicyCommand({ SecretId: created.ARN, ResourcePolicy: policyDocument(secret.policy, account) }));
      const region = await clients.secretsManager.config.region();
      await primary.send(new ReplicateSecretToRegionsCommand({ SecretId: created.ARN, AddReplicaRegions: [{ Region: region, ...(kmsKeyId(secret.key) ? { KmsKeyId: kmsKeyId(secret.key) } : {}) }] }));
      arns[secret.name] = (created.ARN as string).replace(`:${secret.replicaOf}:`, `:${region}:`);
      continue;
    }
    const key = kmsKeyId(secret.key);
    const created = await clients.secretsManager.send(
      new CreateSecretCommand({ Name: secret.name, Description: secret.description, SecretString: valueFor(secret.name), Tags: tags, ...(key ? { KmsKeyId: key } : {}) }),
    );
    const arn = created.ARN as string;
    arns[secret.name] = arn;
    if (secret.policy) await clients.secretsManager.send(new PutResourcePolicyCommand({ SecretId: arn, ResourcePolicy: policyDocument(secret.policy, account) }));
    if (secret.rotationDays) await clients.secretsManager.send(new RotateSecretCommand({ SecretId: arn, RotationRules: { AutomaticallyAfterDays: secret.rotationDays }, RotateImmediately: false }));
    if (secret.scheduledForDeletion) await clients.secretsManager.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));
  }
  return { arns, keys };
}
