import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { clientConfig, type AwsOptions } from '../aws/clients.js';
import type { SecretState } from '../model/index.js';
import pLimit from 'p-limit';
import { StateStoreError, foldObservations, keyIndexEntry, keyNamesOf, mergeReader, mergeWatch, putOutcome } from './records.js';
import type { AuditItem, ControlStatuses, KeyIndexEntry, PutOptions, PutOutcome, ReaderBaseline, ReaderObservation, SecretRecord, SecretWatchMerge, SecretWatchRecord, StateStore, StoreMeta, SweepProgress } from './types.js';

type Item = Record<string, unknown>;
type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

const STATE = 'STATE';
const secretKey = (arn: string) => ({ pk: `SECRET#${arn}`, sk: STATE });
const keyIndexKey = (name: string, arn: string) => ({ pk: `KEY#${name}`, sk: arn });
const readerKey = (secretArn: string, principal: string) => ({ pk: `READER#${secretArn}`, sk: principal });
const sweepKey = (runId: string) => ({ pk: `SWEEP#${runId}`, sk: 'PROGRESS' });
const auditKey = (key: string) => ({ pk: key, sk: 'AUDIT' });
const watchKey = (secretArn: string) => auditKey(`WATCH#${secretArn}`);
/** Conditional writes in flight at once: each is one item, and a batch touches a few hundred. */
const WRITES_IN_FLIGHT = 16;
const BATCH_WRITE_LIMIT = 25;
const META_KEY = { pk: 'META', sk: 'STORE' };
const BATCH_GET_LIMIT = 100;
const ATTEMPTS = 5;

/**
 * The state store in AWS: one on-demand DynamoDB table (partition key `pk`, sort key `sk`, both strings).
 * Items: `SECRET#<arn>`/STATE, the key index `KEY#<key name>`/<arn>, readers `READER#<secretArn>`/<principal>,
 * sweep progress `SWEEP#<runId>`/PROGRESS, and `META`/STORE.
 */
export class DynamoStateStore implements StateStore {
  private readonly db: DynamoDBDocumentClient;

