import { describe, expect, it } from 'vitest';
import { accessDeniedProbing, batchRetrieval, bulkRetrieval, burstCounter, honeytokenRead, newNetworkPath, newReader, newReaderAccount, rootRead, type Probing, type SecretRead } from '../../src/audit/detections/index.js';
import { readEventsOf, type ReadEvent, type SecretWatch } from '../../src/audit/index.js';
import { DEFAULT_PARAMS, parseParams } from '../../src/controls/index.js';
import { DAY, MINUTE, T0, readRecord } from './traffic.js';

// Each detection kind is a function of a read and what vigil knew before it; these call them one by one, as
// test/audit/detect.test.ts judges them together through auditReads.
const ACCOUNT = '111122223333';
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/payments/db-Ab12Cd`;
const WINDOW_MS = DEFAULT_PARAMS.bulkWindowMinutes * MINUTE;

function readOf(fixture: string, changes: Parameters<typeof readRecord>[1] = { time: T0 }, edit?: (record: Record<string, unknown>) => void): ReadEvent {
  const record = readRecord(fixture, changes);
  edit?.(record);
  const [read] = readEventsOf([record]).reads;
  if (!read) throw new Error(`no read in ${fixture}`);
  return read;
}

const succeeded = (record: Record<string, unknown>) => {
  delete record['errorCode'];
  delete record['errorMessage'];
};

function secretRead(read: ReadEvent, watch: Partial<SecretWatch> = {}, seen: Partial<Pick<SecretRead, 'watchedBefore' | 'everRead'>> = {}): SecretRead {
  return { read, secret: SECRET, ownAccount: ACCOUNT, watch: { secretArn: SECRET, firstRead: T0 - 30 * DAY, accounts: [], readOutsideVpc: false, ...watch }, watchedBefore: true, everRead: false, ...seen };
}

describe('honeytokenRead', () => {
  it('is one CRITICAL signal per decoy the read named, and nothing for a read of no decoy', () => {
    const read = readOf('GetSecretValue-access-denied.json');
    expect(honeytokenRead(read, [])).toEqual([]);
    expect(honeytokenRead(read, ['decoy-a', 'decoy-b'])).toMatchObject([
      { kind: 'honeytoken-read', severity: 'CRITICAL', secrets: ['decoy-a'], key: `${read.principal}#decoy-a` },
      { kind: 'honeytoken-read', severity: 'CRITICAL', secrets: ['decoy-b'] },
    ]);
  });
});

describe('batchRetrieval', () => {
  it('is MEDIUM by a filter, HIGH by a negated one, MEDIUM for a list of bulkSecrets, nothing for a shorter list', () => {
    expect(batchRetrieval(readOf('BatchGetSecretValue-filters.json'), [], DEFAULT_PARAMS)).toMatchObject({ kind: 'batch-retrieval', severity: 'MEDIUM', filters: [{ key: expect.any(String) }] });
    expect(batchRetrieval(readOf('BatchGetSecretValue-negated-filter.json'), [], DEFAULT_PARAMS)?.severity).toBe('HIGH');
    const list = readOf('BatchGetSecretValue-secret-id-list.json');
    expect(batchRetrieval(list, list.secretIds, DEFAULT_PARAMS)).toMatchObject({ severity: 'MEDIUM', secrets: list.secretIds });
    expect(batchRetrieval(list, list.secretIds, parseParams({ bulkSecrets: list.secretIds.length + 1 }))).toBeUndefined();
  });
});

describe('rootRead', () => {
  it('is HIGH for the root user and nothing for anyone else', () => {
    expect(rootRead(secretRead(readOf('GetSecretValue-root.json')))).toMatchObject({ kind: 'root-read', severity: 'HIGH', secrets: [SECRET] });
    expect(rootRead(secretRead(readOf('GetSecretValue-iam-user.json')))).toBeUndefined();
  });
});

