import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretState } from '../../src/model/index.js';
import { DynamoStateStore, FileStateStore, createStateTable, StateStoreError, type SecretRecord, type StateStore } from '../../src/state/index.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { secretState } from '../helpers/state.js';

let emulator: Emulator;
let tables = 0;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator?.stop();
});

async function dynamoStore(): Promise<StateStore> {
  const name = `vigil-state-${++tables}`;
  const client = new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 });
  await createStateTable(client, name);
  return new DynamoStateStore(name, client);
}

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef';

function record(state: SecretState, observedAt: number, extra: Partial<SecretRecord> = {}): SecretRecord {
  return { arn: state.arn, state, statuses: { 'rotation-enabled': 'FAIL' }, observedAt, lastChangedDate: state.lastChangedAt, readAt: observedAt, dirty: false, version: 0, ...extra };
}

const stores: [string, () => Promise<StateStore>][] = [
  ['the local file store', () => FileStateStore.open()],
  ['the DynamoDB store', dynamoStore],
];

describe.each(stores)('%s', (_label, open) => {
  it('returns what was put, with the control statuses and times', async () => {
    const store = await open();
    const state = secretState({ name: 'prod/db' });
    expect(await store.putSecret(record(state, 1_000))).toBe('written');
    const stored = await store.getSecret(state.arn);
    expect(stored?.state).toEqual(state);
    expect(stored?.statuses).toEqual({ 'rotation-enabled': 'FAIL' });
    expect(stored?.observedAt).toBe(1_000);
    expect(stored?.version).toBe(1);
  });

  it('never lets a state observed earlier replace one observed later', async () => {
    const store = await open();
    const state = secretState({ name: 'prod/ordering' });
    await store.putSecret(record({ ...state, tags: { team: 'new' } }, 2_000));
    expect(await store.putSecret(record({ ...state, tags: { team: 'old' } }, 1_000))).toBe('stale');
    expect((await store.getSecret(state.arn))?.state.tags).toEqual({ team: 'new' });
  });

  it('refuses a write over a version other than the one read', async () => {
    const store = await open();
    const state = secretState({ name: 'prod/locked' });
    expect(await store.putSecret(record(state, 1_000), { expectedVersion: null })).toBe('written');
    expect(await store.putSecret(record(state, 1_001), { expectedVersion: null })).toBe('conflict');
    expect(await store.putSecret(record(state, 1_002), { expectedVersion: 1 })).toBe('written');
    expect(await store.putSecret(record(state, 1_003), { expectedVersion: 1 })).toBe('conflict');
    expect((await store.getSecret(state.arn))?.observedAt).toBe(1_002);
  });

  it('finds the secrets of a key by its ARN, id, alias and multi-Region key id, and forgets a key the secret left', async () => {
    const store = await open();
    const byArn = secretState({ name: 'a', kmsKeyId: KEY_ARN, kmsKey: { arn: KEY_ARN, keyManager: 'CUSTOMER', keyState: 'Enabled' } });
    const byAlias = secretState({ name: 'b', kmsKeyId: 'alias/payments', kmsKey: { arn: KEY_ARN, keyManager: 'CUSTOMER', keyState: 'Enabled' } });
    const replica = secretState({ name: 'c', region: 'eu-west-1', kmsKeyId: MRK_ARN, kmsKey: { arn: MRK_ARN, keyManager: 'CUSTOMER', keyState: 'Enabled' } });
    const other = secretState({ name: 'd', kmsKeyId: null });
    for (const s of [byArn, byAlias, replica, other]) await store.putSecret(record(s, 1_000));

    const arns = async (...names: string[]) => (await store.secretsByKey(names)).map((e) => e.arn).sort();
    expect(await arns(KEY_ARN)).toEqual([byArn.arn, byAlias.arn].sort());
    expect(await arns('1234abcd-12ab-34cd-56ef-1234567890ab')).toEqual([byArn.arn, byAlias.arn].sort());
    expect(await arns('alias/payments')).toEqual([byAlias.arn]);
    expect(await arns('mrk-0123456789abcdef0123456789abcdef')).toEqual([replica.arn]);
    expect((await store.secretsByKey([KEY_ARN])).find((e) => e.arn === byAlias.arn)).toEqual({ arn: byAlias.arn, name: 'b', kmsKeyId: 'alias/payments', kmsKeyArn: KEY_ARN });

    await store.putSecret(record({ ...byAlias, kmsKeyId: null, kmsKey: null }, 1_001));
    expect(await arns('alias/payments', KEY_ARN)).toEqual([byArn.arn]);
    await store.deleteSecret(byArn.arn);
    expect(await arns(KEY_ARN)).toEqual([]);
    expect(await store.getSecret(byArn.arn)).toBeUndefined();
  });

  it('marks a stored secret dirty, and ignores one it never stored', async () => {
    const store = await open();
    const state = secretState({ name: 'prod/dirty' });
    await store.putSecret(record(state, 1_000));
    await store.markDirty(state.arn, 'ReplicateSecretToRegions');
    await store.markDirty('arn:aws:secretsmanager:us-east-1:123456789012:secret:never-AbCdEf', 'TagResource');
    expect(await store.getSecret(state.arn)).toMatchObject({ dirty: true, dirtyReason: 'ReplicateSecretToRegions' });
    expect(await store.getSecret('arn:aws:secretsmanager:us-east-1:123456789012:secret:never-AbCdEf')).toBeUndefined();
  });

  it('reads many secrets at once, more than one batch', async () => {
    const store = await open();
    const states = Array.from({ length: 130 }, (_, i) => secretState({ name: `bulk/${i}` }));
    for (const s of states) await store.putSecret(record(s, 1_000));
    const found = await store.getSecrets([...states.map((s) => s.arn), 'arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf']);
    expect(found.size).toBe(130);
    expect(found.get(states[129]?.arn ?? '')?.state.name).toBe('bulk/129');
  });

  it('writes many new secrets at once, each findable by its key', async () => {
    const store = await open();
    const states = Array.from({ length: 60 }, (_, i) => secretState({ name: `fill/${i}`, kmsKeyId: KEY_ARN, kmsKey: { arn: KEY_ARN, keyManager: 'CUSTOMER', keyState: 'Enabled' } }));
    const outcomes = await Promise.all(states.map((s) => store.putSecret(record(s, 1_000))));
    expect(outcomes.every((o) => o === 'written')).toBe(true);
    expect((await store.secretsByKey([KEY_ARN])).map((e) => e.arn).sort()).toEqual(states.map((s) => s.arn).sort());
  });

  it('leaves the key index naming only the stored key when two first writes of a secret race', async () => {
    const store = await open();
    const other = 'arn:aws:kms:us-east-1:123456789012:key/99999999-12ab-34cd-56ef-1234567890ab';
    const state = secretState({ name: 'prod/race' });
    const under = (arn: string, observedAt: number) => record({ ...state, kmsKeyId: arn, kmsKey: { arn, keyManager: 'CUSTOMER', keyState: 'Enabled' } }, observedAt);
    await Promise.all([store.putSecret(under(KEY_ARN, 2_000)), store.putSecret(under(other, 1_000))]);
    expect((await store.getSecret(state.arn))?.state.kmsKeyId).toBe(KEY_ARN);
    expect((await store.secretsByKey([KEY_ARN])).map((e) => e.arn)).toEqual([state.arn]);
    expect(await store.secretsByKey([other])).toEqual([]);
  });

  it('merges reader baselines: first and last seen, counts, networks', async () => {
    const store = await open();
    const secretArn = secretState({ name: 'prod/read' }).arn;
    const seen = (at: number, ip: string) => ({ secretArn, principal: 'arn:aws:iam::123456789012:role/app', principalAccount: '123456789012', firstSeen: at, lastSeen: at, reads: 1, denied: 0, sourceIps: [ip], vpcEndpoints: [], userAgents: ['sdk'] });
    await store.updateReaders([seen(2_000, '10.0.0.1'), seen(1_000, '10.0.0.2')]);
    const [merged] = await store.updateReaders([seen(3_000, '10.0.0.1')]);
    expect(merged).toMatchObject({ firstSeen: 1_000, lastSeen: 3_000, reads: 3, sourceIps: ['10.0.0.1', '10.0.0.2'] });
    expect(await store.getReader(secretArn, 'arn:aws:iam::123456789012:role/app')).toEqual(merged);
    expect(await store.getReaders(secretArn)).toEqual([merged]);
  });

  it('writes an audit item only over the version read, and a new one only where none is stored', async () => {
    const store = await open();
    const key = 'WINDOW#arn:aws:iam::123456789012:role/app';
    expect(await store.putAuditItem(key, { n: 1 }, null)).toBe('written');
    expect(await store.putAuditItem(key, { n: 2 }, null)).toBe('conflict');
    const stored = (await store.getAuditItems([key])).get(key);
    expect(stored).toEqual({ item: { n: 1 }, version: 1 });
    expect(await store.putAuditItem(key, { n: 2 }, 1)).toBe('written');
    expect(await store.putAuditItem(key, { n: 3 }, 1)).toBe('conflict');
    expect((await store.getAuditItems([key])).get(key)).toEqual({ item: { n: 2 }, version: 2 });
  });

  it('merges secret watches so that no writer loses what another added: earliest first read, every account, outside a VPC once', async () => {
    const store = await open();
    const secretArn = secretState({ name: 'prod/watched' }).arn;
    await store.mergeSecretWatches([{ secretArn, firstRead: 5_000, accounts: ['444455556666'], readOutsideVpc: true }]);
    await store.mergeSecretWatches([{ secretArn, firstRead: 3_000, accounts: ['777788889999'], readOutsideVpc: false }]);
    await store.mergeSecretWatches([{ secretArn, firstRead: 9_000, accounts: [], readOutsideVpc: false }]);
    const [watch] = await store.getSecretWatches([secretArn, secretState({ name: 'prod/never-read' }).arn]);
    expect({ ...watch, accounts: [...(watch?.accounts ?? [])].sort() }).toEqual({ secretArn, firstRead: 3_000, accounts: ['444455556666', '777788889999'], readOutsideVpc: true });
    expect(await store.getSecretWatches([secretState({ name: 'prod/never-read' }).arn])).toEqual([]);
  });

  it('keeps the earliest first read when a writer says it lowers it but another stored an earlier one meanwhile', async () => {
    const store = await open();
    const secretArn = secretState({ name: 'prod/backfilled' }).arn;
    await store.mergeSecretWatches([{ secretArn, firstRead: 3_000, accounts: ['444455556666'], readOutsideVpc: false, lowersFirstRead: true }]);
    await store.mergeSecretWatches([{ secretArn, firstRead: 5_000, accounts: ['777788889999'], readOutsideVpc: true, lowersFirstRead: true }]);
    const [merged] = await store.getSecretWatches([secretArn]);
    expect({ ...merged, accounts: [...(merged?.accounts ?? [])].sort() }).toEqual({ secretArn, firstRead: 3_000, accounts: ['444455556666', '777788889999'], readOutsideVpc: true });
    await store.mergeSecretWatches([{ secretArn, firstRead: 1_000, accounts: [], readOutsideVpc: false, lowersFirstRead: true }]);
    expect((await store.getSecretWatches([secretArn]))[0]?.firstRead).toBe(1_000);
  });

  it('keeps sweep progress and store facts', async () => {
    const store = await open();
    expect(await store.getMeta()).toEqual({ filledAt: null, lastFullAt: null });
    await store.putMeta({ filledAt: 5 });
    await store.putMeta({ lastFullAt: 6 });
    expect(await store.getMeta()).toEqual({ filledAt: 5, lastFullAt: 6 });
    const progress = { runId: 'r1', startedAt: 1, account: '123456789012', regions: ['us-east-1'], regionIndex: 0, nextToken: 't', full: false, invocations: 1, freshness: { 'us-east-1': { readFresh: 2, fromStore: 98, oldestStoredAt: 3 } }, dropped: [] };
    await store.putSweepProgress(progress);
    expect(await store.getSweepProgress('r1')).toEqual(progress);
    await store.deleteSweepProgress('r1');
    expect(await store.getSweepProgress('r1')).toBeUndefined();
  });
});

