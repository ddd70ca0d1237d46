import { kmsClient } from '../aws/clients/kms.js';
import { secretsManagerClient } from '../aws/clients/secrets-manager.js';
import { evaluateSecrets, type ControlParams } from '../controls/index.js';
import { readInventory } from '../inventory/index.js';
import { startRecordedSecretsManager, type RecordedSecret } from './recorded-secrets-manager.js';

// What moto cannot hold (cross-account replication, several resource policies, 2026): two recorded secrets, read through the
// same sweep code as a real account, and judged by the same controls.

const ACCOUNT = '123456789012';
const OUTSIDER = '999988887777';
const policy = (sid: string, principal: string, action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Allow', Principal: { AWS: principal }, Action: action, Resource: '*' }] });

export const RECORDED_2026: RecordedSecret[] = [
  {
    describe: {
      ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/ledger/db-credentials-Lg12Db`,
      Name: 'prod/ledger/db-credentials',
      KmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d`,
      CreatedDate: 1.7355744e9,
      LastChangedDate: 1.7643456e9,
      Tags: [{ Key: 'team', Value: 'ledger' }, { Key: 'owner', Value: 'ledger-oncall' }],
      CrossAccountReplicas: [{ ReplicaSecretARN: `arn:aws:secretsmanager:us-east-1:${OUTSIDER}:secret:ledger-copy-Ef34Gh`, ReplicationStatus: 'InSync', ReplicationRoleARN: `arn:aws:iam::${ACCOUNT}:role/ledger-replication` }],
    },
    policies: { default: policy('AppReads', `arn:aws:iam::${ACCOUNT}:role/ledger-app`, 'secretsmanager:GetSecretValue') },
  },
  {
    describe: {
      ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:shared/partner-token-Pt56Rk`,
      Name: 'shared/partner-token',
      KmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a`,
      CreatedDate: 1.7355744e9,
      LastChangedDate: 1.7643456e9,
      Tags: [{ Key: 'team', Value: 'partners' }, { Key: 'owner', Value: 'partners-oncall' }],
      CrossAccountPrimary: { PrimarySecretARN: `arn:aws:secretsmanager:us-east-1:${OUTSIDER}:secret:partner-token-Ab12Cd`, ReplicationStatus: 'Detached', StatusMessage: 'Replication was stopped by the primary secret\'s account.' },
    },
    policies: {
      default: policy('AppReads', `arn:aws:iam::${ACCOUNT}:role/partner-app`, 'secretsmanager:GetSecretValue'),
      'cross-account-replication': policy('CrossAccountReplication', `arn:aws:iam::${OUTSIDER}:root`, 'secretsmanager:PutSecretValue'),
    },
  },
];

const SHOWN = ['no-untrusted-replica', 'replication-healthy', 'no-untrusted-cross-account'];

/** Sweeps the recorded secrets and returns one line per failing finding of the cross-account controls. */
export async function replicationFindings(params: ControlParams, now: number): Promise<string[]> {
  const service = await startRecordedSecretsManager(RECORDED_2026);
  try {
    const aws = { region: 'us-east-1', endpoint: service.endpoint, credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' }, maxAttempts: 3 };
    // Keys are not recorded: kms:DescribeKey answers UnknownOperation, which only the key control would judge.
    const inventory = await readInventory({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws) });
    const findings = (await evaluateSecrets(inventory.states, { now, params, controlIds: SHOWN })).flat();
    return findings.filter((f) => f.status === 'FAIL').map((f) => `${f.severity} ${f.controlId} on ${f.resource.name}: ${f.reason}`);
  } finally {
    await service.stop();
  }
}