  constructor(
    readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  static fromOptions(tableName: string, aws: AwsOptions): DynamoStateStore {
    return new DynamoStateStore(tableName, new DynamoDBClient(clientConfig(aws)));
  }

  async getSecret(arn: string): Promise<SecretRecord | undefined> {
    const answer = await this.call('GetItem', () => this.db.send(new GetCommand({ TableName: this.tableName, Key: secretKey(arn), ConsistentRead: true })));
    return answer.Item ? fromItem(answer.Item) : undefined;
  }

  async getSecrets(arns: readonly string[]): Promise<Map<string, SecretRecord>> {
    const out = new Map<string, SecretRecord>();
    for (const item of await this.batchGet([...new Set(arns)].map(secretKey))) {
      const record = fromItem(item);
      out.set(record.arn, record);
    }
    return out;
  }

  /** Items by key, 100 a request, unprocessed keys asked again with backoff. */
  private async batchGet(allKeys: readonly Item[]): Promise<Item[]> {
    const out: Item[] = [];
    for (let i = 0; i < allKeys.length; i += BATCH_GET_LIMIT) {
      let keys: Item[] | undefined = allKeys.slice(i, i + BATCH_GET_LIMIT);
      for (let attempt = 0; keys?.length; attempt += 1) {
        if (attempt > 0) await backOff(attempt);
        const request: Item[] = keys;
        const answer = await this.call('BatchGetItem', () => this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: request } } })));
        out.push(...(answer.Responses?.[this.tableName] ?? []));
        keys = answer.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined;
      }
    }
    return out;
  }

  async putSecret(record: SecretRecord, options: PutOptions = {}): Promise<PutOutcome> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const stored = await this.getSecret(record.arn);
      const outcome = putOutcome(stored, record, options);
      if (outcome !== 'written') return outcome;
      try {
        await this.writeSecret(record, stored);
        return 'written';
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another writer came between the read and the write: with a lock that is the caller's to resolve.
        if (options.expectedVersion !== undefined) return 'conflict';
      }
    }
    return 'conflict';
  }

  /**
   * The secret's item, written only over the version read. Its key index entries change in the same transaction when a
   * stored secret moves to another key or name (rare). The first write of a secret puts its entries first, then the
   * item only when still absent: a crash between the two leaves entries naming the key the secret was read with, never a
   * secret missing from the index; a writer that lost the race takes back the entries the winner's state does not name.
   * Most writes (tags, policies, statuses) leave the index alone: one conditional PutItem, no transaction.
   */
  private async writeSecret(record: SecretRecord, stored: SecretRecord | undefined): Promise<void> {
    const names = keyNamesOf(record.state);
    const old = stored ? keyNamesOf(stored.state) : [];
    const entry = keyIndexEntry(record.state);
    const put = {
      TableName: this.tableName,
      Item: { ...secretKey(record.arn), ...toItem({ ...record, version: (stored?.version ?? 0) + 1 }) },
      ...(stored ? { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': stored.version } } : { ConditionExpression: 'attribute_not_exists(pk)' }),
    };
    if (!stored) {
      await this.batchWrite(names.map((n) => ({ PutRequest: { Item: { ...keyIndexKey(n, record.arn), ...entry } } })));
      try {
        await this.call('PutItem', () => this.db.send(new PutCommand(put)));
      } catch (error) {
        if (isConditionFailure(error)) {
          const winner = await this.getSecret(record.arn);
          const kept = winner ? keyNamesOf(winner.state) : [];
          await this.batchWrite(names.filter((n) => !kept.includes(n)).map((n) => ({ DeleteRequest: { Key: keyIndexKey(n, record.arn) } })));
        }
        throw error;
      }
      return;
    }
    const added = names.filter((n) => !old.includes(n) || stored.state.name !== record.state.name);
    const removed = old.filter((n) => !names.includes(n));
    if (!added.length && !removed.length) {
      await this.call('PutItem', () => this.db.send(new PutCommand(put)));
      return;
    }
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      { Put: put },
      ...added.map((n) => ({ Put: { TableName: this.tableName, Item: { ...keyIndexKey(n, record.arn), ...entry } } })),
      ...removed.map((n) => ({ Delete: { TableName: this.tableName, Key: keyIndexKey(n, record.arn) } })),
    ];
    await this.call('TransactWriteItems', () => this.db.send(new TransactWriteCommand({ TransactItems: items })));
  }

  async deleteSecret(arn: string): Promise<void> {
    const stored = await this.getSecret(arn);
    if (!stored) return;
    const items = [{ Delete: { TableName: this.tableName, Key: secretKey(arn) } }, ...keyNamesOf(stored.state).map((n) => ({ Delete: { TableName: this.tableName, Key: keyIndexKey(n, arn) } }))];
    await this.call('TransactWriteItems', () => this.db.send(new TransactWriteCommand({ TransactItems: items })));
  }

  async markDirty(arn: string, reason: string): Promise<void> {
    try {
      await this.call('UpdateItem', () =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: secretKey(arn),
            UpdateExpression: 'SET dirty = :true, dirtyReason = :reason',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':true': true, ':reason': reason },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async secretsByKey(keyNames: Iterable<string>): Promise<KeyIndexEntry[]> {
    const found = new Map<string, KeyIndexEntry>();
    for (const name of new Set(keyNames)) {
      for await (const item of this.query(`KEY#${name}`)) {
        found.set(item['sk'] as string, { arn: item['sk'] as string, name: item['name'] as string, kmsKeyId: (item['kmsKeyId'] as string | null) ?? null, kmsKeyArn: (item['kmsKeyArn'] as string | null) ?? null });
      }
    }
    return [...found.values()];
  }

  async *allSecrets(): AsyncIterable<SecretRecord> {
    let start: Item | undefined;
    do {
      const from = start;
      const page = await this.call('Scan', () =>
        this.db.send(new ScanCommand({ TableName: this.tableName, FilterExpression: 'begins_with(pk, :secret) AND sk = :state', ExpressionAttributeValues: { ':secret': 'SECRET#', ':state': STATE }, ...(from ? { ExclusiveStartKey: from } : {}) })),
      );
      for (const item of page.Items ?? []) yield fromItem(item);
      start = page.LastEvaluatedKey;
    } while (start);
  }

  async getReaders(secretArn: string): Promise<ReaderBaseline[]> {
    const out: ReaderBaseline[] = [];
    for await (const item of this.query(`READER#${secretArn}`)) out.push(readerOf(item));
    return out;
  }

  async getReader(secretArn: string, principal: string): Promise<ReaderBaseline | undefined> {
    const answer = await this.call('GetItem', () => this.db.send(new GetCommand({ TableName: this.tableName, Key: readerKey(secretArn, principal), ConsistentRead: true })));
    return answer.Item ? readerOf(answer.Item) : undefined;
  }

  async updateReaders(observations: readonly ReaderObservation[]): Promise<ReaderBaseline[]> {
    const out: ReaderBaseline[] = [];
    for (const seen of foldObservations(observations)) {
      for (let attempt = 0; ; attempt += 1) {
        const answer = await this.call('GetItem', () => this.db.send(new GetCommand({ TableName: this.tableName, Key: readerKey(seen.secretArn, seen.principal), ConsistentRead: true })));
        const version = (answer.Item?.['version'] as number | undefined) ?? 0;
        const merged = mergeReader(answer.Item ? readerOf(answer.Item) : undefined, seen);
        try {
          await this.call('PutItem', () =>
            this.db.send(
              new PutCommand({
                TableName: this.tableName,
                Item: { ...readerKey(seen.secretArn, seen.principal), ...merged, version: version + 1 },
                ...(answer.Item ? { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': version } } : { ConditionExpression: 'attribute_not_exists(pk)' }),
              }),
            ),
          );
          out.push(merged);
          break;
        } catch (error) {
          if (!isConditionFailure(error) || attempt + 1 >= ATTEMPTS) throw error;
        }
      }
    }
    return out;
  }

  async getReadersOf(pairs: readonly { secretArn: string; principal: string }[]): Promise<ReaderBaseline[]> {
    const unique = new Map(pairs.map((p) => [`${p.secretArn}#${p.principal}`, readerKey(p.secretArn, p.principal)]));
    return (await this.batchGet([...unique.values()])).map(readerOf);
  }

  async getAuditItems(keys: readonly string[]): Promise<Map<string, AuditItem>> {
    const out = new Map<string, AuditItem>();
    for (const item of await this.batchGet([...new Set(keys)].map(auditKey))) out.set(item['pk'] as string, { item: JSON.parse(item['body'] as string), version: (item['version'] as number | undefined) ?? 0 });
    return out;
  }

  async putAuditItem(key: string, item: unknown, expectedVersion: number | null): Promise<'written' | 'conflict'> {
    // An item written before items had versions has none: version 0 is "exists, without a version".
    const condition =
      expectedVersion === null
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : expectedVersion === 0
          ? { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(version)' }
          : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': expectedVersion } };
    try {
      await this.call('PutItem', () => this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...auditKey(key), body: JSON.stringify(item), version: (expectedVersion ?? 0) + 1 }, ...condition })));
      return 'written';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  async getSecretWatches(secretArns: readonly string[]): Promise<SecretWatchRecord[]> {
    return (await this.batchGet([...new Set(secretArns)].map(watchKey))).map(watchOf);
  }

  /**
   * One UpdateItem per secret, never a put: accounts are added to a string set, readOutsideVpc only ever set true, and
   * firstRead set when absent; a watch that lowers it (`lowersFirstRead`) sets it in the same update, on condition that the
   * stored one is not earlier. A second update only when that guess was wrong: another batch stored an earlier first read
   * meanwhile, or a writer that did not say it lowers the first read did.
   */
  async mergeSecretWatches(watches: readonly SecretWatchMerge[]): Promise<void> {
    const bySecret = new Map<string, SecretWatchMerge>();
    for (const w of watches) {
      const prior = bySecret.get(w.secretArn);
      bySecret.set(w.secretArn, { ...mergeWatch(prior, w), lowersFirstRead: (prior?.lowersFirstRead ?? false) || (w.lowersFirstRead ?? false) });
    }
    const limit = pLimit(WRITES_IN_FLIGHT);
    await Promise.all([...bySecret.values()].map((watch) => limit(() => this.mergeSecretWatch(watch))));
  }

  private async mergeSecretWatch(watch: SecretWatchMerge): Promise<void> {
    const values: Item = { ':arn': watch.secretArn, ':first': watch.firstRead };
    let others = '';
    if (watch.readOutsideVpc) {
      others += ', readOutsideVpc = :true';
      values[':true'] = true;
    }
    if (watch.accounts.length) {
      others += ' ADD accounts :accounts';
      values[':accounts'] = new Set(watch.accounts);
    }
    const update = (firstRead: string, options: { ConditionExpression?: string; ReturnValues?: 'ALL_NEW' }) =>
      this.call('UpdateItem', () => this.db.send(new UpdateCommand({ TableName: this.tableName, Key: watchKey(watch.secretArn), UpdateExpression: `SET secretArn = :arn, firstRead = ${firstRead}${others}`, ExpressionAttributeValues: values, ...options })));
    if (watch.lowersFirstRead) {
      try {
        await update(':first', { ConditionExpression: 'attribute_not_exists(firstRead) OR firstRead >= :first' });
        return;
      } catch (error) {
        // Another batch stored an earlier first read meanwhile: the rest is merged below, without it.
        if (!isConditionFailure(error)) throw error;
      }
    }
    const answer = await update('if_not_exists(firstRead, :first)', { ReturnValues: 'ALL_NEW' });
    const stored = answer.Attributes?.['firstRead'] as number | undefined;
    if (stored === undefined || stored <= watch.firstRead) return;
    try {
      await this.call('UpdateItem', () =>
        this.db.send(new UpdateCommand({ TableName: this.tableName, Key: watchKey(watch.secretArn), UpdateExpression: 'SET firstRead = :first', ConditionExpression: 'firstRead > :first', ExpressionAttributeValues: { ':first': watch.firstRead } })),
      );
    } catch (error) {
      // Another batch lowered it further meanwhile.
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Puts and deletes, 25 a request, unprocessed items sent again with backoff. */
  private async batchWrite(all: readonly WriteRequest[]): Promise<void> {
    for (let i = 0; i < all.length; i += BATCH_WRITE_LIMIT) {
      let requests: WriteRequest[] | undefined = all.slice(i, i + BATCH_WRITE_LIMIT);
      for (let attempt = 0; requests?.length; attempt += 1) {
        if (attempt > 0) await backOff(attempt);
        const batch: WriteRequest[] = requests;
        const answer = await this.call('BatchWriteItem', () => this.db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: batch } })));
        requests = answer.UnprocessedItems?.[this.tableName] as WriteRequest[] | undefined;
      }
    }
  }

  async getSweepProgress(runId: string): Promise<SweepProgress | undefined> {
    const answer = await this.call('GetItem', () => this.db.send(new GetCommand({ TableName: this.tableName, Key: sweepKey(runId), ConsistentRead: true })));
    return answer.Item ? (JSON.parse(answer.Item['progress'] as string) as SweepProgress) : undefined;
  }

  async putSweepProgress(progress: SweepProgress): Promise<void> {
    await this.call('PutItem', () => this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...sweepKey(progress.runId), progress: JSON.stringify(progress) } })));
  }

  async deleteSweepProgress(runId: string): Promise<void> {
    await this.call('DeleteItem', () => this.db.send(new DeleteCommand({ TableName: this.tableName, Key: sweepKey(runId) })));
  }

  async getMeta(): Promise<StoreMeta> {
    const answer = await this.call('GetItem', () => this.db.send(new GetCommand({ TableName: this.tableName, Key: META_KEY, ConsistentRead: true })));
    return { filledAt: (answer.Item?.['filledAt'] as number | undefined) ?? null, lastFullAt: (answer.Item?.['lastFullAt'] as number | undefined) ?? null };
  }

  async putMeta(meta: Partial<StoreMeta>): Promise<void> {
    const entries = Object.entries(meta).filter(([, v]) => v !== undefined);
    if (!entries.length) return;
    await this.call('UpdateItem', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: META_KEY,
          UpdateExpression: `SET ${entries.map(([k]) => `#${k} = :${k}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(entries.map(([k]) => [`#${k}`, k])),
          ExpressionAttributeValues: Object.fromEntries(entries.map(([k, v]) => [`:${k}`, v])),
        }),
      ),
    );
  }

  private async *query(pk: string): AsyncIterable<Item> {
    let start: Item | undefined;
    do {
      const from = start;
      const page = await this.call('Query', () => this.db.send(new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ...(from ? { ExclusiveStartKey: from } : {}) })));
      yield* page.Items ?? [];
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** A missing table or a refused call names the table and the action; a condition failure is the caller's to judge. */
  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      const name = error instanceof Error ? error.name : 'Error';
      if (name === 'ResourceNotFoundException') throw new StateStoreError(`dynamodb:${action} ${this.tableName}`, 'the state table does not exist (deploy vigil, or create it as docs/design.md says)', { cause: error });
      if (name === 'AccessDeniedException') throw new StateStoreError(`dynamodb:${action} ${this.tableName}`, 'access denied', { cause: error });
      throw error;
    }
  }
}