describe('the local state file', () => {
  it('keeps everything across runs', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vigil-state-')), 'state.jsonl');
    const first = await FileStateStore.open(path);
    const state = secretState({ name: 'prod/kept', kmsKeyId: KEY_ARN });
    await first.putSecret(record(state, 1_000));
    await first.putMeta({ filledAt: 1_000 });
    await first.save();

    const second = await FileStateStore.open(path);
    expect((await second.getSecret(state.arn))?.state).toEqual(state);
    expect((await second.secretsByKey([KEY_ARN])).map((e) => e.arn)).toEqual([state.arn]);
    expect(await second.getMeta()).toEqual({ filledAt: 1_000, lastFullAt: null });
  });

  it('keeps audit windows with their versions and watches across runs, and reads a watch a file kept before watches were merged', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vigil-state-')), 'state.jsonl');
    const secretArn = secretState({ name: 'prod/watched' }).arn;
    writeFileSync(path, `{"vigilState":1}\n${JSON.stringify({ type: 'audit', key: `WATCH#${secretArn}`, item: { secretArn, firstRead: 5_000, accounts: ['444455556666'], readOutsideVpc: false } })}\n`);
    const first = await FileStateStore.open(path);
    await first.mergeSecretWatches([{ secretArn, firstRead: 7_000, accounts: [], readOutsideVpc: true }]);
    await first.putAuditItem('WINDOW#app', { n: 1 }, null);
    await first.save();

    const second = await FileStateStore.open(path);
    expect(await second.getSecretWatches([secretArn])).toEqual([{ secretArn, firstRead: 5_000, accounts: ['444455556666'], readOutsideVpc: true }]);
    expect(await second.putAuditItem('WINDOW#app', { n: 2 }, null)).toBe('conflict');
    expect(await second.putAuditItem('WINDOW#app', { n: 2 }, 1)).toBe('written');
  });

  it('names the file and line of a file that is not vigil state', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vigil-state-')), 'state.jsonl');
    writeFileSync(path, '{"vigilState":1}\n{"type":"secret","record":{}}\n');
    await expect(FileStateStore.open(path)).rejects.toThrow(new StateStoreError(`${path}:2`, 'a secret line needs record.arn, record.observedAt and record.state'));
    writeFileSync(path, 'hello\n');
    await expect(FileStateStore.open(path)).rejects.toThrow(StateStoreError);
  });
});