describe('newReader', () => {
  const read = readOf('GetSecretValue-iam-user.json');
  it('is MEDIUM for a principal new to a secret watched for learningDays', () => {
    expect(newReader(secretRead(read), DEFAULT_PARAMS)).toMatchObject({ kind: 'new-reader', severity: 'MEDIUM', secrets: [SECRET] });
  });
  it('is nothing for a known reader, during the learning period, for a secret first seen now, or for a new account', () => {
    expect(newReader(secretRead(read, {}, { everRead: true }), DEFAULT_PARAMS)).toBeUndefined();
    expect(newReader(secretRead(read, { firstRead: T0 - 13 * DAY }), DEFAULT_PARAMS)).toBeUndefined();
    expect(newReader(secretRead(read, { firstRead: T0 - 13 * DAY }), parseParams({ learningDays: 7 }))?.kind).toBe('new-reader');
    expect(newReader(secretRead(read, {}, { watchedBefore: false }), DEFAULT_PARAMS)).toBeUndefined();
    expect(newReader(secretRead(readOf('GetSecretValue-cross-account.json')), DEFAULT_PARAMS)).toBeUndefined();
  });
});

describe('newReaderAccount', () => {
  const other = readOf('GetSecretValue-cross-account.json');
  it('is HIGH for an account never seen reading the secret, MEDIUM when the secret\'s account trusts it', () => {
    expect(newReaderAccount(secretRead(other), () => false)).toMatchObject({ kind: 'new-reader-account', severity: 'HIGH' });
    expect(newReaderAccount(secretRead(other), (owner, reader) => owner === ACCOUNT && reader === '444455556666')?.severity).toBe('MEDIUM');
  });
  it('is nothing for the secret\'s own account or an account seen before, with no learning period either way', () => {
    expect(newReaderAccount(secretRead(readOf('GetSecretValue-iam-user.json')), () => false)).toBeUndefined();
    expect(newReaderAccount(secretRead(other, { accounts: ['444455556666'] }), () => false)).toBeUndefined();
    expect(newReaderAccount(secretRead(other, {}, { watchedBefore: false }), () => false)?.kind).toBe('new-reader-account');
  });
});

describe('newNetworkPath', () => {
  const outside = readOf('GetSecretValue-assumed-role-vpce.json', { time: T0, vpce: null });
  it('is MEDIUM for the first read from outside a VPC endpoint of a secret watched for learningDays', () => {
    expect(newNetworkPath(secretRead(outside), DEFAULT_PARAMS)).toMatchObject({ kind: 'new-network-path', severity: 'MEDIUM', key: SECRET });
  });
  it('is nothing through an endpoint, for a secret read outside before, for an AWS service, or while learning', () => {
    expect(newNetworkPath(secretRead(readOf('GetSecretValue-assumed-role-vpce.json')), DEFAULT_PARAMS)).toBeUndefined();
    expect(newNetworkPath(secretRead(outside, { readOutsideVpc: true }), DEFAULT_PARAMS)).toBeUndefined();
    expect(newNetworkPath(secretRead(readOf('GetSecretValue-aws-service.json')), DEFAULT_PARAMS)).toBeUndefined();
    expect(newNetworkPath(secretRead(outside, { firstRead: T0 - DAY }), DEFAULT_PARAMS)).toBeUndefined();
  });
});

describe('bulkRetrieval', () => {
  const read = (i: number, time: number) => readOf('GetSecretValue-iam-user.json', { time, secretId: `prod/app${i}/config` });
  const none = () => false;
  it('fires at the bulkSecrets-th distinct secret in the window, naming them, then adds new ones to the detection raised', () => {
    const reads = burstCounter({}, undefined, WINDOW_MS);
    for (let i = 0; i < 9; i++) expect(bulkRetrieval(reads, read(i, T0 + i * 1000), `s${i}`, DEFAULT_PARAMS, none)).toBeUndefined();
    const fired = bulkRetrieval(reads, read(9, T0 + 9000), 's9', DEFAULT_PARAMS, none);
    expect(fired).toMatchObject({ kind: 'bulk-retrieval', severity: 'HIGH' });
    expect(fired?.secrets).toHaveLength(10);
    expect(fired?.events).toHaveLength(10);
    expect(bulkRetrieval(reads, read(3, T0 + 10_000), 's3', DEFAULT_PARAMS, () => true)).toBeUndefined();
    expect(bulkRetrieval(reads, read(10, T0 + 11_000), 's10', DEFAULT_PARAMS, () => true)).toMatchObject({ secrets: ['s10'], joinOnly: true });
  });
  it('counts a new secret of a burst alerted in an earlier run towards a follow-up of bulkSecrets more', () => {
    const reads = burstCounter({}, { from: T0, at: T0 + 9000, secrets: ['a', 'b'] }, WINDOW_MS);
    const signals = Array.from({ length: 10 }, (_, i) => bulkRetrieval(reads, read(i, T0 + 20_000 + i * 1000), `new${i}`, DEFAULT_PARAMS, none));
    expect(signals.slice(0, 9)).toEqual(Array.from({ length: 9 }, () => undefined));
    expect(signals[9]?.secrets).toHaveLength(10);
  });
  it('counts no secrets further apart than the window together', () => {
    const reads = burstCounter({}, undefined, WINDOW_MS);
    for (let i = 0; i < 20; i++) expect(bulkRetrieval(reads, read(i, T0 + i * (WINDOW_MS / 9 + 1000)), `s${i}`, DEFAULT_PARAMS, none)).toBeUndefined();
  });
});

