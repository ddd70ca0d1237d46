import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeFromLive } from '../../src/config/index.js';
import { evaluateSecret } from '../../src/controls/index.js';
import { fromConfigItem, fromDescribeSecret, parseSnapshot } from '../../src/inventory/index.js';
import type { SecretState } from '../../src/model/index.js';
import { FIXTURE_NOW } from '../helpers/reports.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';
import { fixtureParams } from '../helpers/replay.js';

type SnapshotSecret = { describe: Record<string, unknown>; resourcePolicy?: string | null; kmsKey?: { Arn?: string; KeyManager?: string; KeyState?: string } | null; versions?: unknown; unreadable?: Record<string, string> };
const doc = JSON.parse(readFileSync(join(EVENTS_DIR, 'snapshots', 'acme-prod.json'), 'utf8')) as { secrets: SnapshotSecret[] };

/** The AWS Config item a recorder would make of the same secret: Config's own names, tags at the top level. */
function configItemOf(d: Record<string, unknown>) {
  const rules = d['RotationRules'] as { AutomaticallyAfterDays?: number; ScheduleExpression?: string; Duration?: string } | undefined;
  return {
    configurationItemCaptureTime: '2026-11-19T23:00:00.000Z',
    configurationItemStatus: 'OK',
    resourceType: 'AWS::SecretsManager::Secret',
    resourceId: d['ARN'] as string,
    resourceName: d['Name'] as string,
    ARN: d['ARN'] as string,
    awsRegion: 'us-east-1',
    awsAccountId: '111122223333',
    resourceCreationTime: d['CreatedDate'] as string,
    configuration: {
      Name: d['Name'],
      ARN: d['ARN'],
      KMSKeyId: d['KmsKeyId'],
      RotationEnabled: d['RotationEnabled'] ?? false,
      RotationLambdaARN: d['RotationLambdaARN'],
      ...(rules ? { RotationRules: { AutomaticallyAfterDays: rules.AutomaticallyAfterDays, RotationScheduleExpression: rules.ScheduleExpression, RotationDuration: rules.Duration } } : {}),
      Deleted: d['DeletedDate'] !== undefined,
    },
    tags: Object.fromEntries(((d['Tags'] as { Key: string; Value: string }[] | undefined) ?? []).map((t) => [t.Key, t.Value])),
  };
}

const statuses = async (state: SecretState) => Object.fromEntries((await evaluateSecret(state, { now: FIXTURE_NOW, params: fixtureParams() })).map((f) => [f.controlId, f.status]));

describe('one secret, three shapes, one verdict', () => {
  it.each(doc.secrets.map((s) => [s.describe['Name'] as string, s] as const))('%s: every control decides the same from a Config item, DescribeSecret and a snapshot', async (_name, secret) => {
    const extras = {
      resourcePolicy: secret.resourcePolicy ?? null,
      kmsKey: secret.kmsKey ? { arn: secret.kmsKey.Arn ?? null, keyManager: secret.kmsKey.KeyManager ?? null, keyState: secret.kmsKey.KeyState ?? null } : null,
      versions: secret.versions,
      unreadable: secret.unreadable ?? {},
    };
    const fromDescribe = fromDescribeSecret(secret.describe, extras);
    const fromSnapshot = parseSnapshot({ snapshotVersion: 1, account: '111122223333', region: 'us-east-1', capturedAt: '2026-11-20T00:00:00Z', secrets: [secret] }).secrets[0] as SecretState;
    // The Config rule reads live what the item lacks; the live read is DescribeSecret of the same secret.
    const fromConfig = completeFromLive(fromConfigItem(configItemOf(secret.describe)), fromDescribe).state;
    const expected = await statuses(fromDescribe);
    expect(Object.keys(expected)).toHaveLength(11);
    expect(await statuses(fromSnapshot)).toEqual(expected);
    expect(await statuses(fromConfig)).toEqual(expected);
  });
});
