import { describe, expect, it } from 'vitest';
import { evaluateSecret, evaluateSecrets } from '../../src/controls/index.js';
import { InvalidEventError, normaliseEventBridgeEvent, normaliseInput } from '../../src/events/index.js';
import { fromDescribeSecret, parseSnapshot, SnapshotError } from '../../src/inventory/index.js';
import { loadFixture } from '../helpers/fixtures.js';

const NOW = Date.UTC(2026, 10, 20) / 1000;
const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:hostile-AbCdEf';
const statement = (i: number) => ({ Sid: `S${i}`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${String(100000000000 + i).padStart(12, '0')}:role/r${i}` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' });
const judge = async (policy: string) => {
  const findings = await evaluateSecret(fromDescribeSecret({ ARN, Name: 'hostile' }, { resourcePolicy: policy }), { now: NOW });
  return Object.fromEntries(findings.map((f) => [f.controlId, f]));
};

describe('hostile input: the largest things AWS allows, and more', () => {
  it('judges a 20 KB resource policy (the AWS maximum) and names what it found', async () => {
    const statements = [];
    let policy = '';
    for (let i = 0; policy.length < 20_000; i++) {
      statements.push(statement(i));
      policy = JSON.stringify({ Version: '2012-10-17', Statement: [...statements, { Sid: 'Open', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });
    }
    expect(policy.length).toBeGreaterThanOrEqual(20_000);
    const findings = await judge(policy);
    expect(findings['no-public-principal']).toMatchObject({ status: 'FAIL', evidence: { publicStatements: ['statement "Open"'] } });
    expect(findings['no-untrusted-cross-account']?.status).toBe('FAIL');
  });

  it('judges a policy of 500 statements', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 500 }, (_, i) => statement(i)) });
    const findings = await judge(policy);
    expect(findings['no-public-principal']?.status).toBe('PASS');
    expect((findings['no-untrusted-cross-account']?.evidence['untrustedStatements'] as unknown[]).length).toBe(500);
  });

  it('reads an EventBridge event of 256 KB (the EventBridge maximum)', () => {
    const event = loadFixture<{ detail: { requestParameters: Record<string, unknown> } }>('eventbridge/PutResourcePolicy-public.json');
    event.detail.requestParameters['resourcePolicy'] = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'x'.repeat(255_000), Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });
    expect(JSON.stringify(event).length).toBeGreaterThan(255_000);
    const record = normaliseEventBridgeEvent(event);
    expect(record).toMatchObject({ kind: 'secret-api-call', eventName: 'PutResourcePolicy' });
  });

  it('refuses deep nesting with a clear error, without overflowing the stack', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 50_000; i++) deep = { a: deep };
    const event = loadFixture<{ detail: { requestParameters: Record<string, unknown> } }>('eventbridge/PutResourcePolicy-public.json');
    event.detail.requestParameters['resourcePolicy'] = deep;
    expect(() => normaliseEventBridgeEvent(event)).toThrow(InvalidEventError);
    expect(() => normaliseEventBridgeEvent(event)).toThrow('detail.requestParameters.resourcePolicy: expected string, received object');
  });

  it('reads a snapshot of 100,000 secrets and evaluates them', async () => {
    const secrets = Array.from({ length: 100_000 }, (_, i) => ({ describe: { ARN: `arn:aws:secretsmanager:us-east-1:111122223333:secret:bulk/${i}-AbCdEf`, Name: `bulk/${i}`, CreatedDate: NOW - 86_400 * 10 } }));
    const snapshot = parseSnapshot({ snapshotVersion: 1, account: '111122223333', region: 'us-east-1', capturedAt: '2026-11-20T00:00:00Z', secrets });
    expect(snapshot.secrets).toHaveLength(100_000);
    const findings = await evaluateSecrets(snapshot.secrets.slice(0, 5_000), { now: NOW });
    expect(findings).toHaveLength(5_000);
    expect(findings.every((f) => f.length === 11)).toBe(true);
  }, 120_000);

  it('refuses a snapshot secret with a missing field, naming which of 100,000', () => {
    const secrets = Array.from({ length: 100_000 }, (_, i) => ({ describe: { ARN: `arn:aws:secretsmanager:us-east-1:111122223333:secret:bulk/${i}-AbCdEf` } }));
    delete (secrets[73_412]?.describe as Record<string, unknown>)['ARN'];
    expect(() => parseSnapshot({ snapshotVersion: 1, account: '111122223333', region: 'us-east-1', capturedAt: '2026-11-20T00:00:00Z', secrets }, 'big.json')).toThrow(SnapshotError);
    expect(() => parseSnapshot({ snapshotVersion: 1, account: '111122223333', region: 'us-east-1', capturedAt: '2026-11-20T00:00:00Z', secrets }, 'big.json')).toThrow('big.json.secrets[73412].describe.ARN');
  });

  it('keeps every character AWS allows in a secret name, end to end', async () => {
    // Secret names: 1-512 of ASCII letters, digits, and /_+=.@-
    const name = `a/_+=.@-Z9${'x'.repeat(100)}`;
    const arn = `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`;
    const event = loadFixture<{ detail: { requestParameters: Record<string, unknown>; responseElements: Record<string, unknown> } }>('eventbridge/DeleteSecret-force.json');
    event.detail.requestParameters['secretId'] = arn;
    event.detail.responseElements['arn'] = arn;
    event.detail.responseElements['name'] = name;
    const batch = normaliseInput(event);
    expect(batch.records[0]).toMatchObject({ secret: { arn, name } });
    const [finding] = await evaluateSecret(fromDescribeSecret({ ARN: arn, Name: name }), { now: NOW });
    expect(finding?.resource).toMatchObject({ arn, name });
  });
});
