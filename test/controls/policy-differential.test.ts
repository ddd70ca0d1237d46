import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modelVerdict } from '../../fuzz/policy-model.js';
import { POLICY_ORG, POLICY_OWN, POLICY_SECRET_ARN, POLICY_TRUSTED, policyDisagreement, policyDocument, policyJudge } from '../../fuzz/properties.js';
import { findPolicyDir, loadPolicyFile } from '../../src/controls/index.js';
import { join } from 'node:path';

const judge = policyJudge(loadPolicyFile(join(findPolicyDir(), 'policy.wasm')));
const verdict = (d: Record<string, unknown>) => modelVerdict(d, POLICY_OWN, [POLICY_TRUSTED], [POLICY_ORG], POLICY_SECRET_ARN);
const statementsOf = (d: Record<string, unknown>) => (Array.isArray(d['Statement']) ? (d['Statement'] as Record<string, unknown>[]) : [d['Statement'] as Record<string, unknown>]);

describe('the Rego analysis and an independent model of DESIGN.md agree', () => {
  it('on 4,000 generated policies', () => {
    const documents = fc.sample(policyDocument, { numRuns: 4_000 });
    const disagreements = documents.map((d) => policyDisagreement(d, judge)).filter((d) => d !== undefined);
    expect(disagreements.slice(0, 3)).toEqual([]);
    const verdicts = documents.map(verdict);
    // The generator reaches every verdict, so agreement means something.
    expect(new Set(verdicts.filter((v) => !v.error).map((v) => `${v.public}/${v.untrusted}`))).toEqual(new Set(['true/true', 'false/true', 'false/false']));
    // ... and the classes a review found wrong: a Deny that bounds a public Allow, a StringLike ARN with a wildcard before
    // its account, a policy variable before it, unquoted account numbers, principals under other keys.
    const rescuedByDeny = documents.filter((d) => {
      const allows = statementsOf(d).filter((s) => s['Effect'] === 'Allow');
      return statementsOf(d).some((s) => s['Effect'] === 'Deny') && !verdict(d).public && allows.some((s) => verdict({ Statement: [s] }).public);
    });
    expect(rescuedByDeny.length).toBeGreaterThan(20);
    const text = documents.map((d) => JSON.stringify(d));
    expect(text.filter((t) => t.includes('"StringLike":{"aws:') && t.includes('arn:aws:iam:*:')).length).toBeGreaterThan(10);
    expect(text.filter((t) => t.includes('${aws:PrincipalTag/p}')).length).toBeGreaterThan(10);
    expect(text.filter((t) => /":\[?111122223333\b/.test(t)).length).toBeGreaterThan(10);
    expect(text.filter((t) => t.includes('"Federated"') || t.includes('"CanonicalUser"')).length).toBeGreaterThan(10);
  });

  it('the model itself calls the reviewed cases as DESIGN.md does', () => {
    const open = { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' };
    const deny = { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalOrgID': POLICY_ORG } } };
    expect(verdict({ Statement: [open, deny] })).toEqual({ public: false, untrusted: false, error: false });
    expect(verdict({ Statement: [open, { ...deny, Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' } } }] })).toEqual({ public: false, untrusted: true, error: false });
    expect(verdict({ Statement: [{ ...open, Principal: '*', Condition: { StringLike: { 'aws:PrincipalArn': `arn:aws:iam:*:${POLICY_OWN}:*` } } }] })).toEqual({ public: true, untrusted: true, error: false });
    expect(verdict({ Statement: [{ ...open, Principal: { AWS: 444455556666 } }] })).toEqual({ public: false, untrusted: true, error: false });
  });
});