describe('accessDeniedProbing', () => {
  const denial = (i: number, time: number) => readOf('GetSecretValue-access-denied.json', { time, secretId: `prod/app${i}/config` });
  const success = (time: number) => readOf('GetSecretValue-access-denied.json', { time }, succeeded);
  const fresh = (): Probing => ({ denials: burstCounter({}, undefined, WINDOW_MS), successes: [] });
  const none = () => false;
  const probe = (probing: Probing, start: number, first = 0) => Array.from({ length: 5 }, (_, i) => accessDeniedProbing(probing, denial(first + i, start + i * 1000), `s${first + i}`, DEFAULT_PARAMS, none)).at(-1);

  it('is MEDIUM at probeSecrets distinct denials, and a success within the window after it is HIGH', () => {
    const probing = fresh();
    for (let i = 0; i < 4; i++) expect(accessDeniedProbing(probing, denial(i, T0 + i * 1000), `s${i}`, DEFAULT_PARAMS, none)).toBeUndefined();
    expect(accessDeniedProbing(probing, denial(4, T0 + 4000), 's4', DEFAULT_PARAMS, none)).toMatchObject({ kind: 'access-denied-probing', severity: 'MEDIUM' });
    expect(accessDeniedProbing(probing, success(T0 + 5 * MINUTE), 'ok', DEFAULT_PARAMS, none)).toMatchObject({ severity: 'HIGH', secrets: ['ok'] });
    expect(probing.probedAt).toBeUndefined();
  });

  it('is HIGH at once when a success within the window after the denials was judged already (batches out of order)', () => {
    const probing = fresh();
    const after = success(T0 + 2 * MINUTE);
    expect(accessDeniedProbing(probing, after, 'ok', DEFAULT_PARAMS, none)).toBeUndefined();
    const signal = probe(probing, T0);
    expect(signal).toMatchObject({ severity: 'HIGH' });
    expect(signal?.events?.map(([id]) => id)).toContain(after.eventId);
  });

  it('finds that success among an application\'s reads of its own secret every few seconds', () => {
    const probing = fresh();
    // The principal's own secret, read every 5 s from 20 minutes before the probing to 8 minutes after it, judged first:
    // a few of the 337 reads are kept, and one of them within the window after the probing.
    for (let t = T0 - 20 * MINUTE; t <= T0 + 8 * MINUTE; t += 5000) accessDeniedProbing(probing, success(t), 'own', DEFAULT_PARAMS, none);
    expect(probing.successes.length).toBeLessThanOrEqual(6);
    expect(probe(probing, T0)?.severity).toBe('HIGH');
  });

  it('judges a follow-up of a burst like the burst: HIGH with a success within the window after it', () => {
    const probing = fresh();
    probe(probing, T0 + 5 * MINUTE);
    expect(accessDeniedProbing(probing, success(T0 + 7 * MINUTE), 'ok', DEFAULT_PARAMS, none)?.severity).toBe('HIGH');
    // Denials of other secrets from before, judged after (a backfill): a follow-up of the same burst, the success after it.
    expect(probe(probing, T0, 10)?.severity).toBe('HIGH');
    // And one with no success within the window after it stays MEDIUM.
    expect(probe(probing, T0 + 25 * MINUTE, 20)?.severity).toBe('MEDIUM');
  });

  it('stays MEDIUM for a success before the probing or more than a window after it', () => {
    const probing = fresh();
    accessDeniedProbing(probing, success(T0 - MINUTE), 'before', DEFAULT_PARAMS, none);
    expect(probe(probing, T0)?.severity).toBe('MEDIUM');
    expect(probing.probedAt).toBe(T0 + 4000);
    expect(accessDeniedProbing(probing, success(T0 + 4000 + WINDOW_MS + 1000), 'late', DEFAULT_PARAMS, none)).toBeUndefined();
  });
});
