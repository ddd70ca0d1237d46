import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import type { AwsOptions } from './clients.js';

const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

export type RunOnce = (item: { key: string; run: () => Promise<unknown> }) => Promise<unknown>;

/** Each alert (or compliance event) is sent at most once per key, however often its input is delivered again. */
export function idempotentRunner(tableName: string, aws: AwsOptions): { once: RunOnce; register: (context?: Pick<Context, 'getRemainingTimeInMillis'>) => void } {
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: new DynamoDBClient({ ...aws }) });
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS, throwOnNoIdempotencyKey: true });
  const once = makeIdempotent(async (item: { key: string; run: () => Promise<unknown> }) => item.run(), { persistenceStore, config });
  // The remaining time bounds how long a record stays "in progress" if the invocation dies mid-send.
  return { once, register: (context) => context && config.registerLambdaContext(context as Context) };
}

/**
 * The start of every invocation of a function that alerts on-call: its settings, read on the first invocation only, the
 * options of its home region, and the once-only runner, registered with this invocation's remaining time.
 */
export function invocationStart<S extends { region: string; idempotencyTable: string }>(read: () => S, aws: (region: string) => AwsOptions) {
  let settings: S | undefined;
  let runner: ReturnType<typeof idempotentRunner> | undefined;
  return (context?: Pick<Context, 'getRemainingTimeInMillis'>): { s: S; home: AwsOptions; sendOnce: RunOnce } => {
    settings ??= read();
    const home = aws(settings.region);
    runner ??= idempotentRunner(settings.idempotencyTable, home);
    runner.register(context);
    return { s: settings, home, sendOnce: runner.once };
  };
}
