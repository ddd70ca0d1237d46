import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modelVerdict } from '../../fuzz/policy-model.js';
import { evaluateSecrets, parseParams } from '../../src/controls/index.js';
import { fromDescribeSecret } from '../../src/inventory/index.js';

const OWN = '111122223333';
const TRUSTED = '222233334444';
const ORG = 'o-a1b2c3d4e5';
const params = parseParams({ trustedAccounts: [TRUSTED], trustedOrgIds: [ORG] });

// Statements drawn from the vocabulary where tools go wrong: qualifiers, negations, wildcards, case, networks, lists.
const account = fc.constantFrom(OWN, TRUSTED, '444455556666', '*', '11112222333?');
const principalValue = fc.oneof(fc.constant('*'), account.map((a) => `arn:aws:iam::${a}:root`), account.filter((a) => /^\d{12}$/.test(a)), account.map((a) => `arn:aws:iam::${a}:role/app`));
const principal = fc.oneof(
  fc.constant('*'),
  principalValue.map((v) => ({ AWS: v })),
  fc.array(principalValue, { minLength: 1, maxLength: 3 }).map((v) => ({ AWS: v })),
  fc.constant({ Service: 'lambda.amazonaws.com' }),
);
const operator = fc.constantFrom('StringEquals', 'StringLike', 'StringEqualsIgnoreCase', 'ForAnyValue:StringLike', 'ForAllValues:StringEquals', 'StringEqualsIfExists', 'StringNotEquals', 'ArnLike', 'ArnEquals', 'ArnNotLike', 'IpAddress', 'NotIpAddress', 'Bool');
const keyAndValue = fc.oneof(
  fc.tuple(fc.constantFrom('aws:PrincipalOrgID', 'aws:principalorgid', 'AWS:SourceOrgID'), fc.constantFrom(ORG, 'o-zzzzzzzzzz', 'o-*', '*')),
  fc.tuple(fc.constantFrom('aws:PrincipalAccount', 'aws:SourceAccount', 'aws:sourceowner'), account),
  fc.tuple(fc.constantFrom('aws:PrincipalOrgPaths', 'aws:SourceOrgPaths'), fc.constantFrom(`${ORG}/r-ab12/*`, '*/r-ab12/*', 'o-zzzzzzzzzz/*')),
  fc.tuple(fc.constantFrom('aws:PrincipalArn', 'aws:SourceArn'), fc.oneof(account.map((a) => `arn:aws:iam::${a}:role/app`), fc.constant('arn:aws:s3:::bucket'))),
  fc.tuple(fc.constant('aws:SourceIp'), fc.constantFrom('10.0.0.0/8', '10.1.2.0/24', '192.168.1.1', '172.16.0.0/12', '172.32.0.0/16', '203.0.113.0/24', '0.0.0.0/0')),
  fc.tuple(fc.constantFrom('aws:SourceVpce', 'aws:sourcevpc'), fc.constantFrom('vpce-0a1b2c3d', 'vpc-1234abcd', 'vpce-*', 'vpc-*')),
  fc.tuple(fc.constant('aws:SecureTransport'), fc.constant('true')),
);
const condition = fc.array(fc.tuple(operator, keyAndValue, fc.boolean()), { maxLength: 2 }).map((entries) => {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [op, [key, value], asList] of entries) (out[op] ??= {})[key] = asList ? [value] : value;
  return out;
});
const statement = fc.record({
  effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
  who: fc.oneof({ weight: 5, arbitrary: principal.map((p) => ({ Principal: p })) }, { weight: 1, arbitrary: principalValue.map((v) => ({ NotPrincipal: { AWS: v } })) }),
  condition,
}).map(({ effect, who, condition }) => ({ Effect: effect, ...who, Action: 'secretsmanager:GetSecretValue', Resource: '*', ...(Object.keys(condition).length ? { Condition: condition } : {}) }));
const document = fc.oneof(statement.map((s) => ({ Version: '2012-10-17', Statement: s })), fc.array(statement, { minLength: 1, maxLength: 3 }).map((s) => ({ Version: '2012-10-17', Statement: s })));

describe('the Rego analysis and an independent model of DESIGN.md agree', () => {
  it('on 4,000 generated policies', async () => {
    const documents = fc.sample(document, { numRuns: 4_000 });
    const states = documents.map((d, i) => fromDescribeSecret({ ARN: `arn:aws:secretsmanager:us-east-1:${OWN}:secret:diff-${i}-AbCdEf`, Name: `diff-${i}` }, { resourcePolicy: JSON.stringify(d) }));
    const findings = await evaluateSecrets(states, { now: Date.UTC(2026, 10, 20) / 1000, params });
    const disagreements = documents.flatMap((d, i) => {
      const status = (id: string) => findings[i]?.find((f) => f.controlId === id)?.status;
      const rego = { public: status('no-public-principal') === 'FAIL', untrusted: status('no-untrusted-cross-account') === 'FAIL' };
      const model = modelVerdict(d as Record<string, unknown>, OWN, [TRUSTED], [ORG]);
      return rego.public === model.public && rego.untrusted === model.untrusted ? [] : [{ policy: d, rego, model }];
    });
    expect(disagreements.slice(0, 3)).toEqual([]);
    const verdicts = documents.map((d) => modelVerdict(d as Record<string, unknown>, OWN, [TRUSTED], [ORG]));
    // The generator reaches every verdict, so agreement means something.
    expect(new Set(verdicts.map((v) => `${v.public}/${v.untrusted}`))).toEqual(new Set(['true/true', 'false/true', 'false/false']));
  });
});
