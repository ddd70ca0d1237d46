import { describe, expect, it } from 'vitest';
import { SAVE_ATTEMPTS, auditBatch, readEventsOf, secretDirectory, type Detection, type KnownSecret, type PrincipalWindow } from '../../src/audit/index.js';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { FileStateStore } from '../../src/state/index.js';
import { T0, readRecord } from './traffic.js';

const ACCOUNT = '111122223333';
const USER = `arn:aws:iam::${ACCOUNT}:user/ci/deploy-bot`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-Ab12Cd`;
const NAMES = ['prod/shared/config', ...Array.from({ length: 9 }, (_, i) => `prod/app${String(i).padStart(2, '0')}/config`)];
const DIRECTORY = secretDirectory(NAMES.map((name): KnownSecret => ({ arn: arnOf(name), name, account: ACCOUNT, region: 'us-east-1', tags: {} })));
const CONTEXT = { params: DEFAULT_PARAMS, directory: DIRECTORY };

const reads = (records: unknown[]) => readEventsOf(records).reads;
const userRead = (time: number, name: string) => readRecord('GetSecretValue-iam-user.json', { time, secretId: name });

/** A burst of ten distinct secrets by the user, split in two batches (six and five reads, one secret in both), interleaved in time. */
function splitBurst() {
  const first = [userRead(T0, NAMES[0] as string), ...NAMES.slice(1, 6).map((n, i) => userRead(T0 + (i + 1) * 2000, n))];
  const second = [userRead(T0 + 1000, NAMES[0] as string), ...NAMES.slice(6).map((n, i) => userRead(T0 + (i + 1) * 2000 + 1000, n))];
  return { first: reads(first), second: reads(second) };
}

/** What the store holds of the user's reads of a secret: its reader item and what its window still carries. */
async function readsOf(store: FileStateStore, name: string): Promise<number> {
  const reader = await store.getReader(arnOf(name), USER);
  const window = (await store.getAuditItems([`WINDOW#${USER}`])).get(`WINDOW#${USER}`)?.item as PrincipalWindow;
  return (reader?.reads ?? 0) + (window.pending[arnOf(name)]?.reads ?? 0);
}

describe('batches judged at once', () => {
  it('judges a principal again against the window another batch saved meanwhile: one burst, every read counted once', async () => {
    const store = await FileStateStore.open();
    const { first, second } = splitBurst();
    const alerted: Detection[] = [];
    // The second batch loads and saves between the first batch's load and its save.
    const putAuditItem = store.putAuditItem.bind(store);
    let interleaved = false;
    store.putAuditItem = async (key, item, version) => {
      if (!interleaved) {
        interleaved = true;
        const other = await auditBatch(store, second, CONTEXT, async (d) => void alerted.push(...d));
        expect(other.judged).toBe(5);
      }
      return putAuditItem(key, item, version);
    };

    const run = await auditBatch(store, first, CONTEXT, async (d) => void alerted.push(...d));

    expect(run.unsaved.size).toBe(0);
    expect(run.judged).toBe(6);
    expect(alerted.map((d) => d.kind)).toEqual(['bulk-retrieval']);
    expect(alerted[0]?.secretArns).toHaveLength(10);
    expect(await readsOf(store, NAMES[0] as string)).toBe(2);
    const counts = await Promise.all(NAMES.map((n) => readsOf(store, n)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(11);
    const window = (await store.getAuditItems([`WINDOW#${USER}`])).get(`WINDOW#${USER}`);
    expect(Object.keys((window?.item as PrincipalWindow).recent ?? {})).toHaveLength(11);
  });

  it('leaves the reads of a window contended on every attempt unsaved and unalerted, and saves the other principals', async () => {
    const store = await FileStateStore.open();
    const batch = reads([userRead(T0, NAMES[0] as string), readRecord('GetSecretValue-root.json', { time: T0 + 1000, secretId: NAMES[1] as string })]);
    const putAuditItem = store.putAuditItem.bind(store);
    let attempts = 0;
    // Another batch saves the user's window between every load and save of this one.
    store.putAuditItem = async (key, item, version) => {
      if (key === `WINDOW#${USER}`) {
        attempts++;
        const stored = (await store.getAuditItems([key])).get(key);
        await putAuditItem(key, stored?.item ?? { principal: USER, reads: {}, denials: {}, pending: {} }, stored?.version ?? null);
      }
      return putAuditItem(key, item, version);
    };
    const alerted: Detection[] = [];

    const run = await auditBatch(store, batch, CONTEXT, async (d) => void alerted.push(...d));

    expect(attempts).toBe(SAVE_ATTEMPTS);
    expect([...run.unsaved]).toEqual([USER]);
    expect(run.judged).toBe(1);
    expect(alerted.map((d) => [d.kind, d.principal])).toEqual([['root-read', ROOT]]);
    expect(await store.getReader(arnOf(NAMES[0] as string), USER)).toBeUndefined();
    expect(await store.getSecretWatches([arnOf(NAMES[0] as string)])).toEqual([]);
    expect(await store.getReader(arnOf(NAMES[1] as string), ROOT)).toMatchObject({ reads: 1 });
  });
});
