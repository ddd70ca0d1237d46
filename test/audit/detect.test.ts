import { describe, expect, it } from 'vitest';
import { RECENT_READS, auditReads, refreshSlot, eventIdHash, emptyAuditState, readEventsOf, readerViews, secretDirectory, type AuditState, type KnownSecret } from '../../src/audit/index.js';
import { DEFAULT_PARAMS, parseParams } from '../../src/controls/index.js';
import { DAY, MINUTE, T0, ordinaryTraffic, readRecord } from './traffic.js';

const ACCOUNT = '111122223333';
const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-Ab12Cd`;
const known = (name: string, tags: Record<string, string> = {}): KnownSecret => ({ arn: arnOf(name), name, account: ACCOUNT, region: 'us-east-1', tags });
const DIRECTORY = secretDirectory([known('prod/payments/db'), known('prod/billing/stripe-key'), known('prod/decoy/admin-db', { 'vigil:honeytoken': 'true' }), ...Array.from({ length: 30 }, (_, i) => known(`prod/app${String(i).padStart(2, '0')}/config`))]);

function audit(records: unknown[], state: AuditState = emptyAuditState(), params = DEFAULT_PARAMS) {
  const batch = readEventsOf(records);
  expect(batch.invalid).toEqual([]);
  return { ...auditReads(batch.reads, state, { params, directory: DIRECTORY }), state };
}

/** A stolen access key: the legacy-backup user reads `count` secrets a few seconds apart. */
function theft(count: number, start: number) {
  return Array.from({ length: count }, (_, i) => readRecord('GetSecretValue-iam-user.json', { time: start + i * 3000, secretId: `prod/app${String(i).padStart(2, '0')}/config` }));
}

describe('principals', () => {
  it('names the role behind an assumed-role session, never the session', () => {
    const [a, b] = readEventsOf([readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0, session: 'i-one' }), readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0, session: 'i-two' })]).reads;
    expect(a?.principal).toBe(`arn:aws:iam::${ACCOUNT}:role/service/payments-api`);
    expect(b?.principal).toBe(a?.principal);
  });

  it('names the user, the root, the service and the other account as DESIGN.md says', () => {
    const reads = readEventsOf(['GetSecretValue-iam-user.json', 'GetSecretValue-root.json', 'GetSecretValue-aws-service.json', 'GetSecretValue-cross-account.json'].map((f) => readRecord(f, { time: T0 }))).reads;
    expect(reads.map((r) => [r.principal, r.principalAccount])).toEqual([
      [`arn:aws:iam::${ACCOUNT}:user/ci/deploy-bot`, ACCOUNT],
      [`arn:aws:iam::${ACCOUNT}:root`, ACCOUNT],
      ['cloudformation.amazonaws.com', undefined],
      ['arn:aws:iam::444455556666:role/partner-sync', '444455556666'],
    ]);
  });

  it('falls back to the role in the session ARN when the record has no session issuer', () => {
    const record = readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 });
    delete ((record['userIdentity'] as Record<string, unknown>)['sessionContext'] as Record<string, unknown>)['sessionIssuer'];
    expect(readEventsOf(record).reads[0]?.principal).toBe(`arn:aws:iam::${ACCOUNT}:role/payments-api`);
  });

  it('reports a read record without an identity by its path, and reads the rest', () => {
    const bad = readRecord('GetSecretValue-iam-user.json', { time: T0 });
    delete bad['userIdentity'];
    const batch = readEventsOf({ Records: [bad, readRecord('GetSecretValue-root.json', { time: T0 })] });
    expect(batch.invalid.map((e) => e.message)).toEqual(['Records[0].userIdentity: expected who made the call']);
    expect(batch.reads).toHaveLength(1);
  });
});

describe('ordinary traffic', () => {
  it('stays silent on an application role reading its secret thousands of times from changing sessions and addresses', () => {
    const { detections, state } = audit(ordinaryTraffic(5000, 30));
    expect(detections).toEqual([]);
    const [reader] = readerViews(state);
    expect(reader).toMatchObject({ secretArn: arnOf('prod/payments/db'), principal: `arn:aws:iam::${ACCOUNT}:role/service/payments-api`, reads: 5000, denied: 0, vpcEndpoints: ['vpce-0a1b2c3d4e5f60718'] });
    expect(readerViews(state)).toHaveLength(1);
    // Addresses change all the time; the baseline keeps the most recent few, not all of them.
    expect(reader?.sourceIps.length).toBeLessThanOrEqual(20);
  });

  it('stays silent across many small batches, as the Lambda sees the same traffic', () => {
    const state = emptyAuditState();
    const records = ordinaryTraffic(3000, 30);
    const detections = [];
    for (let i = 0; i < records.length; i += 100) detections.push(...audit(records.slice(i, i + 100), state).detections);
    expect(detections).toEqual([]);
    expect(readerViews(state)[0]?.reads).toBe(3000);
  });
});

describe('detections', () => {
  it('honeytoken-read: a decoy whose name ends like a suffix (prod/stripe-secret) is one by its partial ARN too', () => {
    // A name ending in a hyphen and six letters: its partial ARN reads like a full ARN of prod/stripe.
    const decoy = known('prod/stripe-secret', { 'vigil:honeytoken': 'true' });
    const tokens = known('prod/api-tokens');
    const directory = secretDirectory([decoy, tokens, known('prod/api')]);
    const partial = (name: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}`;
    expect(directory.resolve(partial('prod/stripe-secret'), ACCOUNT, 'us-east-1')).toBe(decoy.arn);
    expect(directory.resolve(partial('prod/api-tokens'), ACCOUNT, 'us-east-1')).toBe(tokens.arn);
    // A full ARN of prod/api with the suffix "tokens" is not prod/api-tokens's: that is an ARN vigil knows exactly.
    expect(directory.resolve(arnOf('prod/api'), ACCOUNT, 'us-east-1')).toBe(arnOf('prod/api'));
    const read = readRecord('GetSecretValue-iam-user.json', { time: T0, secretId: partial('prod/stripe-secret') });
    const { detections } = auditReads(readEventsOf([read]).reads, emptyAuditState(), { params: DEFAULT_PARAMS, directory });
    expect(detections).toMatchObject([{ kind: 'honeytoken-read', severity: 'CRITICAL', secretArns: [decoy.arn] }]);
  });

  it('reads an ARN with another suffix as another secret, never as the secret of the name without it', () => {
    // prod/decoy/admin-db-master: a partial ARN of that name, or a full ARN of prod/decoy/admin-db with the suffix "master";
    // the decoy's own ARN has another suffix, so Secrets Manager reads neither as the decoy.
    const id = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/decoy/admin-db-master`;
    expect(DIRECTORY.resolve(id, ACCOUNT, 'us-east-1')).toBeUndefined();
    const { detections, state } = audit([readRecord('GetSecretValue-iam-user.json', { time: T0, secretId: id })]);
    expect(detections).toEqual([]);
    expect(readerViews(state).map((r) => r.secretArn)).toEqual([id]);
  });

  it('honeytoken-read: another account\'s secret of a decoy\'s name, read by name, is no decoy', () => {
    const other = readRecord('GetSecretValue-iam-user.json', { time: T0, secretId: 'prod/decoy/admin-db', account: '999988887777' });
    expect(audit([other]).detections.map((d) => d.kind)).not.toContain('honeytoken-read');
    const home = readRecord('GetSecretValue-iam-user.json', { time: T0, secretId: 'prod/decoy/admin-db' });
    expect(audit([home]).detections.map((d) => d.kind)).toContain('honeytoken-read');
  });

  it('honeytoken-read: any read of a decoy, even a denied one, is CRITICAL', () => {
    const denied = readRecord('GetSecretValue-access-denied.json', { time: T0, secretId: 'prod/decoy/admin-db' });
    const { detections } = audit([denied]);
    expect(detections).toMatchObject([{ kind: 'honeytoken-read', severity: 'CRITICAL', secretArns: [arnOf('prod/decoy/admin-db')], eventIds: [denied['eventID']] }]);
    expect(detections[0]?.message).toContain('What to do now:');
  });

  it('bulk-retrieval: a stolen key reading twenty secrets in a minute is one HIGH detection naming all twenty', () => {
    const { detections } = audit(theft(20, T0));
    const bulk = detections.filter((d) => d.kind === 'bulk-retrieval');
    expect(bulk).toHaveLength(1);
    expect(bulk[0]).toMatchObject({ severity: 'HIGH', principal: `arn:aws:iam::${ACCOUNT}:user/ci/deploy-bot`, principalAccount: ACCOUNT });
    expect(bulk[0]?.secretArns).toHaveLength(20);
    expect(bulk[0]?.eventIds).toHaveLength(20);
    expect(bulk[0]?.message).toContain('203.0.113.77');
  });

  it('bulk-retrieval: nine secrets stay below the default threshold, and bulkSecrets lowers it', () => {
    expect(audit(theft(9, T0)).detections.filter((d) => d.kind === 'bulk-retrieval')).toEqual([]);
    const lower = parseParams({ bulkSecrets: 5 });
    expect(audit(theft(9, T0), emptyAuditState(), lower).detections.filter((d) => d.kind === 'bulk-retrieval')).toHaveLength(1);
  });

  it('bulk-retrieval: a burst split across two batches is still one burst', () => {
    const state = emptyAuditState();
    const records = theft(12, T0);
    expect(audit(records.slice(0, 6), state).detections).toEqual([]);
    const second = audit(records.slice(6), state).detections.filter((d) => d.kind === 'bulk-retrieval');
    expect(second).toHaveLength(1);
    // The burst names every secret of the window, those of the first batch too.
    expect(second[0]?.secretArns).toHaveLength(12);
  });

  it('bulk-retrieval: a burst alerts once however batches split it; one that goes on over later batches alerts again only for new secrets', () => {
    const state = emptyAuditState();
    const records = theft(30, T0);
    const detections = [0, 8, 16, 24].flatMap((from) => audit(records.slice(from, from + 8), state).detections);
    expect(detections.map((d) => d.kind)).toEqual(['bulk-retrieval', 'bulk-retrieval']);
    // The first names the sixteen read by the end of its batch, the follow-up the fourteen after: each secret once.
    const named = detections.flatMap((d) => d.secretArns);
    expect(new Set(named).size).toBe(30);
    expect(named).toHaveLength(30);
    // In one batch the same thirty reads are one detection naming all of them.
    expect(audit(theft(30, T0)).detections.map((d) => d.secretArns.length)).toEqual([30]);
  });

  it('bulk-retrieval: reading the burst\'s secrets again raises nothing, and does not hold the burst open', () => {
    const state = emptyAuditState();
    expect(audit(theft(10, T0), state).detections.map((d) => d.kind)).toEqual(['bulk-retrieval']);
    const again = theft(10, T0 + MINUTE);
    expect(audit(again, state).detections).toEqual([]);
    // Two hours of reading one of those secrets every five minutes, then twenty other secrets: a new burst, a new alert.
    const steady = Array.from({ length: 24 }, (_, i) => readRecord('GetSecretValue-iam-user.json', { time: T0 + 5 * MINUTE * (i + 1), secretId: 'prod/app00/config' }));
    expect(audit(steady, state).detections).toEqual([]);
    const others = Array.from({ length: 20 }, (_, i) => readRecord('GetSecretValue-iam-user.json', { time: T0 + 3 * 3_600_000 + i * 3000, secretId: `prod/app${String(i + 10).padStart(2, '0')}/config` }));
    expect(audit(others, state).detections.map((d) => [d.kind, d.secretArns.length])).toEqual([['bulk-retrieval', 20]]);
  });

  it('bulk-retrieval: reads further apart than the window are no burst', () => {
    const spread = Array.from({ length: 12 }, (_, i) => readRecord('GetSecretValue-iam-user.json', { time: T0 + i * 2 * MINUTE, secretId: `prod/app${String(i).padStart(2, '0')}/config` }));
    expect(audit(spread).detections.filter((d) => d.kind === 'bulk-retrieval')).toEqual([]);
  });

  it('judges records in event time, not file order', () => {
    const records = theft(10, T0).reverse();
    expect(audit(records).detections.filter((d) => d.kind === 'bulk-retrieval')).toHaveLength(1);
  });

  it('batch-retrieval: by a filter is MEDIUM, a negated filter HIGH, a list of ten or more MEDIUM', () => {
    const { detections } = audit([readRecord('BatchGetSecretValue-filters.json', { time: T0 })]);
    expect(detections).toMatchObject([{ kind: 'batch-retrieval', severity: 'MEDIUM', secretArns: [] }]);
    expect(detections[0]?.message).toContain('tag-key=team');
    expect(audit([readRecord('BatchGetSecretValue-negated-filter.json', { time: T0 })]).detections).toMatchObject([{ kind: 'batch-retrieval', severity: 'HIGH' }]);
    const list = audit([readRecord('BatchGetSecretValue-secret-id-list.json', { time: T0 })]).detections;
    expect(list).toMatchObject([{ kind: 'batch-retrieval', severity: 'MEDIUM' }]);
    expect(list[0]?.secretArns).toHaveLength(12);
  });

  it('access-denied-probing: five denials is MEDIUM; a success within the window makes it HIGH', () => {
    const denials = Array.from({ length: 5 }, (_, i) => readRecord('GetSecretValue-access-denied.json', { time: T0 + i * 1000, secretId: `prod/app${String(i).padStart(2, '0')}/config` }));
    expect(audit(denials).detections).toMatchObject([{ kind: 'access-denied-probing', severity: 'MEDIUM' }]);
    const success = readRecord('GetSecretValue-access-denied.json', { time: T0 + 60_000, secretId: 'prod/app20/config' });
    delete success['errorCode'];
    delete success['errorMessage'];
    const escalated = audit([...denials, success]).detections.filter((d) => d.kind === 'access-denied-probing');
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({ severity: 'HIGH' });
    expect(escalated[0]?.eventIds).toContain(success['eventID']);
  });

  it('a call that failed without a denial (ResourceNotFoundException, throttling) is no read: no burst, no reader, no learning', () => {
    const failed = (code: string) => (_: unknown, i: number) => ({ ...readRecord('GetSecretValue-iam-user.json', { time: T0 + i * 1000, secretId: `prod/app${String(i).padStart(2, '0')}/config` }), errorCode: code, errorMessage: 'failed' });
    const state = emptyAuditState();
    const { detections } = audit([...Array.from({ length: 12 }, failed('ResourceNotFoundException')), ...Array.from({ length: 12 }, failed('ThrottlingException'))], state);
    expect(detections).toEqual([]);
    expect(readerViews(state)).toEqual([]);
    expect(state.secrets.size).toBe(0);
    // A decoy is still a decoy: any attempt on it is CRITICAL.
    const decoy = { ...readRecord('GetSecretValue-iam-user.json', { time: T0, secretId: 'prod/decoy/admin-db' }), errorCode: 'DecryptionFailure', errorMessage: 'failed' };
    expect(audit([decoy]).detections).toMatchObject([{ kind: 'honeytoken-read', severity: 'CRITICAL' }]);
  });

  it('access-denied-probing: four denials, or one secret denied again and again, is no probing', () => {
    const four = Array.from({ length: 4 }, (_, i) => readRecord('GetSecretValue-access-denied.json', { time: T0 + i * 1000, secretId: `prod/app${String(i).padStart(2, '0')}/config` }));
    const same = Array.from({ length: 20 }, (_, i) => readRecord('GetSecretValue-access-denied.json', { time: T0 + i * 1000 }));
    expect(audit(four).detections).toEqual([]);
    expect(audit(same).detections).toEqual([]);
  });

  it('root-read: the root user reading a secret is HIGH', () => {
    expect(audit([readRecord('GetSecretValue-root.json', { time: T0 })]).detections).toMatchObject([{ kind: 'root-read', severity: 'HIGH', principal: `arn:aws:iam::${ACCOUNT}:root` }]);
  });

  it('root-read: a root read logged with identity type Unknown is still a root read', () => {
    const record = readRecord('GetSecretValue-root.json', { time: T0 });
    (record['userIdentity'] as Record<string, unknown>)['type'] = 'Unknown';
    expect(audit([record]).detections).toMatchObject([{ kind: 'root-read', severity: 'HIGH', principal: `arn:aws:iam::${ACCOUNT}:root` }]);
  });

  it('access-denied-probing: denials of the same secrets again raise nothing; new secrets denied in later batches alert again', () => {
    const state = emptyAuditState();
    const denial = (i: number, time: number) => readRecord('GetSecretValue-access-denied.json', { time, secretId: `prod/app${String(i).padStart(2, '0')}/config` });
    expect(audit([0, 1, 2, 3, 4].map((i) => denial(i, T0 + i * 1000)), state).detections.map((d) => d.kind)).toEqual(['access-denied-probing']);
    // A role denied on those five every minute, batch after batch, is the probing already alerted.
    for (let m = 1; m <= 5; m++) expect(audit([0, 1, 2, 3, 4].map((i) => denial(i, T0 + m * MINUTE + i * 1000)), state).detections).toEqual([]);
    const next = audit([5, 6, 7, 8, 9].map((i) => denial(i, T0 + 6 * MINUTE + i * 1000)), state).detections;
    expect(next.map((d) => [d.kind, d.secretArns.length])).toEqual([['access-denied-probing', 5]]);
  });

  it('new-reader: a new principal after the learning period is MEDIUM; during it, silence', () => {
    const state = emptyAuditState();
    audit(ordinaryTraffic(100, 20), state);
    const late = readRecord('GetSecretValue-iam-user.json', { time: T0 + 21 * DAY, secretId: 'prod/payments/db' });
    const kinds = audit([late], state).detections;
    expect(kinds.filter((d) => d.kind === 'new-reader')).toMatchObject([{ severity: 'MEDIUM', secretArns: [arnOf('prod/payments/db')] }]);

    const early = emptyAuditState();
    audit(ordinaryTraffic(100, 5), early);
    expect(audit([readRecord('GetSecretValue-iam-user.json', { time: T0 + 6 * DAY, secretId: 'prod/payments/db' })], early).detections).toEqual([]);
  });

  it('new-reader: the learning period counts from the first read vigil saw in the input, and learningDays sets it', () => {
    const records = [...ordinaryTraffic(50, 3), readRecord('GetSecretValue-iam-user.json', { time: T0 + 4 * DAY, secretId: 'prod/payments/db' })];
    expect(audit(records).detections).toEqual([]);
    expect(audit(records, emptyAuditState(), parseParams({ learningDays: 2 })).detections.map((d) => d.kind)).toContain('new-reader');
  });

  it('new-reader-account: another account reading for the first time is HIGH, MEDIUM when trusted, and no learning period', () => {
    const read = () => readRecord('GetSecretValue-cross-account.json', { time: T0 });
    expect(audit([read()]).detections).toMatchObject([{ kind: 'new-reader-account', severity: 'HIGH', principalAccount: '444455556666' }]);
    expect(audit([read()], emptyAuditState(), parseParams({ trustedAccounts: ['444455556666'] })).detections).toMatchObject([{ kind: 'new-reader-account', severity: 'MEDIUM' }]);
    const state = emptyAuditState();
    audit([read()], state);
    expect(audit([read()], state).detections).toEqual([]);
  });

  it('new-network-path: a secret read only through VPC endpoints, then from outside one, is MEDIUM', () => {
    const state = emptyAuditState();
    audit(ordinaryTraffic(200, 20), state);
    const outside = readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + 21 * DAY, vpce: null, ip: '198.51.100.66' });
    const { detections } = audit([outside], state);
    expect(detections).toMatchObject([{ kind: 'new-network-path', severity: 'MEDIUM', secretArns: [arnOf('prod/payments/db')] }]);
    expect(detections[0]?.message).toContain('198.51.100.66');
    expect(audit([readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + 22 * DAY, vpce: null })], state).detections).toEqual([]);
  });

  it('new-network-path: an AWS service reading on a principal\'s behalf is no new path', () => {
    const state = emptyAuditState();
    audit(ordinaryTraffic(200, 20), state);
    const service = readRecord('GetSecretValue-aws-service.json', { time: T0 + 21 * DAY });
    expect(audit([service], state).detections.map((d) => d.kind)).not.toContain('new-network-path');
  });

  it('drops a record seen twice (the same call by two paths)', () => {
    const record = readRecord('GetSecretValue-root.json', { time: T0 });
    const { detections, state } = audit([record, structuredClone(record)]);
    expect(detections[0]?.eventIds).toHaveLength(1);
    expect(readerViews(state)[0]?.reads).toBe(1);
  });
});

describe('event time across batches', () => {
  const read = (i: number, time: number) => readRecord('GetSecretValue-iam-user.json', { time, secretId: `prod/app${String(i).padStart(2, '0')}/config` });
  const denial = (i: number, time: number) => readRecord('GetSecretValue-access-denied.json', { time, secretId: `prod/app${String(i).padStart(2, '0')}/config` });
  const success = (i: number, time: number) => {
    const record = denial(i, time);
    delete record['errorCode'];
    delete record['errorMessage'];
    return record;
  };
  const kinds = (run: { detections: { kind: string }[] }) => run.detections.map((d) => d.kind);
  const DAY30 = T0 + 30 * DAY;

  it('bulk-retrieval: a backfilled read a month before nine reads is no burst with them', () => {
    const state = emptyAuditState();
    expect(kinds(audit([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => read(i, DAY30 + i * 3000)), state))).toEqual([]);
    expect(kinds(audit([read(0, T0)], state))).toEqual([]);
  });

  it('bulk-retrieval: a late read that completes a burst of its neighbours in the window alerts, naming the ten', () => {
    const state = emptyAuditState();
    expect(kinds(audit([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => read(i, DAY30 + i * 3000)), state))).toEqual([]);
    const late = audit([read(0, DAY30 - MINUTE)], state).detections;
    expect(late.map((d) => [d.kind, d.secretArns.length])).toEqual([['bulk-retrieval', 10]]);
    expect(late[0]?.firstEventTime).toBe(new Date(DAY30 - MINUTE).toISOString());
  });

  it('bulk-retrieval: a late read of a burst already alerted raises nothing again', () => {
    const state = emptyAuditState();
    expect(kinds(audit(theft(10, DAY30), state))).toEqual(['bulk-retrieval']);
    expect(kinds(audit([read(10, DAY30 - MINUTE), read(3, DAY30 - 2 * MINUTE)], state))).toEqual([]);
  });

  it('bulk-retrieval: a backfilled burst a month before one already alerted is a burst of its own', () => {
    const state = emptyAuditState();
    expect(kinds(audit(theft(10, DAY30), state))).toEqual(['bulk-retrieval']);
    const backfill = audit(theft(10, T0), state).detections;
    expect(backfill.map((d) => [d.kind, d.secretArns.length, d.lastEventTime])).toEqual([['bulk-retrieval', 10, new Date(T0 + 9 * 3000).toISOString()]]);
  });

  it('bulk-retrieval: a backfill split across batches is judged as one burst, and not with the reads a month later', () => {
    const state = emptyAuditState();
    audit([20, 21, 22, 23, 24].map((i) => read(i, DAY30 + i * 1000)), state);
    expect(kinds(audit([0, 1, 2, 3, 4].map((i) => read(i, T0 + i * 3000)), state))).toEqual([]);
    const second = audit([5, 6, 7, 8, 9].map((i) => read(i, T0 + (i + 1) * 3000)), state).detections;
    expect(second.map((d) => [d.kind, d.secretArns.length])).toEqual([['bulk-retrieval', 10]]);
  });

  it('access-denied-probing: a backfilled denial a month before four is no probing, nor is a success before probing', () => {
    const state = emptyAuditState();
    expect(kinds(audit([1, 2, 3, 4].map((i) => denial(i, DAY30 + i * 1000)), state))).toEqual([]);
    expect(kinds(audit([denial(0, T0)], state))).toEqual([]);
    expect(kinds(audit([0].map((i) => denial(i, DAY30 + 5000)), state))).toEqual(['access-denied-probing']);
    expect(kinds(audit([success(20, T0 + DAY)], state))).toEqual([]);
  });

  it('bulk-retrieval: a batch bringing two bursts around one alerted before alerts each, naming every new secret once', () => {
    const state = emptyAuditState();
    expect(kinds(audit([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => read(i, DAY30 + 20 * MINUTE + i * 1000)), state))).toEqual(['bulk-retrieval']);
    const early = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map((i) => read(i, DAY30 + 11 * MINUTE + i * 1000));
    const later = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29].map((i) => read(i, DAY30 + 22 * MINUTE + i * 1000));
    const second = audit([...early, ...later], state).detections;
    expect(second.map((d) => [d.kind, d.secretArns.length])).toEqual([
      ['bulk-retrieval', 10],
      ['bulk-retrieval', 10],
    ]);
    expect(new Set(second.flatMap((d) => d.secretArns)).size).toBe(20);
  });

  it('access-denied-probing: a backfill bringing probing just before a success already judged makes it HIGH, naming that success', () => {
    const state = emptyAuditState();
    const after = success(20, DAY30 + 2 * MINUTE);
    expect(kinds(audit([after], state))).toEqual([]);
    const late = audit([0, 1, 2, 3, 4].map((i) => denial(i, DAY30 + i * 1000)), state).detections;
    expect(late.map((d) => [d.kind, d.severity])).toEqual([['access-denied-probing', 'HIGH']]);
    expect(late[0]?.eventIds).toContain(after['eventID']);
    expect(late[0]?.lastEventTime).toBe(new Date(DAY30 + 2 * MINUTE).toISOString());
    // A success stored from more than a window after the probing leaves it MEDIUM.
    const other = emptyAuditState();
    audit([success(20, DAY30 + 11 * MINUTE)], other);
    expect(audit([0, 1, 2, 3, 4].map((i) => denial(i, DAY30 + i * 1000)), other).detections.map((d) => d.severity)).toEqual(['MEDIUM']);
  });
});

describe('redelivery', () => {
  it('counts a record delivered again in a later batch once (SQS and EventBridge deliver at least once)', () => {
    const state = emptyAuditState();
    const records = ordinaryTraffic(300, 0.1);
    expect(audit(records.slice(0, 200), state).judged).toBe(200);
    // The second batch repeats the last 100 records of the first, then brings 100 new ones.
    const again = audit(records.slice(100, 300).map((r) => structuredClone(r)), state);
    expect(again.judged).toBe(100);
    expect(again.duplicates).toBe(100);
    expect(readerViews(state)[0]?.reads).toBe(300);
  });

  it('alerts on a redelivered theft no more: the burst and the honeytoken read are not judged again', () => {
    const state = emptyAuditState();
    const attack = [...theft(12, T0), readRecord('GetSecretValue-iam-user.json', { time: T0 + 60_000, secretId: 'prod/decoy/admin-db' })];
    expect(audit(attack, state).detections.map((d) => d.kind).sort()).toEqual(['bulk-retrieval', 'honeytoken-read']);
    const redelivered = audit(attack.map((r) => structuredClone(r)), state);
    expect(redelivered.detections).toEqual([]);
    expect(readerViews(state).find((r) => r.secretArn === arnOf('prod/decoy/admin-db'))?.reads).toBe(1);
  });

  it('remembers a bounded number of recent reads per principal, so a window item stays small', () => {
    const state = emptyAuditState();
    const records = ordinaryTraffic(RECENT_READS + 300, 0.1);
    const { changes } = audit(records, state);
    const recent = Object.keys(changes.windows[0]?.recent ?? {});
    expect(recent).toHaveLength(RECENT_READS);
    // The newest are the ones kept: the first records are no longer recognised, the last are.
    expect(audit([structuredClone(records.at(-1))], state).duplicates).toBe(1);
    expect(audit([structuredClone(records[0])], state).duplicates).toBe(0);
  });

  it('drops a copy among a busy principal\'s many reads of one second, in the batch and in the next', () => {
    const state = emptyAuditState();
    // CloudTrail's times have whole seconds: forty reads at one instant, the thirtieth delivered twice.
    const second = new Date(T0).toISOString().replace(/\.\d+Z$/, 'Z');
    const records = Array.from({ length: 40 }, () => readRecord('GetSecretValue-assumed-role-vpce.json', { time: second }));
    const first = audit([...records, structuredClone(records[29])], state);
    expect([first.judged, first.duplicates]).toEqual([40, 1]);
    const next = audit([structuredClone(records[4]), readRecord('GetSecretValue-assumed-role-vpce.json', { time: second })], state);
    expect([next.judged, next.duplicates]).toEqual([1, 1]);
    expect(readerViews(state)[0]?.reads).toBe(41);
  });

  it('hashes event IDs as windows stored before recognise them', () => {
    // Written by the first release of the window item (Number#toString(36) of the same 53-bit hash).
    expect(['5e1c0de0-0a1b-4c2d-8e3f-100000000001', 'evt-00000001', 'demo-theft-read-00', ''].map(eventIdHash)).toEqual(['k1nwjdxy0y', '21koueiluhy', '23j8cbo2che', 'wvjl67o803']);
  });

  it('keeps the newest reads by event time when they came out of order', () => {
    const state = emptyAuditState();
    const records = ordinaryTraffic(RECENT_READS + 100, 0.1);
    // A later file first, then a backfill of the hour before it.
    audit(records.slice(100), state);
    audit(records.slice(0, 100), state);
    expect(audit([structuredClone(records.at(-1))], state).duplicates).toBe(1);
    expect(audit([structuredClone(records[50])], state).duplicates).toBe(0);
  });
});

describe('baseline writes', () => {
  it('writes a reader once per refresh slot at most, and not at all while nothing it decides on changed', () => {
    const state = emptyAuditState();
    const records = ordinaryTraffic(1000, 1);
    const first = audit(records.slice(0, 500), state).changes;
    expect(first.readers).toHaveLength(1);
    const key = `${DIRECTORY.resolve('prod/payments/db', ACCOUNT, 'us-east-1')}#arn:aws:iam::${ACCOUNT}:role/service/payments-api`;
    const slotOf = (r: unknown) => refreshSlot(key, Date.parse((r as { eventTime: string }).eventTime));
    const written = slotOf(records[499]);
    // The reads after it in the same slot: none is written, they ride in the principal's window, so nothing is lost.
    const sameSlot = records.slice(500).filter((r) => slotOf(r) === written);
    const second = audit(sameSlot, state).changes;
    expect(second.readers).toEqual([]);
    expect(second.windows).toHaveLength(1);
    expect(readerViews(state)[0]?.reads).toBe(500 + sameSlot.length);
    // The first read of the next slot writes the reader, with every read since.
    const next = records.slice(500 + sameSlot.length, 500 + sameSlot.length + 3);
    expect(audit(next, state).changes.readers.map((r) => r.reads)).toEqual([500 + sameSlot.length + 3]);
  });

  it('writes a known reader once when a backfill brings reads older than its first, with its first read moved back', () => {
    const state = emptyAuditState();
    const records = ordinaryTraffic(300, 3);
    audit(records.slice(200), state);
    const backfill = audit(records.slice(0, 200), state).changes.readers;
    expect(backfill.map((r) => [r.reads, r.firstSeen])).toEqual([[300, Date.parse((records[0] as { eventTime: string }).eventTime)]]);
  });

  it('refreshes the readers one batch learned spread over the interval, not all in the batch that crosses it', () => {
    const state = emptyAuditState();
    // 300 readers (30 roles x 10 secrets) learned at once, then each read once a minute for 45 minutes, one batch a minute.
    const roles = Array.from({ length: 30 }, (_, i) => `app-${String(i).padStart(2, '0')}`);
    const secrets = Array.from({ length: 10 }, (_, i) => `prod/app${String(i).padStart(2, '0')}/config`);
    const minute = (m: number) =>
      roles.flatMap((role, r) =>
        secrets.map((secretId, s) => {
          const record = readRecord('GetSecretValue-assumed-role-vpce.json', { time: T0 + m * MINUTE + (r * 10 + s) * 10, secretId });
          const identity = record['userIdentity'] as { sessionContext: { sessionIssuer: { arn: string } } };
          identity.sessionContext.sessionIssuer.arn = `arn:aws:iam::${ACCOUNT}:role/service/${role}`;
          return record;
        }),
      );
    expect(audit(minute(0), state).changes.readers).toHaveLength(300);
    const perBatch = Array.from({ length: 45 }, (_, m) => audit(minute(m + 1), state).changes.readers.length);
    // Each reader is written once per 15-minute slot: 300 a slot, about 20 a minute. Crossing the interval together, one
    // batch would write all 300.
    expect(perBatch.slice(0, 15).reduce((a, b) => a + b, 0)).toBe(300);
    expect(Math.max(...perBatch)).toBeLessThan(75);
    expect(readerViews(state).reduce((a, r) => a + r.reads, 0)).toBe(300 * 46);
  });
});

describe('hostile input', () => {
  it('judges a read of a secret called __proto__ like any other, in the burst it belongs to and across batches', () => {
    const state = emptyAuditState();
    const names = ['__proto__', ...Array.from({ length: 9 }, (_, i) => `prod/app${String(i).padStart(2, '0')}/config`)];
    const burst = names.map((secretId, i) => readRecord('GetSecretValue-iam-user.json', { time: T0 + i * 3000, secretId }));
    const first = audit(burst, state);
    expect(first.detections.map((d) => [d.kind, d.secretArns.length])).toEqual([['bulk-retrieval', 10]]);
    expect(first.detections[0]?.secretArns).toContain('__proto__');
    audit([readRecord('GetSecretValue-iam-user.json', { time: T0 + 60_000, secretId: '__proto__' })], state);
    expect(readerViews(state).find((r) => r.secretArn === '__proto__')?.reads).toBe(2);
  });
});