describe('the DynamoDB store', () => {
  it('says which table is missing', async () => {
    const store = new DynamoStateStore('no-such-table', new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 }));
    await expect(store.getSecret('arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf')).rejects.toThrow(/no-such-table: the state table does not exist/);
  });

  it('merges into a watch and a window written before items were versioned and watches merged', async () => {
    const store = (await dynamoStore()) as DynamoStateStore;
    const secretArn = secretState({ name: 'prod/watched' }).arn;
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 }));
    await db.send(new PutCommand({ TableName: store.tableName, Item: { pk: `WATCH#${secretArn}`, sk: 'AUDIT', body: JSON.stringify({ secretArn, firstRead: 5_000, accounts: ['444455556666'], readOutsideVpc: false }) } }));
    await db.send(new PutCommand({ TableName: store.tableName, Item: { pk: 'WINDOW#app', sk: 'AUDIT', body: JSON.stringify({ n: 1 }) } }));

    await store.mergeSecretWatches([{ secretArn, firstRead: 7_000, accounts: ['777788889999'], readOutsideVpc: true }]);
    const [watch] = await store.getSecretWatches([secretArn]);
    expect({ ...watch, accounts: [...(watch?.accounts ?? [])].sort() }).toEqual({ secretArn, firstRead: 5_000, accounts: ['444455556666', '777788889999'], readOutsideVpc: true });
    expect((await store.getAuditItems(['WINDOW#app'])).get('WINDOW#app')).toEqual({ item: { n: 1 }, version: 0 });
    expect(await store.putAuditItem('WINDOW#app', { n: 2 }, null)).toBe('conflict');
    expect(await store.putAuditItem('WINDOW#app', { n: 2 }, 0)).toBe('written');
    expect(await store.putAuditItem('WINDOW#app', { n: 3 }, 0)).toBe('conflict');
  });
});
