import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandJsonReport, type JsonReport, type Report } from '../../src/reports/index.js';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

// Secrets of two accounts and two regions, shaped as DescribeSecret prints the 2026 fields (botocore 1.44.2+ model).
const SNAPSHOT = join(EVENTS_DIR, 'snapshots', 'cross-account.json');
const NOW = '2026-12-04T00:00:00Z';

async function sweep(params: Record<string, unknown> = {}, extra: string[] = []): Promise<{ report: Report; exitCode: number }> {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-xacct-')), 'params.json');
  writeFileSync(file, JSON.stringify(params));
  const run = await runCli(['sweep', '--snapshot', SNAPSHOT, '--params', file, '--now', NOW, '--format', 'json', ...extra]);
  return { report: expandJsonReport(JSON.parse(run.stdout) as JsonReport), exitCode: run.exitCode };
}

const finding = (report: Report, name: string, controlId: string) => report.findings.find((f) => f.resource.name === name && f.controlId === controlId);

describe('vigil sweep of cross-account replicas, several policies and managed external secrets', () => {
  it('fails no-untrusted-replica for a secret replicated to an untrusted account, and trips --fail-on HIGH', async () => {
    const { report, exitCode } = await sweep({}, ['--fail-on', 'HIGH']);
    const ledger = finding(report, 'prod/db/ledger', 'no-untrusted-replica');
    expect(ledger?.status).toBe('FAIL');
    expect(ledger?.severity).toBe('HIGH');
    expect(ledger?.reason).toContain('replicated to account 999988887777');
    expect(finding(report, 'prod/db/ledger', 'replication-healthy')?.status).toBe('PASS');
    expect(exitCode).toBe(1);
  });

  it('takes each secret\'s account and region from its ARN', async () => {
    const { report } = await sweep();
    expect(finding(report, 'shared/api-token', 'pending-deletion')?.resource).toMatchObject({ account: '444455556666', region: 'eu-west-1' });
    expect(finding(report, 'prod/db/ledger', 'pending-deletion')?.resource).toMatchObject({ account: '111122223333', region: 'us-east-1' });
  });

  it('judges a replica\'s cross-account-replication policy and names it', async () => {
    const { report } = await sweep();
    const cross = finding(report, 'shared/api-token', 'no-untrusted-cross-account');
    expect(cross?.status).toBe('FAIL');
    expect(cross?.reason).toBe('The "cross-account-replication" resource policy\'s statement "CrossAccountReplication" reaches 555566667777, outside this account and the trusted accounts and organisations.');
    expect(cross?.evidence['untrustedStatements']).toEqual([{ policy: 'cross-account-replication', statement: 'statement "CrossAccountReplication"', reaches: { accounts: ['555566667777'], orgs: [] }, boundedBy: [] }]);
    expect(finding(report, 'shared/api-token', 'no-untrusted-replica')?.reason).toContain('is a replica of arn:aws:secretsmanager:eu-west-1:555566667777');
  });

  it('passes both cross-account controls once the primary\'s account is trusted', async () => {
    const { report } = await sweep({ trustedAccounts: ['555566667777', '999988887777'] });
    expect(finding(report, 'shared/api-token', 'no-untrusted-cross-account')?.status).toBe('PASS');
    expect(finding(report, 'shared/api-token', 'no-untrusted-replica')?.status).toBe('PASS');
    expect(finding(report, 'prod/db/ledger', 'no-untrusted-replica')?.status).toBe('PASS');
  });

  it('fails replication-healthy for a detached replica and a failed Region replica, quoting StatusMessage', async () => {
    const { report } = await sweep();
    const detached = finding(report, 'shared/api-token', 'replication-healthy');
    expect(detached?.status).toBe('FAIL');
    expect(detached?.reason).toContain('is Detached: Replication was stopped by the primary secret\'s account.');
    const failed = finding(report, 'saas/salesforce', 'replication-healthy');
    expect(failed?.reason).toBe('The replica in us-west-2 is Failed: Access to KMS is not allowed.');
  });

  it('passes the rotation controls for a managed external secret that rotates on schedule without a Lambda', async () => {
    const { report } = await sweep({ maxRotationIntervalDays: 90 });
    for (const id of ['rotation-enabled', 'rotation-succeeding', 'rotated-within-period']) expect(finding(report, 'saas/salesforce', id)?.status, id).toBe('PASS');
    expect(finding(report, 'saas/salesforce', 'rotation-enabled')?.reason).toContain('managed external secret (SalesforceClientCredentials)');
    expect(finding(report, 'shared/api-token', 'rotation-enabled')?.status).toBe('NOT_APPLICABLE');
  });
});
