import { createServer, type Server } from 'node:http';

// A local Secrets Manager endpoint answering, from recorded secrets, what moto lacks since 2026: DescribeSecret with
// CrossAccountReplicas / CrossAccountPrimary / Type, ListResourcePolicies, GetResourcePolicy by PolicyName — plus the
// ListSecrets that lists them. Shapes as the service model says (AWS JSON 1.1, dates as epoch seconds, errors with
// __type); any other operation gets UnknownOperationException, as AWS answers one it does not know. Never a value.

/** One recorded secret: DescribeSecret's answer as the service sends it, and every resource policy by name. */
export interface RecordedSecret {
  describe: { ARN: string; Name: string } & Record<string, unknown>;
  policies: Record<string, string>;
}

export interface RecordedSecretsManager {
  endpoint: string;
  stop: () => Promise<void>;
}

// ListSecrets shows a secret's summary, not what only DescribeSecret shows (cross-account links, the partner type).
const LIST_FIELDS = ['ARN', 'Name', 'Description', 'KmsKeyId', 'RotationEnabled', 'RotationLambdaARN', 'RotationRules', 'LastRotatedDate', 'LastChangedDate', 'LastAccessedDate', 'DeletedDate', 'NextRotationDate', 'Tags', 'OwningService', 'CreatedDate', 'PrimaryRegion'];

function listEntry(describe: RecordedSecret['describe']): Record<string, unknown> {
  const entry = Object.fromEntries(LIST_FIELDS.filter((f) => describe[f] !== undefined).map((f) => [f, describe[f]]));
  // The one field the two answers name differently.
  if (describe['VersionIdsToStages'] !== undefined) entry['SecretVersionsToStages'] = describe['VersionIdsToStages'];
  return entry;
}

type Reply = { status: number; body: unknown };
const notFound: Reply = { status: 400, body: { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." } };

function answer(secrets: readonly RecordedSecret[], byId: Map<string, RecordedSecret>, target: string, body: Record<string, unknown>): Reply {
  const operation = target.replace(/^secretsmanager\./, '');
  if (operation === 'ListSecrets') {
    const start = Number(body['NextToken'] ?? 0);
    const size = Number(body['MaxResults'] ?? 100);
    const page = secrets.slice(start, start + size).map((s) => listEntry(s.describe));
    return { status: 200, body: { SecretList: page, ...(start + size < secrets.length ? { NextToken: String(start + size) } : {}) } };
  }
  const secret = byId.get(String(body['SecretId']));
  if (operation === 'DescribeSecret') return secret ? { status: 200, body: secret.describe } : notFound;
  if (operation === 'ListResourcePolicies') return secret ? { status: 200, body: { ResourcePolicies: Object.keys(secret.policies).map((PolicyName) => ({ PolicyName })) } } : notFound;
  if (operation === 'GetResourcePolicy') {
    if (!secret) return notFound;
    const text = secret.policies[String(body['PolicyName'] ?? 'default')];
    return { status: 200, body: { ARN: secret.describe.ARN, Name: secret.describe.Name, ...(text === undefined ? {} : { ResourcePolicy: text }) } };
  }
  return { status: 400, body: { __type: 'com.amazon.coral.service#UnknownOperationException' } };
}

export async function startRecordedSecretsManager(secrets: readonly RecordedSecret[]): Promise<RecordedSecretsManager> {
  const byId = new Map<string, RecordedSecret>();
  for (const s of secrets) byId.set(s.describe.ARN, s).set(s.describe.Name, s);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = answer(secrets, byId, String(req.headers['x-amz-target'] ?? ''), JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>);
      res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
