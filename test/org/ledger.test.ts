import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../src/aws/clients.js';
import { OrgRunLedger } from '../../src/org/ledger.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

let emulator: Emulator;
let ledger: OrgRunLedger;
const A = { account: '111122223333', region: 'us-east-1' };
const B = { account: '444455556666', region: 'us-east-1' };

beforeAll(async () => {
  emulator = await startEmulator();
  const db = new DynamoDBClient(clientConfig(emulator.aws()));
  await db.send(new CreateTableCommand({ TableName: 'state', BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }] }));
  ledger = new OrgRunLedger('state', db);
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
});

describe('the run ledger', () => {
  it('counts a unit SQS delivers twice once, and lets one worker fan in', async () => {
    await ledger.startRun('run-1', 2, 1_000);
    expect((await ledger.finishUnit('run-1', A, { status: 'swept', resultKey: 'a' }, 1_001))?.finished).toBe(1);
    expect((await ledger.finishUnit('run-1', A, { status: 'swept', resultKey: 'a' }, 1_002))?.finished).toBe(1);
    expect(await ledger.claimFanIn('run-1')).toBe(false);
    expect((await ledger.finishUnit('run-1', B, { status: 'failed', resultKey: 'b' }, 1_003))?.finished).toBe(2);
    expect(await ledger.claimFanIn('run-1')).toBe(true);
    expect(await ledger.claimFanIn('run-1')).toBe(false);
  });

  it('refuses to start a run twice', async () => {
    await ledger.startRun('run-2', 1, 1_000);
    await expect(ledger.startRun('run-2', 1, 1_000)).rejects.toThrow(/conditional/i);
  });

  it('keeps the last error and the number of attempts of a unit', async () => {
    await ledger.recordAttempt('run-3', A, 'InternalServiceError: first', 1_000);
    await ledger.recordAttempt('run-3', A, 'InternalServiceError: second', 1_001);
    expect(await ledger.lastAttempt('run-3', A)).toEqual({ error: 'InternalServiceError: second', attempts: 2 });
    expect(await ledger.lastAttempt('run-3', B)).toBeUndefined();
  });
});
