import { afterEach, describe, expect, it } from 'vitest';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { SecretsManagerCallError, UnexpectedReplyError, secretsManager2026 } from '../../src/aws/secrets-manager-2026.js';
import { REPLICA_ARN, defaultPolicy, describeReplica, replicationPolicy, startRecordedService, type RecordedService, type Responder } from '../helpers/secrets-manager-2026.js';

let service: RecordedService | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
});

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };

async function bridgeAnswering(respond: Responder) {
  service = await startRecordedService(respond);
  return secretsManager2026(secretsManagerClient({ region: 'eu-west-1', endpoint: service.endpoint, credentials, maxAttempts: 3 }));
}

describe('the Secrets Manager 2026 bridge', () => {
  it('lists every resource policy across pages, in a signed AWS JSON 1.1 request naming the operation', async () => {
    const bridge = await bridgeAnswering((target, body) =>
      target === 'secretsmanager.ListResourcePolicies'
        ? body['NextToken'] === 'page-2'
          ? { body: { ResourcePolicies: [{ PolicyName: 'cross-account-replication' }] } }
          : { body: { ResourcePolicies: [{ PolicyName: 'default' }], NextToken: 'page-2' } }
        : undefined,
    );
    expect(await bridge.listResourcePolicies(REPLICA_ARN)).toEqual({ supported: true, value: ['default', 'cross-account-replication'] });
    const [first, second] = service?.requests ?? [];
    expect(first?.body).toEqual({ SecretId: REPLICA_ARN, MaxResults: 100 });
    expect(second?.body).toEqual({ SecretId: REPLICA_ARN, MaxResults: 100, NextToken: 'page-2' });
    expect(first?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(first?.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=[^,]*host;[^,]*x-amz-date;[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/);
    expect(first?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(first?.headers['x-amz-security-token']).toBe('session-token-example');
  });

  it('reads a resource policy by its PolicyName', async () => {
    const bridge = await bridgeAnswering((target, body) =>
      target === 'secretsmanager.GetResourcePolicy' ? { body: { ARN: REPLICA_ARN, Name: 'ledger-copy', ResourcePolicy: body['PolicyName'] === 'default' ? defaultPolicy : replicationPolicy } } : undefined,
    );
    expect(await bridge.getResourcePolicy(REPLICA_ARN, 'cross-account-replication')).toEqual({ supported: true, value: replicationPolicy });
    expect(service?.requests[0]).toMatchObject({ target: 'secretsmanager.GetResourcePolicy', body: { SecretId: REPLICA_ARN, PolicyName: 'cross-account-replication' } });
  });

  it('keeps the DescribeSecret fields the SDK drops', async () => {
    const bridge = await bridgeAnswering((target) => (target === 'secretsmanager.DescribeSecret' ? { body: describeReplica } : undefined));
    const answer = await bridge.describeSecret(REPLICA_ARN);
    expect(answer.supported && answer.value.CrossAccountPrimary).toEqual(describeReplica.CrossAccountPrimary);
  });

  it('answers "unsupported" when the endpoint does not know the operation, instead of failing', async () => {
    const bridge = await bridgeAnswering(() => undefined);
    const answer = await bridge.listResourcePolicies(REPLICA_ARN);
    expect(answer).toMatchObject({ supported: false, operation: 'ListResourcePolicies' });
    expect(answer.supported ? '' : answer.why).toContain('UnknownOperationException');
    expect(await bridgeAnswering(() => ({ status: 404, body: {} })).then((b) => b.describeSecret(REPLICA_ARN))).toMatchObject({ supported: false });
  });

  it('turns a service error into a typed error named as the SDK names it', async () => {
    const bridge = await bridgeAnswering(() => ({ status: 400, body: { __type: 'AccessDeniedException', Message: 'User is not authorized to perform: secretsmanager:ListResourcePolicies' } }));
    const error = await bridge.listResourcePolicies(REPLICA_ARN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsManagerCallError);
    expect(error).toMatchObject({ name: 'AccessDeniedException', operation: 'ListResourcePolicies', message: expect.stringContaining('not authorized') });
  });

  it('retries a throttled call and then succeeds', async () => {
    let calls = 0;
    const bridge = await bridgeAnswering(() => (++calls === 1 ? { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } } : { body: { ResourcePolicies: [] } }));
    expect(await bridge.listResourcePolicies(REPLICA_ARN)).toEqual({ supported: true, value: [] });
    expect(calls).toBe(2);
  });

  it('refuses a reply the service model does not describe', async () => {
    const bridge = await bridgeAnswering(() => ({ body: { ResourcePolicies: [{ Name: 'default' }] } }));
    await expect(bridge.listResourcePolicies(REPLICA_ARN)).rejects.toBeInstanceOf(UnexpectedReplyError);
  });
});
