import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SweepUnit } from './units.js';

/** Where an organisation sweep stands: how many units it has, how many have finished, and whether the report was built. */
export interface OrgRun {
  runId: string;
  total: number;
  finished: number;
  evaluatedAt: number;
  fannedIn: boolean;
}

const runKey = (runId: string) => ({ pk: `ORGRUN#${runId}`, sk: 'RUN' });
const unitKey = (runId: string, u: SweepUnit) => ({ pk: `ORGRUN#${runId}`, sk: `UNIT#${u.account}#${u.region}` });
const tryKey = (runId: string, u: SweepUnit) => ({ pk: `ORGRUN#${runId}`, sk: `TRY#${u.account}#${u.region}` });
// Runs are kept a month (DynamoDB's TTL on `expiresAt`), long enough to read why a unit failed.
const KEEP_SECONDS = 31 * 24 * 3600;

const isConditionFailure = (error: unknown) => error instanceof Error && (error.name === 'ConditionalCheckFailedException' || (error.name === 'TransactionCanceledException' && error.message.includes('ConditionalCheckFailed')));

/**
 * The run ledger of the organisation sweep, in the state table (`ORGRUN#<runId>` items): each unit is counted once however
 * often SQS delivers it, and exactly one worker — the one that finishes the last unit — builds the organisation report.
 */
export class OrgRunLedger {
  private readonly db: DynamoDBDocumentClient;

  constructor(
    readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async startRun(runId: string, total: number, evaluatedAt: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...runKey(runId), total, finished: 0, evaluatedAt, fannedIn: false, expiresAt: Math.floor(evaluatedAt) + KEEP_SECONDS },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getRun(runId: string): Promise<OrgRun | undefined> {
    const answer = await this.db.send(new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }));
    const item = answer.Item;
    if (!item) return undefined;
    return { runId, total: Number(item['total']), finished: Number(item['finished']), evaluatedAt: Number(item['evaluatedAt']), fannedIn: item['fannedIn'] === true };
  }

  /** Counts a finished unit once (a redelivered message finds it counted); answers the run as it then stands. */
  async finishUnit(runId: string, unit: SweepUnit, outcome: { status: 'swept' | 'failed'; resultKey: string }, now: number): Promise<OrgRun | undefined> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { ...unitKey(runId, unit), ...outcome, finishedAt: now, expiresAt: Math.floor(now) + KEEP_SECONDS }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Update: { TableName: this.tableName, Key: runKey(runId), UpdateExpression: 'ADD finished :one', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':one': 1 } } },
          ],
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    return this.getRun(runId);
  }

  /** True for exactly one caller: the one that may build the organisation report of a run whose units have all finished. */
  async claimFanIn(runId: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({ TableName: this.tableName, Key: runKey(runId), UpdateExpression: 'SET fannedIn = :yes', ConditionExpression: 'fannedIn = :no AND finished >= #total', ExpressionAttributeNames: { '#total': 'total' }, ExpressionAttributeValues: { ':yes': true, ':no': false } }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** A failed attempt at a unit, kept so that the unit's dead letter can say why it failed. */
  async recordAttempt(runId: string, unit: SweepUnit, error: string, now: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({ TableName: this.tableName, Key: tryKey(runId, unit), UpdateExpression: 'SET lastError = :e, lastAt = :t, expiresAt = :x ADD attempts :one', ExpressionAttributeValues: { ':e': error.slice(0, 1000), ':t': now, ':x': Math.floor(now) + KEEP_SECONDS, ':one': 1 } }),
    );
  }

  async lastAttempt(runId: string, unit: SweepUnit): Promise<{ error: string; attempts: number } | undefined> {
    const answer = await this.db.send(new GetCommand({ TableName: this.tableName, Key: tryKey(runId, unit), ConsistentRead: true }));
    return answer.Item ? { error: String(answer.Item['lastError'] ?? ''), attempts: Number(answer.Item['attempts'] ?? 0) } : undefined;
  }
}
