import { describe, expect, it } from 'vitest';
import { auditReads, emptyAuditState, readEventsOf, secretDirectory } from '../../src/audit/index.js';
import { parseParams } from '../../src/controls/index.js';
import { T0, readRecord } from './traffic.js';

// Organisations: whom a secret's account trusts comes from its own entry in the params document's `accounts`.
const ACCOUNT = '111122223333';
const READER = '444455556666';
const DIRECTORY = secretDirectory([{ arn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/payments/db-Ab12Cd`, name: 'prod/payments/db', account: ACCOUNT, region: 'us-east-1', tags: {} }]);

function severityOf(params: ReturnType<typeof parseParams>) {
  const batch = readEventsOf([readRecord('GetSecretValue-cross-account.json', { time: T0 })]);
  return auditReads(batch.reads, emptyAuditState(), { params, directory: DIRECTORY }).detections.map((d) => [d.kind, d.severity]);
}

describe('the access audit with parameters per account', () => {
  it('rates another account reading a secret by the trusted accounts of the secret’s own account', () => {
    expect(severityOf(parseParams({ accounts: { [ACCOUNT]: { trustedAccounts: [READER] } } }))).toEqual([['new-reader-account', 'MEDIUM']]);
    // another account's trust does not carry over, and an account's own list replaces the document's
    expect(severityOf(parseParams({ accounts: { '999988887777': { trustedAccounts: [READER] } } }))).toEqual([['new-reader-account', 'HIGH']]);
    expect(severityOf(parseParams({ trustedAccounts: [READER], accounts: { [ACCOUNT]: { trustedAccounts: [] } } }))).toEqual([['new-reader-account', 'HIGH']]);
  });
});
