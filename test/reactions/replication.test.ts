import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, type ControlParams } from '../../src/controls/index.js';
import { normaliseEventBridgeEvent, type SecretEvent } from '../../src/events/index.js';
import { decide, evolve } from '../../src/reactions/index.js';
import { runCli } from '../helpers/cli.js';
import { EVENTS_DIR, loadFixture } from '../helpers/fixtures.js';
import { knownSecrets } from '../helpers/replay.js';

// Cross-account replication events (2026) as CloudTrail records them: request fields as the API takes them (camelCase).
const ORDERS = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab';
const UNTRUSTED_REPLICA = 'arn:aws:secretsmanager:us-east-1:999988887777:secret:orders-copy-Rp12Lc';

/** A recorded event, its request changed; a new secretId is also the ARN the response states. */
function fixture(file: string, change?: (request: Record<string, unknown>) => void): SecretEvent {
  const raw = loadFixture<{ region: string; detail: { awsRegion: string; requestParameters: Record<string, unknown>; responseElements: Record<string, unknown> } }>(`eventbridge/${file}`);
  change?.(raw.detail.requestParameters);
  const id = raw.detail.requestParameters['secretId'];
  if (typeof id === 'string' && id.startsWith('arn:')) {
    raw.detail.responseElements = { arn: id };
    raw.region = raw.detail.awsRegion = id.split(':')[3] ?? raw.region;
  }
  return normaliseEventBridgeEvent(raw) as SecretEvent;
}

const judge = (event: SecretEvent, params: ControlParams = DEFAULT_PARAMS) => decide(event, { params, knownSecrets: knownSecrets() });

describe('reactions to cross-account replication', () => {
  it('pages HIGH when a secret is replicated to an untrusted account, and fails no-untrusted-replica once', async () => {
    const decision = await judge(fixture('AssociateCrossAccountReplica.json', (r) => delete r['replicaRestriction']));
    expect(decision.alerts.map((a) => [a.kind, a.severity])).toEqual([['cross-account-replica-associated', 'HIGH']]);
    const [alert] = decision.alerts;
    expect(alert?.message).toContain(`Replica: ${UNTRUSTED_REPLICA}`);
    expect(alert?.message).toContain('account 999988887777, which is not a trusted account');
    expect(alert?.details).toMatchObject({ replicaAccount: '999988887777', trusted: false, replicaRestriction: 'SameOrg' });
    expect(decision.findings.find((f) => f.controlId === 'no-untrusted-replica')).toMatchObject({ status: 'FAIL', evidence: { untrustedReplicas: [UNTRUSTED_REPLICA] } });
    expect(decision.complianceChanges.map((c) => `${c.controlId}: ${c.newStatus}`)).toContain('no-untrusted-replica: FAIL');
  });

  it('says LOW for a trusted account, and HIGH again when the replica may be outside the organisation', async () => {
    const trusted = { ...DEFAULT_PARAMS, trustedAccounts: ['999988887777'] };
    const sameOrg = await judge(fixture('AssociateCrossAccountReplica.json', (r) => (r['replicaRestriction'] = 'SameOrg')), trusted);
    expect(sameOrg.alerts.map((a) => [a.kind, a.severity])).toEqual([['cross-account-replica-associated', 'LOW']]);
    expect(sameOrg.findings.find((f) => f.controlId === 'no-untrusted-replica')?.status).toBe('PASS');
    const anywhere = await judge(fixture('AssociateCrossAccountReplica.json'), trusted);
    expect(anywhere.alerts.map((a) => [a.kind, a.severity])).toEqual([['cross-account-replica-associated', 'HIGH']]);
    expect(anywhere.alerts[0]?.message).toContain('NoRestriction — the replica account need not be in this organisation');
  });

  it('pages HIGH when this account creates a replica of an untrusted account\'s secret, LOW when that account is trusted', async () => {
    const untrusted = await judge(fixture('CreateSecret-cross-account-replica.json'));
    expect(untrusted.alerts.map((a) => [a.kind, a.severity])).toEqual([['cross-account-replica-created', 'HIGH']]);
    expect(untrusted.alerts[0]?.details).toMatchObject({ primaryAccount: '555566667777', trusted: false });
    expect(untrusted.findings.find((f) => f.controlId === 'no-untrusted-replica')?.reason).toContain('is a replica of arn:aws:secretsmanager:us-east-1:555566667777:secret:ledger-Gh56Jk');
    expect(untrusted.findings.find((f) => f.controlId === 'replication-healthy')?.status).toBe('PASS');
    const trusted = await judge(fixture('CreateSecret-cross-account-replica.json'), { ...DEFAULT_PARAMS, trustedAccounts: ['555566667777'] });
    expect(trusted.alerts.map((a) => [a.kind, a.severity])).toEqual([['cross-account-replica-created', 'LOW']]);
  });

  it('raises replication-stopped when the primary disassociates, and the untrusted link no longer fails', async () => {
    const associate = fixture('AssociateCrossAccountReplica.json');
    const linked = evolve(knownSecrets(), associate);
    const decision = await decide(fixture('DisassociateCrossAccountReplica.json'), { params: DEFAULT_PARAMS, knownSecrets: linked });
    expect(decision.alerts.map((a) => [a.kind, a.severity])).toEqual([['replication-stopped', 'LOW']]);
    expect(decision.alerts[0]?.message).toContain('The replica stays in that account, Detached');
    expect(decision.complianceChanges.map((c) => `${c.controlId}: ${c.oldStatus} -> ${c.newStatus}`)).toContain('no-untrusted-replica: FAIL -> NOT_APPLICABLE');
    expect(decision.ignored).toBeUndefined();
  });

  it('raises replication-stopped when a cross-account replica is promoted, and drops its cross-account-replication policy', async () => {
    const created = fixture('CreateSecret-cross-account-replica.json');
    const replica = evolve(knownSecrets(), created).map((s) => (s.arn === created.secret?.arn ? { ...s, otherResourcePolicies: { 'cross-account-replication': '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::555566667777:root"},"Action":"secretsmanager:PutSecretValue","Resource":"*"}]}' } } : s));
    const stop = fixture('StopReplicationToReplica.json', (r) => (r['secretId'] = created.secret?.arn));
    const decision = await decide(stop, { params: DEFAULT_PARAMS, knownSecrets: replica });
    expect(decision.alerts.map((a) => [a.kind, a.severity])).toEqual([['replication-stopped', 'LOW']]);
    expect(decision.alerts[0]?.message).toContain('its primary arn:aws:secretsmanager:us-east-1:555566667777:secret:ledger-Gh56Jk in account 555566667777');
    const changes = decision.complianceChanges.map((c) => `${c.controlId}: ${c.oldStatus} -> ${c.newStatus}`);
    expect(changes).toContain('no-untrusted-replica: FAIL -> NOT_APPLICABLE');
    expect(changes).toContain('no-untrusted-cross-account: FAIL -> PASS');
  });
});

