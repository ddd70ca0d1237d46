import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

// Recorded Secrets Manager answers for what moto and the SDK served here lack, shaped as the service model of botocore
// 1.44.2+ and the API reference say (AWS JSON 1.1: dates are epoch seconds, errors carry __type).

export interface RecordedRequest {
  target: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export type Reply = { status?: number; body: unknown };
export type Responder = (target: string, body: Record<string, unknown>) => Reply | undefined;

export interface RecordedService {
  endpoint: string;
  requests: RecordedRequest[];
  stop: () => Promise<void>;
}

/** A local endpoint answering from `respond`; an operation it has no answer for gets AWS's UnknownOperationException. */
export async function startRecordedService(respond: Responder): Promise<RecordedService> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const target = String(req.headers['x-amz-target'] ?? '');
      requests.push({ target, headers: req.headers, body });
      const reply = respond(target, body) ?? { status: 400, body: { __type: 'com.amazon.coral.service#UnknownOperationException' } };
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { endpoint: `http://127.0.0.1:${port}`, requests, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

export const PRIMARY_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/ledger-Ab12Cd';
export const REPLICA_ARN = 'arn:aws:secretsmanager:us-east-1:999988887777:secret:ledger-copy-Ef34Gh';

/** DescribeSecret of a primary with a cross-account replica, as the service sends it. */
export const describePrimary = {
  ARN: PRIMARY_ARN,
  Name: 'prod/db/ledger',
  KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  RotationEnabled: false,
  LastChangedDate: 1.7643456e9,
  CreatedDate: 1.7355744e9,
  Tags: [{ Key: 'team', Value: 'ledger' }],
  VersionIdsToStages: { 'a1b2c3d4-0000-4000-8000-000000000001': ['AWSCURRENT'] },
  CrossAccountReplicas: [{ ReplicaSecretARN: REPLICA_ARN, ReplicationStatus: 'InSync', ReplicationRoleARN: 'arn:aws:iam::111122223333:role/ledger-replication' }],
};

/** DescribeSecret of the replica in the other account. */
export const describeReplica = {
  ARN: REPLICA_ARN,
  Name: 'ledger-copy',
  KmsKeyId: 'arn:aws:kms:us-east-1:999988887777:key/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
  CreatedDate: 1.7643456e9,
  CrossAccountPrimary: { PrimarySecretARN: PRIMARY_ARN, ReplicationStatus: 'Failed', StatusMessage: 'The replica secret KMS key does not allow kms:Encrypt.' },
};

export const replicationPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'CrossAccountReplication', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: ['secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'], Resource: '*' }],
});

export const defaultPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:role/app' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
});