function toItem(record: SecretRecord): Item {
  return {
    arn: record.arn,
    region: record.state.region,
    state: JSON.stringify(record.state),
    statuses: record.statuses,
    observedAt: record.observedAt,
    lastChangedDate: record.lastChangedDate,
    readAt: record.readAt,
    dirty: record.dirty,
    dirtyReason: record.dirtyReason,
    version: record.version,
    lastEvent: record.lastEvent,
  };
}

function fromItem(item: Item): SecretRecord {
  return {
    arn: item['arn'] as string,
    state: JSON.parse(item['state'] as string) as SecretState,
    statuses: (item['statuses'] as ControlStatuses | undefined) ?? {},
    observedAt: item['observedAt'] as number,
    lastChangedDate: (item['lastChangedDate'] as number | null | undefined) ?? null,
    readAt: (item['readAt'] as number | null | undefined) ?? null,
    dirty: item['dirty'] === true,
    ...(typeof item['dirtyReason'] === 'string' ? { dirtyReason: item['dirtyReason'] } : {}),
    version: (item['version'] as number | undefined) ?? 0,
    ...(item['lastEvent'] ? { lastEvent: item['lastEvent'] as NonNullable<SecretRecord['lastEvent']> } : {}),
  };
}

function readerOf(item: Item): ReaderBaseline {
  return {
    secretArn: item['secretArn'] as string,
    principal: item['principal'] as string,
    principalAccount: (item['principalAccount'] as string | null | undefined) ?? null,
    firstSeen: item['firstSeen'] as number,
    lastSeen: item['lastSeen'] as number,
    reads: (item['reads'] as number | undefined) ?? 0,
    denied: (item['denied'] as number | undefined) ?? 0,
    sourceIps: (item['sourceIps'] as string[] | undefined) ?? [],
    vpcEndpoints: (item['vpcEndpoints'] as string[] | undefined) ?? [],
    userAgents: (item['userAgents'] as string[] | undefined) ?? [],
  };
}

/** A watch as stored: its merged attributes, and the whole-item body of a watch written before they were merged. */
function watchOf(item: Item): SecretWatchRecord {
  const merged: SecretWatchRecord = {
    secretArn: item['secretArn'] as string,
    firstRead: (item['firstRead'] as number | undefined) ?? Infinity,
    accounts: [...((item['accounts'] as Set<string> | undefined) ?? [])],
    readOutsideVpc: item['readOutsideVpc'] === true,
  };
  if (typeof item['body'] !== 'string') return merged;
  const legacy = JSON.parse(item['body']) as SecretWatchRecord;
  return mergeWatch(typeof merged.secretArn === 'string' ? merged : undefined, legacy);
}

function isConditionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ConditionalCheckFailedException') return true;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return error.name === 'TransactionCanceledException' && (reasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
}

const backOff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));

/** Creates the state table as serverless.yml declares it (for tests, the demo, and an emulator). */
export async function createStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { Enabled: true },
    }),
  );
}
