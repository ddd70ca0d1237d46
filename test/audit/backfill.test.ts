import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBatch, readEventsOf, secretDirectory, type Detection } from '../../src/audit/index.js';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { DynamoStateStore, FileStateStore, createStateTable, type StateStore } from '../../src/state/index.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { DAY, T0, ordinaryTraffic, readRecord } from './traffic.js';

const ACCOUNT = '111122223333';
const PAYMENTS = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/payments/db-Ab12Cd`;
const CONTEXT = { params: DEFAULT_PARAMS, directory: secretDirectory([{ arn: PAYMENTS, name: 'prod/payments/db', account: ACCOUNT, region: 'us-east-1', tags: {} }]) };

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
});

async function dynamoStore(): Promise<StateStore> {
  const client = new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 });
  await createStateTable(client, 'vigil-backfill');
  return new DynamoStateStore('vigil-backfill', client);
}

const stores: [string, () => Promise<StateStore>][] = [
  ['the local file store', () => FileStateStore.open()],
  ['the DynamoDB store', dynamoStore],
];

describe.each(stores)('a backfill with %s', (_label, open) => {
  it('moves the learning period back to the first read it brings', async () => {
    const store = await open();
    const judge = async (records: unknown[]) => {
      const alerted: Detection[] = [];
      await auditBatch(store, readEventsOf(records).reads, CONTEXT, async (d) => void alerted.push(...d));
      return alerted.map((d) => d.kind);
    };
    expect(await judge(ordinaryTraffic(50, 1, T0 + 30 * DAY))).toEqual([]);
    // A backfill of old CloudTrail files: twenty days of the same application's reads, from day 0.
    expect(await judge(ordinaryTraffic(100, 20, T0))).toEqual([]);
    expect((await store.getSecretWatches([PAYMENTS]))[0]?.firstRead).toBe(T0);
    expect(await judge([readRecord('GetSecretValue-iam-user.json', { time: T0 + 31 * DAY, secretId: 'prod/payments/db' })])).toContain('new-reader');
  });
});

describe('a backfill with the DynamoDB store', () => {
  it('merges what several principals add to a secret\'s watch in one UpdateItem, and counts the writes it sends', async () => {
    const client = new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 });
    await createStateTable(client, 'vigil-backfill-writes');
    const store = new DynamoStateStore('vigil-backfill-writes', client);
    await auditBatch(store, readEventsOf(ordinaryTraffic(50, 1, T0 + 30 * DAY)).reads, CONTEXT, async () => undefined);
    // Every request the store sends from here on, as the table receives it.
    const sent: { command: string; input: string }[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push({ command: context.commandName as string, input: JSON.stringify(args.input) });
        return next(args);
      },
      { step: 'initialize' },
    );
    // Old CloudTrail files: the application, a user outside any VPC endpoint and another account's role, each before day 30.
    const backfill = [
      ...ordinaryTraffic(20, 2, T0),
      readRecord('GetSecretValue-iam-user.json', { time: T0 + DAY, secretId: 'prod/payments/db' }),
      readRecord('GetSecretValue-cross-account.json', { time: T0 + 2 * DAY, secretId: PAYMENTS }),
    ];

    const run = await auditBatch(store, readEventsOf(backfill).reads, CONTEXT, async () => undefined);

    expect(sent.filter((r) => r.command === 'UpdateItemCommand' && r.input.includes(`WATCH#${PAYMENTS}`))).toHaveLength(1);
    expect(run.writes).toBe(sent.filter((r) => ['PutItemCommand', 'UpdateItemCommand', 'BatchWriteItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand'].includes(r.command)).length);
    const [watch] = await store.getSecretWatches([PAYMENTS]);
    expect({ ...watch, accounts: [...(watch?.accounts ?? [])] }).toEqual({ secretArn: PAYMENTS, firstRead: T0, accounts: ['444455556666'], readOutsideVpc: true });
  });
});
