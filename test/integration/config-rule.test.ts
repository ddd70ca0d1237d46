import { ConfigServiceClient, GetResourceConfigHistoryCommand, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfigRuleHandler } from '../../functions/config-rule.js';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { DEMO_SECRETS, seedAccount, type SeededAccount } from '../../src/demo/account.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { loadFixture } from '../helpers/fixtures.js';

// moto accepts PutEvaluations only with TestMode, so the rule runs in test mode here; a real account takes them for real.
let emulator: Emulator;
let seeded: SeededAccount;
const ACCOUNT = '123456789012';

beforeAll(async () => {
  emulator = await startEmulator();
  const aws = emulator.aws();
  seeded = await seedAccount({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), primary: (r) => ({ secretsManager: secretsManagerClient(emulator.aws(r)) }) }, DEMO_SECRETS, (n) => `v-${n}`, ACCOUNT);
});

afterAll(async () => {
  await emulator?.stop();
});

const handler = (env: Record<string, string> = {}) => createConfigRuleHandler({ env: { AWS_REGION: 'us-east-1', VIGIL_CONFIG_TEST_MODE: 'true', ...env }, aws: (r) => emulator.aws(r) });

/** A recorded Config invocation about one of the emulator's secrets, for the rule of `controlId`. */
function invocation(fixture: string, secretName: string, controlId: string, extraParams: Record<string, string> = {}) {
  const arn = seeded.arns[secretName] as string;
  const raw = loadFixture<Record<string, unknown> & { invokingEvent: string }>(`config/${fixture}`);
  const invoking = JSON.parse(raw.invokingEvent.replaceAll('arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab', arn).replaceAll('arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/reporting-Zx56Cv', arn).replaceAll('111122223333', ACCOUNT)) as { configurationItem?: { resourceName?: string; configuration?: Record<string, unknown> | null } };
  if (invoking.configurationItem) {
    invoking.configurationItem.resourceName = secretName;
    if (invoking.configurationItem.configuration) invoking.configurationItem.configuration['Name'] = secretName;
  }
  return { ...raw, accountId: ACCOUNT, invokingEvent: JSON.stringify(invoking), ruleParameters: JSON.stringify({ controlId, ...extraParams }) };
}

