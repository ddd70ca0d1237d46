import { describe, expect, it } from 'vitest';
import { evaluateSecret, parseParams } from '../../src/controls/index.js';
import { fromDescribeSecret } from '../../src/inventory/index.js';

const OWN = '111122223333';
const TRUSTED = '222233334444';
const STRANGER = '444455556666';
const ORG = 'o-a1b2c3d4e5';
const params = parseParams({ trustedAccounts: [TRUSTED], trustedOrgIds: [ORG] });
const now = Date.UTC(2026, 10, 20) / 1000;

type Statement = Record<string, unknown>;
const allow = (Principal: unknown, Condition?: Record<string, unknown>, extra: Statement = {}): Statement => ({
  Effect: 'Allow',
  Principal,
  Action: 'secretsmanager:GetSecretValue',
  Resource: '*',
  ...(Condition ? { Condition } : {}),
  ...extra,
});

const denyOutside = (Condition: Record<string, unknown>, extra: Statement = {}): Statement => ({ Sid: 'DenyOutside', Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition, ...extra });

// [what the statement is, the statement (or a whole policy document), public?, reaches an untrusted account?]
const cases: [string, Statement | { policy: unknown }, boolean, boolean][] = [
  ['Principal "*" with no condition', allow('*'), true, true],
  ['{"AWS": "*"} with no condition', allow({ AWS: '*' }), true, true],
  ['"*" hidden in a list of AWS principals', allow({ AWS: [`arn:aws:iam::${OWN}:root`, '*'] }), true, true],
  ['an ARN with "*" as its account', allow({ AWS: 'arn:aws:iam::*:role/reader' }), true, true],
  ['an ARN with a "?" in its account', allow({ AWS: 'arn:aws:iam::11112222333?:root' }), true, true],
  ['NotPrincipal with Allow', { Effect: 'Allow', NotPrincipal: { AWS: `arn:aws:iam::${OWN}:root` }, Action: '*', Resource: '*' }, true, true],
  ['Deny with Principal "*"', { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }, false, false],
  ['Deny with NotPrincipal', { Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${OWN}:root` }, Action: '*', Resource: '*' }, false, false],
  ['own account root ARN', allow({ AWS: `arn:aws:iam::${OWN}:root` }), false, false],
  ['own account ID shorthand', allow({ AWS: OWN }), false, false],
  ['own role ARN', allow({ AWS: `arn:aws:iam::${OWN}:role/app` }), false, false],
  ['trusted account ID shorthand', allow({ AWS: TRUSTED }), false, false],
  ['untrusted account ID shorthand', allow({ AWS: STRANGER }), false, true],
  ['untrusted role ARN', allow({ AWS: `arn:aws:iam::${STRANGER}:role/partner` }), false, true],
  ['one untrusted among trusted principals', allow({ AWS: [OWN, TRUSTED, `arn:aws:iam::${STRANGER}:root`] }), false, true],
  ['a service principal', allow({ Service: 'lambda.amazonaws.com' }), false, false],
  ['"*" bounded by aws:PrincipalOrgID (trusted org)', allow('*', { StringEquals: { 'aws:PrincipalOrgID': ORG } }), false, false],
  ['"*" bounded by aws:PrincipalOrgID (other org)', allow('*', { StringEquals: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' } }), false, true],
  ['"*" bounded by a lower-case condition key', allow('*', { StringEquals: { 'aws:principalorgid': ORG } }), false, false],
  ['"*" bounded by aws:PrincipalAccount (own)', allow('*', { StringEquals: { 'aws:PrincipalAccount': OWN } }), false, false],
  ['"*" bounded by aws:PrincipalAccount (stranger)', allow('*', { StringEquals: { 'aws:PrincipalAccount': [STRANGER] } }), false, true],
  ['"*" bounded by StringEqualsIgnoreCase aws:PrincipalAccount', allow('*', { StringEqualsIgnoreCase: { 'aws:PrincipalAccount': OWN } }), false, false],
  ['"*" bounded by aws:SourceAccount', allow('*', { StringEquals: { 'aws:SourceAccount': OWN } }), false, false],
  ['"*" bounded by aws:SourceOwner', allow('*', { StringEquals: { 'aws:SourceOwner': TRUSTED } }), false, false],
  ['"*" bounded by aws:PrincipalArn in own account', allow('*', { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/app-*` } }), false, false],
  ['"*" bounded by aws:PrincipalArn with a wildcard account', allow('*', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/app' } }), true, true],
  ['"*" bounded by aws:SourceArn in own account', allow('*', { ArnEquals: { 'aws:SourceArn': `arn:aws:lambda:us-east-1:${OWN}:function:reader` } }), false, false],
  ['"*" with aws:SourceArn of an S3 bucket (no account in the ARN)', allow('*', { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::reports-bucket' } }), true, true],
  ['"*" bounded by ForAnyValue:StringLike aws:PrincipalOrgPaths', allow('*', { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/ou-ab12-11111111/*`] } }), false, false],
  ['"*" with a wildcard where the org stands in aws:PrincipalOrgPaths', allow('*', { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['*/r-ab12/*'] } }), true, true],
  ['"*" with a wildcard org ID', allow('*', { StringLike: { 'aws:PrincipalOrgID': 'o-*' } }), true, true],
  ['"*" with ForAllValues: on the single-valued aws:PrincipalOrgID', allow('*', { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': ORG } }), true, true],
  ['"*" with StringEqualsIfExists', allow('*', { StringEqualsIfExists: { 'aws:PrincipalAccount': OWN } }), true, true],
  ['"*" with a negated operator', allow('*', { StringNotEquals: { 'aws:PrincipalAccount': STRANGER } }), true, true],
  ['"*" with ArnNotLike', allow('*', { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${STRANGER}:*` } }), true, true],
  ['"*" with only a Bool condition', allow('*', { Bool: { 'aws:SecureTransport': 'true' } }), true, true],
  ['"*" bounded to private aws:SourceIp ranges', allow('*', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '172.16.4.0/24'] } }), false, false],
  ['"*" with aws:SourceIp 0.0.0.0/0', allow('*', { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }), true, true],
  ['"*" with a public aws:SourceIp range', allow('*', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }), true, true],
  ['"*" with a private and a public aws:SourceIp', allow('*', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '198.51.100.7/32'] } }), true, true],
  ['"*" with NotIpAddress', allow('*', { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }), true, true],
  ['"*" bounded to a specific aws:SourceVpce', allow('*', { StringEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d4e5f67890' } }), false, false],
  ['"*" with a wildcard aws:SourceVpc', allow('*', { StringLike: { 'aws:SourceVpc': 'vpc-*' } }), true, true],
  ['"*" with two conditions, one bounding (conditions all apply)', allow('*', { Bool: { 'aws:SecureTransport': 'true' }, StringEquals: { 'aws:PrincipalOrgID': ORG } }), false, false],
  ['untrusted principal narrowed by a trusted org condition', allow({ AWS: STRANGER }, { StringEquals: { 'aws:PrincipalOrgID': ORG } }), false, false],
  ['Statement as one object, not a list', { policy: { Version: '2012-10-17', Statement: allow('*') } }, true, true],
  // An explicit Deny wins: AWS's recommended pattern, and its near misses.
  ['AWS\'s pattern: Allow {"AWS": "*"}, Deny everyone outside the trusted org', { policy: { Version: '2012-10-17', Statement: [allow({ AWS: '*' }), denyOutside({ StringNotEquals: { 'aws:PrincipalOrgID': ORG } })] } }, false, false],
  ['Allow "*", Deny everyone outside another org: private, but that org reaches it', { policy: { Version: '2012-10-17', Statement: [allow('*'), denyOutside({ StringNotEquals: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' } })] } }, false, true],
  ['Allow "*", Deny outside own account with StringNotEqualsIfExists', { policy: { Version: '2012-10-17', Statement: [allow('*'), denyOutside({ StringNotEqualsIfExists: { 'aws:PrincipalAccount': OWN } })] } }, false, false],
  ['Allow "*", a Deny with a further condition bounds nothing', { policy: { Version: '2012-10-17', Statement: [allow('*'), denyOutside({ StringNotEquals: { 'aws:PrincipalOrgID': ORG }, Bool: { 'aws:SecureTransport': 'true' } })] } }, true, true],
  ['Allow "*", a Deny with a wildcard bound bounds nothing', { policy: { Version: '2012-10-17', Statement: [allow('*'), denyOutside({ StringNotLike: { 'aws:PrincipalOrgID': 'o-*' } })] } }, true, true],
  ['Allow "*", a Deny on DescribeSecret only bounds nothing', { policy: { Version: '2012-10-17', Statement: [allow('*'), denyOutside({ StringNotEquals: { 'aws:PrincipalOrgID': ORG } }, { Action: 'secretsmanager:DescribeSecret' })] } }, true, true],
  ['Allow "*" every action, a Deny on the read only bounds nothing (the rest stays public)', { policy: { Version: '2012-10-17', Statement: [allow('*', undefined, { Action: '*' }), denyOutside({ StringNotEquals: { 'aws:PrincipalOrgID': ORG } }, { Action: 'secretsmanager:GetSecretValue' })] } }, true, true],
  ['Allow "*", a Deny whose principal is not everyone bounds nothing', { policy: { Version: '2012-10-17', Statement: [allow('*'), denyOutside({ StringNotEquals: { 'aws:PrincipalOrgID': ORG } }, { Principal: { AWS: `arn:aws:iam::${STRANGER}:root` } })] } }, true, true],
  ['Allow "*", a Deny on another secret bounds nothing', { policy: { Version: '2012-10-17', Statement: [allow('*'), denyOutside({ StringNotEquals: { 'aws:PrincipalOrgID': ORG } }, { Resource: `arn:aws:secretsmanager:us-east-1:${OWN}:secret:other-*` })] } }, true, true],
  // Values whose text is not what it seems.
  ['"*" with StringLike aws:PrincipalArn, a wildcard before the account', allow('*', { StringLike: { 'aws:PrincipalArn': `arn:aws:iam:*:${OWN}:*` } }), true, true],
  ['"*" with ArnLike aws:PrincipalArn, a wildcard before the account (field by field)', allow('*', { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam:*:${OWN}:*` } }), false, false],
  ['"*" with a policy variable before the account', allow('*', { StringEquals: { 'aws:SourceArn': `arn:aws:\${aws:PrincipalTag/p}:${OWN}:x` } }), true, true],
  ['an unquoted account number as the principal', allow({ AWS: Number(STRANGER) }), false, true],
  ['"*" bounded by an unquoted account number', allow('*', { StringEquals: { 'aws:PrincipalAccount': Number(OWN) } }), false, false],
  // Principals under other keys.
  ['a web identity provider', allow({ Federated: 'accounts.google.com' }), true, true],
  ['a SAML provider of another account', allow({ Federated: `arn:aws:iam::${STRANGER}:saml-provider/partner` }), false, true],
  ['a canonical user (its account cannot be known)', allow({ CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' }), false, true],
  ['a service principal acting for another account', allow({ Service: 'events.amazonaws.com' }, { StringEquals: { 'aws:SourceAccount': STRANGER } }), false, true],
  ['a service principal acting for this account', allow({ Service: 'events.amazonaws.com' }, { StringEquals: { 'aws:SourceAccount': OWN } }), false, false],
  ['Action as a list, with a trusted principal', allow({ AWS: TRUSTED }, undefined, { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }), false, false],
];

async function judge(statementOrPolicy: Statement | { policy: unknown }) {
  const document = 'policy' in statementOrPolicy ? statementOrPolicy.policy : { Version: '2012-10-17', Statement: [statementOrPolicy] };
  const state = fromDescribeSecret({ ARN: `arn:aws:secretsmanager:us-east-1:${OWN}:secret:policy-test-AbCdEf`, Name: 'policy-test' }, { resourcePolicy: JSON.stringify(document) });
  const findings = await evaluateSecret(state, { now, params });
  const status = (id: string) => findings.find((f) => f.controlId === id)?.status;
  return { public: status('no-public-principal'), crossAccount: status('no-untrusted-cross-account') };
}

describe('resource-policy analysis (DESIGN.md semantics, through the compiled controls)', () => {
  const findingsFor = async (statements: Statement[]) => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
    const state = fromDescribeSecret({ ARN: `arn:aws:secretsmanager:us-east-1:${OWN}:secret:policy-test-AbCdEf`, Name: 'policy-test' }, { resourcePolicy: policy });
    return evaluateSecret(state, { now, params });
  };

  it('says which Deny bounds a grant', async () => {
    const findings = await findingsFor([{ ...allow({ AWS: '*' }), Sid: 'Read' }, denyOutside({ StringNotEquals: { 'aws:PrincipalOrgID': ORG } })]);
    const publicFinding = findings.find((f) => f.controlId === 'no-public-principal');
    expect(publicFinding?.status).toBe('PASS');
    expect(publicFinding?.reason).toContain('The Allow of statement "Read" reaches only whom statement "DenyOutside" does not deny.');
    expect(publicFinding?.evidence).toMatchObject({ boundedByDeny: [{ statement: 'statement "Read"', boundedBy: ['statement "DenyOutside"'] }] });
  });

  it('says what vigil cannot attribute to an owner (a VPC endpoint, a service acting for any account)', async () => {
    const findings = await findingsFor([{ ...allow('*', { StringEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d' } }), Sid: 'ThroughEndpoint' }, { ...allow({ Service: 'lambda.amazonaws.com' }), Sid: 'Service' }]);
    for (const id of ['no-public-principal', 'no-untrusted-cross-account']) {
      const finding = findings.find((f) => f.controlId === id);
      expect(finding?.status).toBe('PASS');
      expect(finding?.reason).toContain('statement "ThroughEndpoint" is bounded only by aws:sourcevpce vpce-0a1b2c3d, whose owner vigil cannot verify');
      expect(finding?.evidence['unverified']).toEqual([
        { statement: 'statement "ThroughEndpoint"', unverified: ['aws:sourcevpce vpce-0a1b2c3d'] },
        { statement: 'statement "Service"', unverified: ['service lambda.amazonaws.com'] },
      ]);
    }
  });

  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('%s', async (_name, statement, isPublic, isUntrusted) => {
    expect(await judge(statement)).toEqual({ public: isPublic ? 'FAIL' : 'PASS', crossAccount: isUntrusted ? 'FAIL' : 'PASS' });
  });
});
