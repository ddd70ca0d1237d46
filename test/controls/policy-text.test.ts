import { describe, expect, it } from 'vitest';
import { evaluateSecrets, MAX_POLICY_DEPTH, policyTextProblem } from '../../src/controls/index.js';
import { parseSnapshot } from '../../src/inventory/index.js';

const NOW = Date.UTC(2026, 10, 20) / 1000;
const open = '{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}';

describe('a resource policy text vigil must not judge', () => {
  it('finds a key given twice, wherever it is, and says where', () => {
    expect(policyTextProblem(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`)).toBe(
      'its text repeats the key "Effect" in Statement[0], and which one AWS reads is not vigil\'s to guess',
    );
    expect(policyTextProblem(`{"Statement":[${open},{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5","aws:PrincipalOrgID":"o-zzzzzzzzzz"}}}]}`)).toContain(
      'repeats the key "aws:PrincipalOrgID" in Statement[1].Condition.StringEquals',
    );
    expect(policyTextProblem('{"Statement":[],"Statement":[]}')).toContain('repeats the key "Statement" at the top level');
  });

  it('reads a key as JSON does: an escaped duplicate is a duplicate', () => {
    expect(policyTextProblem('{"Statement":[{"Effect":"Deny","\\u0045ffect":"Allow"}]}')).toContain('repeats the key "Effect"');
  });

  it('finds condition keys that differ only in case (IAM reads them as one)', () => {
    expect(policyTextProblem('{"Statement":{"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5","aws:principalorgid":"o-zzzzzzzzzz"}}}}')).toBe(
      'its text has the keys "aws:PrincipalOrgID" and "aws:principalorgid" in Statement.Condition.StringEquals, which differ only in case, and which one AWS reads is not vigil\'s to guess',
    );
  });

  it('is not fooled by braces, quotes and keys inside strings, nor by the same key in different objects', () => {
    expect(policyTextProblem(`{"Statement":[{"Sid":"a{[\\"Sid\\":","Effect":"Allow"},{"Sid":"b","Effect":"Allow"}]}`)).toBeUndefined();
    expect(policyTextProblem(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ['a', 'b'] }, Action: ['x'], Resource: '*', Condition: { StringEquals: { k: ['v'] } } }] }))).toBeUndefined();
  });

  it('refuses nesting deeper than IAM\'s grammar, and accepts its deepest', () => {
    expect(MAX_POLICY_DEPTH).toBe(6);
    expect(policyTextProblem('{"Statement":[{"Condition":{"StringEquals":{"k":["v"]}}}]}')).toBeUndefined();
    expect(policyTextProblem('{"Statement":[{"Condition":{"StringEquals":{"k":[["v"]]}}}]}')).toBe("its text nests deeper than the 6 levels of IAM's policy grammar in Statement[0].Condition.StringEquals.k[0]");
  });

  it('leaves text that is not JSON to the parser', () => {
    expect(policyTextProblem('{not json')).toBeUndefined();
  });
});

describe('a sweep over hostile resource policies', () => {
  // 10,000 nested objects: before the depth check, this overflowed the stack and stopped the whole sweep.
  const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
  const snapshot = parseSnapshot({
    snapshotVersion: 1,
    account: '111122223333',
    region: 'us-east-1',
    capturedAt: '2026-11-20T00:00:00Z',
    secrets: [
      { describe: { ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:deep-AbCdEf', Name: 'deep' }, resourcePolicy: `{"Version":"2012-10-17","Statement":${deep}}` },
      { describe: { ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:twice-AbCdEf', Name: 'twice' }, resourcePolicy: `{"Statement":[{"Effect":"Deny","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}` },
      { describe: { ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:open-AbCdEf', Name: 'open' }, resourcePolicy: `{"Statement":[${open}]}` },
    ],
  });

  it('judges every secret: ERROR for a policy too deep or with a duplicate key, the others as usual', async () => {
    const findings = await evaluateSecrets(snapshot.secrets, { now: NOW, controlIds: ['no-public-principal', 'no-untrusted-cross-account'] });
    const [deepFindings, twiceFindings, openFindings] = findings;
    expect(deepFindings?.map((f) => f.status)).toEqual(['ERROR', 'ERROR']);
    expect(deepFindings?.[0]?.reason).toBe("The resource policy could not be read (its text nests deeper than the 6 levels of IAM's policy grammar in Statement.a.a.a.a.a).");
    expect(twiceFindings?.map((f) => f.status)).toEqual(['ERROR', 'ERROR']);
    expect(twiceFindings?.[0]?.reason).toContain('repeats the key "Effect" in Statement[0]');
    expect(openFindings?.map((f) => f.status)).toEqual(['FAIL', 'FAIL']);
  });
});