describe('the Config rule Lambda', () => {
  it('evaluates the secret in a change notification, reads live what the item lacks, and Config accepts it', async () => {
    const result = await handler()(invocation('ConfigurationItemChangeNotification.json', 'prod/marketing/webhook-secret', 'no-public-principal'));
    expect(result.failed).toBe(0);
    expect(result.evaluations).toEqual([
      expect.objectContaining({
        ComplianceResourceType: 'AWS::SecretsManager::Secret',
        ComplianceResourceId: seeded.arns['prod/marketing/webhook-secret'],
        ComplianceType: 'NON_COMPLIANT',
        Annotation: expect.stringMatching(/allows anyone.*\(Read live: resource policy, replication, KMS key state, last access, last rotation, next rotation\.\)$/),
        OrderingTimestamp: new Date('2026-11-02T09:20:15.927Z'),
      }),
    ]);
  });

  it('passes a compliant secret for the same rule', async () => {
    const result = await handler()(invocation('ConfigurationItemChangeNotification.json', 'prod/shared/readonly-db', 'no-public-principal'));
    expect(result.evaluations[0]?.ComplianceType).toBe('COMPLIANT');
  });

  it('judges the rule\'s own control with the deployment\'s params document (VIGIL_PARAMS)', async () => {
    const result = await handler({ VIGIL_PARAMS: JSON.stringify({ requiredTagKeys: ['team', 'owner'] }) })(invocation('ConfigurationItemChangeNotification.json', 'prod/ci/npm-token', 'required-tags'));
    expect(result.evaluations[0]).toMatchObject({ ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('Missing required tags: owner') });
  });

  it('refuses, once and without retries, a params document it cannot use or parameters set on the rule', async () => {
    const badDocument = await handler({ VIGIL_PARAMS: JSON.stringify({ unusedForDays: 'ninety' }) })(invocation('ScheduledNotification.json', 'prod/orders/db-credentials', 'unused'));
    expect(badDocument).toMatchObject({ evaluations: [], rejected: expect.stringContaining('environment.VIGIL_PARAMS.unusedForDays') });
    const onTheRule = await handler()(invocation('ScheduledNotification.json', 'prod/orders/db-credentials', 'required-tags', { requiredTagKeys: 'team' }));
    expect(onTheRule).toMatchObject({ evaluations: [], rejected: expect.stringContaining('ruleParameters.requiredTagKeys: a Config rule takes only controlId') });
  });

  it('makes a deleted secret NOT_APPLICABLE', async () => {
    const result = await handler()(invocation('ConfigurationItemChangeNotification-deleted.json', 'prod/old/batch-credentials', 'pending-deletion'));
    expect(result.evaluations[0]).toMatchObject({ ComplianceType: 'NOT_APPLICABLE' });
  });

  it('makes another resource type NOT_APPLICABLE', async () => {
    const raw = invocation('ConfigurationItemChangeNotification.json', 'prod/orders/db-credentials', 'unused');
    raw.invokingEvent = raw.invokingEvent.replace('"resourceType":"AWS::SecretsManager::Secret"', '"resourceType":"AWS::S3::Bucket"');
    const result = await handler()(raw);
    expect(result.evaluations[0]).toMatchObject({ ComplianceResourceType: 'AWS::S3::Bucket', ComplianceType: 'NOT_APPLICABLE' });
  });

  it('evaluates every secret on a scheduled notification', async () => {
    const result = await handler()(invocation('ScheduledNotification.json', 'prod/orders/db-credentials', 'unused'));
    expect(result.evaluations).toHaveLength(DEMO_SECRETS.length);
    expect(new Set(result.evaluations.map((e) => e.ComplianceType))).toEqual(new Set(['COMPLIANT']));
    expect(result.evaluations.every((e) => e.OrderingTimestamp?.toISOString() === '2026-11-02T00:00:03.112Z')).toBe(true);
  });

  it('reports an invocation it cannot read once, without throwing into retries', async () => {
    const raw = invocation('ScheduledNotification.json', 'prod/orders/db-credentials', 'unused');
    const result = await handler()({ ...raw, ruleParameters: JSON.stringify({ controlId: 'no-such-control' }) });
    expect(result).toMatchObject({ evaluations: [], rejected: expect.stringContaining('ruleParameters.controlId: expected one of') });
  });
});

describe('an oversized configuration item', () => {
  it('is fetched from Config\'s history, then evaluated the same way', async () => {
    // Config's history of secrets is what moto cannot serve: the Config client is mocked, Secrets Manager is the emulator's.
    const config = mockClient(ConfigServiceClient);
    try {
      const arn = seeded.arns['prod/notifications/twilio-token'] as string;
      config.on(GetResourceConfigHistoryCommand).resolves({
        configurationItems: [
          {
            configurationItemCaptureTime: new Date('2026-11-02T09:20:15.927Z'),
            configurationItemStatus: 'OK',
            resourceType: 'AWS::SecretsManager::Secret',
            resourceId: arn,
            resourceName: 'prod/notifications/twilio-token',
            arn,
            awsRegion: 'us-east-1',
            accountId: ACCOUNT,
            configuration: JSON.stringify({ Name: 'prod/notifications/twilio-token', ARN: arn, RotationEnabled: false, Deleted: false }),
            tags: { team: 'notifications' },
          },
        ],
      });
      config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
      const raw = invocation('OversizedConfigurationItemChangeNotification.json', 'prod/notifications/twilio-token', 'customer-managed-key');
      raw.invokingEvent = raw.invokingEvent.replaceAll('arn:aws:secretsmanager:us-east-1:' + ACCOUNT + ':secret:prod/db/orders-Xy12Ab', arn);
      const result = await handler()(raw);
      expect(config.commandCalls(GetResourceConfigHistoryCommand)[0]?.args[0].input).toMatchObject({ resourceType: 'AWS::SecretsManager::Secret', limit: 1 });
      expect(result.evaluations[0]).toMatchObject({ ComplianceResourceId: arn, ComplianceType: 'NON_COMPLIANT', Annotation: expect.stringContaining('AWS managed key') });
      expect(config.commandCalls(PutEvaluationsCommand)[0]?.args[0].input).toMatchObject({ TestMode: true, ResultToken: expect.any(String) });
    } finally {
      config.restore();
    }
  });
});