describe('resource policies named in the event', () => {
  it('judges PutResourcePolicy with policyName "default" exactly like one without a name', async () => {
    const decision = await judge(fixture('PutResourcePolicy-policy-name.json'));
    const alert = decision.alerts.find((a) => a.controlId === 'no-public-principal');
    expect(alert).toMatchObject({ kind: 'control-failed', severity: 'CRITICAL' });
    const unnamed = await judge(fixture('PutResourcePolicy-policy-name.json', (r) => delete r['policyName']));
    expect(decision.findings).toEqual(unnamed.findings);
  });

  it('judges a policy written under another name, and DeleteResourcePolicy of that name removes only it', async () => {
    const named = fixture('PutResourcePolicy-policy-name.json', (r) => (r['policyName'] = 'cross-account-replication'));
    const decision = await judge(named);
    expect(decision.findings.find((f) => f.controlId === 'no-public-principal')?.reason).toContain('"cross-account-replication"');
    const deletion = fixture('DeleteResourcePolicy.json', (r) => Object.assign(r, { secretId: ORDERS, policyName: 'cross-account-replication' }));
    const after = await decide(deletion, { params: DEFAULT_PARAMS, knownSecrets: evolve(knownSecrets(), named) });
    expect(after.complianceChanges.map((c) => `${c.controlId}: ${c.oldStatus} -> ${c.newStatus}`)).toContain('no-public-principal: FAIL -> PASS');
    const orders = evolve(evolve(knownSecrets(), named), deletion).find((s) => s.arn === ORDERS);
    expect(orders?.otherResourcePolicies).toEqual({});
    expect(orders?.resourcePolicy).toBe(knownSecrets().find((s) => s.arn === ORDERS)?.resourcePolicy);
  });
});

describe('vigil replay of cross-account replication', () => {
  it('prints the association alert and the failing no-untrusted-replica finding', async () => {
    const f = (p: string) => join(EVENTS_DIR, p);
    const run = await runCli(['replay', f('eventbridge/AssociateCrossAccountReplica.json'), '--snapshot', f('snapshots/acme-prod.json'), '--format', 'json']);
    expect(run.exitCode).toBe(0);
    const { decisions } = JSON.parse(run.stdout) as { decisions: { alerts: { kind: string; severity: string }[]; findings: { controlId: string; status: string }[] }[] };
    expect(decisions[0]?.alerts).toEqual([expect.objectContaining({ kind: 'cross-account-replica-associated', severity: 'HIGH' })]);
    expect(decisions[0]?.findings).toContainEqual(expect.objectContaining({ controlId: 'no-untrusted-replica', status: 'FAIL' }));
  });
});
