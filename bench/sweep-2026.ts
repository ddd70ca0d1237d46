import { kmsClient } from '../src/aws/clients/kms.js';
import { secretsManagerClient } from '../src/aws/clients/secrets-manager.js';
import { startRecordedSecretsManager, type RecordedSecret } from '../src/demo/recorded-secrets-manager.js';
import { readInventory } from '../src/inventory/index.js';
import type { Metric } from './metrics.js';

// The sweep as it reads a real account since 2026 — DescribeSecret, ListResourcePolicies and GetResourcePolicy by name for
// every secret, each operation its own quota (50/s) — against a local endpoint answering all of them from recorded secrets
// in the service model's shapes. moto knows no ListResourcePolicies, so the emulator suite (`sweep`) cannot show this.

const SECRETS = 1000;
const QUOTA = 50;
/** Every REPLICA_EVERY-th secret is a cross-account replica, carrying Secrets Manager's own second policy. */
const REPLICA_EVERY = 10;
const ACCOUNT = '111122223333';
const PRIMARY_ACCOUNT = '444455556666';

const policy = (principal: string, action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: action, Resource: '*' }] });

function recorded(i: number): RecordedSecret {
  const replica = i % REPLICA_EVERY === 0;
  const primary = `arn:aws:secretsmanager:us-east-1:${PRIMARY_ACCOUNT}:secret:bench/primary-${i}-Ef34Gh`;
  return {
    describe: {
      ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:bench/secret-${i}-Ab12Cd`,
      Name: `bench/secret-${i}`,
      KmsKeyId: 'alias/aws/secretsmanager',
      CreatedDate: 1.7355744e9,
      LastChangedDate: 1.7643456e9,
      RotationEnabled: false,
      VersionIdsToStages: { 'a1b2c3d4-0000-4000-8000-000000000001': ['AWSCURRENT'] },
      ...(replica ? { CrossAccountPrimary: { PrimarySecretARN: primary, ReplicationStatus: 'InSync' } } : {}),
    },
    policies: {
      default: policy(`arn:aws:iam::${ACCOUNT}:role/app`, 'secretsmanager:GetSecretValue'),
      ...(replica ? { 'cross-account-replication': policy(`arn:aws:iam::${PRIMARY_ACCOUNT}:root`, 'secretsmanager:PutSecretValue') } : {}),
    },
  };
}

export async function benchSweep2026(): Promise<Metric[]> {
  const service = await startRecordedSecretsManager(Array.from({ length: SECRETS }, (_, i) => recorded(i)));
  try {
    const aws = { region: 'us-east-1', endpoint: service.endpoint, maxAttempts: 3 };
    const start = performance.now();
    const inventory = await readInventory({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), policyRatePerSecond: QUOTA, concurrency: 16 });
    const seconds = (performance.now() - start) / 1000;
    const calls = inventory.apiCalls;
    // Each operation has its own quota: the sweep can go no faster than its busiest operation at 50/s.
    const busiest = Math.max(calls.describeSecret, calls.listResourcePolicies, calls.getResourcePolicy);
    const total = calls.listSecrets + calls.describeSecret + calls.listResourcePolicies + calls.getResourcePolicy + calls.describeKey + calls.listAliases;
    const n = inventory.states.length;
    const withTwoPolicies = inventory.states.filter((s) => Object.keys(s.otherResourcePolicies ?? {}).length > 0).length;
    if (n !== SECRETS || withTwoPolicies !== SECRETS / REPLICA_EVERY) throw new Error(`sweep-2026 bench read ${n} secrets, ${withTwoPolicies} with a second policy`);
    return [
      { metric: 'sweep.quota_bound_ratio.all_operations', value: seconds / (busiest / QUOTA), unit: `wall / (busiest operation's calls ÷ ${QUOTA}/s), N=${n}, ${busiest} GetResourcePolicy; every 2026 read, one limiter each`, target: { op: '<=', value: 1.1 } },
      { metric: 'sweep.api_calls_per_secret.all_operations', value: total / n, unit: `calls/secret: ListSecrets ${calls.listSecrets} + DescribeSecret ${calls.describeSecret} + ListResourcePolicies ${calls.listResourcePolicies} + GetResourcePolicy ${calls.getResourcePolicy} (1 in ${REPLICA_EVERY} a replica with 2 policies)` },
    ];
  } finally {
    await service.stop();
  }
}
