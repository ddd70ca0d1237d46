import { describe, expect, it } from 'vitest';
import { evaluateSecret, rotationInterval, windowSeconds, ScheduleError, exemptionFor } from '../../src/controls/index.js';
import { parseConfigRuleInvocation } from '../../src/events/index.js';
import { SecretStateError, fromConfigItem, fromDescribeSecret } from '../../src/inventory/index.js';
import { loadFixture } from '../helpers/fixtures.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d';
const NOW = Date.UTC(2026, 10, 20) / 1000;
const DAY = 86_400;

describe('SecretState from the three shapes AWS describes a secret in', () => {
  const describeOutput = {
    ARN: ARN,
    Name: 'prod/db/orders',
    KmsKeyId: KEY,
    RotationEnabled: true,
    RotationLambdaARN: 'arn:aws:lambda:us-east-1:111122223333:function:rotate',
    RotationRules: { AutomaticallyAfterDays: 30 },
    LastRotatedDate: '2026-11-10T09:14:07.512000+00:00',
    LastChangedDate: 1794302047,
    LastAccessedDate: '2026-11-19T00:00:00+00:00',
    NextRotationDate: '2026-12-10T00:00:00Z',
    CreatedDate: '2026-01-15T10:00:00-05:00',
    Tags: [{ Key: 'team', Value: 'orders' }],
    VersionIdsToStages: { v1: ['AWSCURRENT'] },
  };

  it('reads DescribeSecret output with dates in every form AWS prints', () => {
    const state = fromDescribeSecret(describeOutput);
    expect(state).toMatchObject({
      arn: ARN,
      name: 'prod/db/orders',
      account: '111122223333',
      region: 'us-east-1',
      lastRotatedAt: Date.UTC(2026, 10, 10, 9, 14, 7, 512) / 1000,
      lastChangedAt: 1794302047,
      lastAccessedAt: Date.UTC(2026, 10, 19) / 1000,
      createdAt: Date.UTC(2026, 0, 15, 15) / 1000,
      rotationRules: { automaticallyAfterDays: 30, scheduleExpression: null, duration: null },
      tags: { team: 'orders' },
      versions: [{ versionId: 'v1', stages: ['AWSCURRENT'], createdAt: 1794302047 }],
    });
  });

  it('reads a ListSecrets entry, whose version map is SecretVersionsToStages', () => {
    const { VersionIdsToStages, ...entry } = describeOutput;
    expect(fromDescribeSecret({ ...entry, SecretVersionsToStages: VersionIdsToStages }).versions).toEqual([{ versionId: 'v1', stages: ['AWSCURRENT'], createdAt: 1794302047 }]);
  });

  it('truncates LastAccessedDate to midnight, since AWS records only the day', () => {
    expect(fromDescribeSecret({ ...describeOutput, LastAccessedDate: '2026-11-19T17:45:00Z' }).lastAccessedAt).toBe(Date.UTC(2026, 10, 19) / 1000);
  });

  it('reads an AWS Config item, whose names differ, and marks what it does not record', () => {
    const invocation = parseConfigRuleInvocation(loadFixture('config/ConfigurationItemChangeNotification.json'));
    const state = fromConfigItem(invocation.configurationItem as NonNullable<typeof invocation.configurationItem>);
    expect(state).toMatchObject({
      arn: ARN,
      name: 'prod/db/orders',
      kmsKeyId: KEY,
      rotationEnabled: true,
      rotationOccurringAsScheduled: true,
      rotationRules: { automaticallyAfterDays: 30, scheduleExpression: 'rate(30 days)' },
      tags: { team: 'orders', 'data-classification': 'confidential' },
      createdAt: Date.UTC(2026, 0, 15, 10) / 1000,
      deletedAt: null,
    });
    expect(Object.keys(state.unreadable).sort()).toEqual(['kmsKey', 'lastAccessedAt', 'lastRotatedAt', 'nextRotationAt', 'replication', 'resourcePolicy']);
  });

  it('evaluates a Config item to ERROR where the item lacks the data, never to a guess', async () => {
    const invocation = parseConfigRuleInvocation(loadFixture('config/ConfigurationItemChangeNotification.json'));
    const findings = await evaluateSecret(fromConfigItem(invocation.configurationItem as NonNullable<typeof invocation.configurationItem>), { now: NOW });
    const status = Object.fromEntries(findings.map((f) => [f.controlId, f.status]));
    expect(status).toEqual({
      'customer-managed-key': 'ERROR',
      'no-public-principal': 'ERROR',
      'no-untrusted-cross-account': 'ERROR',
      'no-untrusted-replica': 'ERROR',
      'pending-deletion': 'PASS',
      'replication-healthy': 'ERROR',
      'required-tags': 'NOT_APPLICABLE',
      'rotated-within-period': 'ERROR',
      'rotation-enabled': 'PASS',
      'rotation-succeeding': 'PASS',
      unused: 'ERROR',
    });
  });

  it('refuses a description without an ARN, naming the path', () => {
    expect(() => fromDescribeSecret({ Name: 'x' }, {}, 'secrets[2].describe')).toThrow(SecretStateError);
    expect(() => fromDescribeSecret({ Name: 'x' }, {}, 'secrets[2].describe')).toThrow('secrets[2].describe.ARN: expected string, received undefined');
  });

  it('refuses a date it cannot read, naming the field', () => {
    expect(() => fromDescribeSecret({ ...describeOutput, LastRotatedDate: 'last tuesday' })).toThrow(/^describe\.LastRotatedDate: expected a date/);
  });
});

describe('the edge cases the controls must get right', () => {
  const base = { ARN: ARN, Name: 'prod/db/orders', KmsKeyId: KEY, CreatedDate: NOW - 200 * DAY, LastAccessedDate: NOW - DAY };
  const key = { arn: KEY, keyManager: 'CUSTOMER', keyState: 'Enabled' };
  const statusOf = async (describe: Record<string, unknown>, controlId: string, extras = {}) =>
    (await evaluateSecret(fromDescribeSecret(describe, { kmsKey: key, ...extras }), { now: NOW })).find((f) => f.controlId === controlId)?.status;

  it('makes rotation controls NOT_APPLICABLE for a replica (PrimaryRegion is another region)', async () => {
    for (const control of ['rotation-enabled', 'rotation-succeeding', 'rotated-within-period']) {
      expect(await statusOf({ ...base, PrimaryRegion: 'eu-west-1' }, control)).toBe('NOT_APPLICABLE');
    }
    expect(await statusOf({ ...base, PrimaryRegion: 'us-east-1' }, 'rotation-enabled')).toBe('FAIL');
  });

  it('passes a service-managed secret that rotates without a rotation function', async () => {
    expect(await statusOf({ ...base, OwningService: 'rds', RotationEnabled: true, RotationRules: { AutomaticallyAfterDays: 7 }, LastRotatedDate: NOW - 2 * DAY }, 'rotation-enabled')).toBe('PASS');
  });

  it('counts a never-accessed secret from its CreatedDate', async () => {
    expect(await statusOf({ ...base, LastAccessedDate: undefined }, 'unused')).toBe('FAIL');
    expect(await statusOf({ ...base, LastAccessedDate: undefined, CreatedDate: NOW - 10 * DAY }, 'unused')).toBe('PASS');
  });

  it('passes a secret younger than the rotation period that never rotated', async () => {
    expect(await statusOf({ ...base, CreatedDate: NOW - 30 * DAY }, 'rotated-within-period')).toBe('PASS');
  });

  it.each([
    [undefined, null, 'FAIL'],
    ['alias/aws/secretsmanager', null, 'FAIL'],
    ['alias/prod-secrets', { arn: KEY, keyManager: 'CUSTOMER', keyState: 'Enabled' }, 'PASS'],
    ['0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d', { arn: KEY, keyManager: 'CUSTOMER', keyState: 'Enabled' }, 'PASS'],
    [KEY, { arn: KEY, keyManager: 'AWS', keyState: 'Enabled' }, 'FAIL'],
    [KEY, { arn: KEY, keyManager: 'CUSTOMER', keyState: 'Disabled' }, 'FAIL'],
    [KEY, { arn: KEY, keyManager: 'CUSTOMER', keyState: 'PendingDeletion' }, 'FAIL'],
  ])('judges KmsKeyId %s with key %j as %s', async (kmsKeyId, kmsKey, expected) => {
    expect(await statusOf({ ...base, KmsKeyId: kmsKeyId }, 'customer-managed-key', { kmsKey })).toBe(expected);
  });

  it('gives ERROR, not PASS, for a resource policy that is not valid JSON', async () => {
    expect(await statusOf(base, 'no-public-principal', { resourcePolicy: '{"Statement": [' })).toBe('ERROR');
  });

  it('sees a version left as AWSPENDING past the window as a stuck rotation', async () => {
    const rotating = { ...base, RotationEnabled: true, RotationRules: { AutomaticallyAfterDays: 30 }, LastRotatedDate: NOW - 5 * DAY, VersionIdsToStages: { cur: ['AWSCURRENT'], pend: ['AWSPENDING'] } };
    const versions = [{ VersionId: 'cur', CreatedDate: NOW - 5 * DAY }, { VersionId: 'pend', CreatedDate: NOW - 3 * DAY }];
    expect(await statusOf(rotating, 'rotation-succeeding', { versions })).toBe('FAIL');
    expect(await statusOf(rotating, 'rotation-succeeding', { versions: [{ VersionId: 'cur', CreatedDate: NOW - 5 * DAY }, { VersionId: 'pend', CreatedDate: NOW - 3600 }] })).toBe('PASS');
  });
});

describe('rotation schedules as intervals', () => {
  const interval = (scheduleExpression: string) => rotationInterval({ automaticallyAfterDays: null, scheduleExpression }, NOW).maxIntervalSeconds;

  it.each([
    ['rate(10 days)', 10 * DAY],
    ['rate(1 day)', DAY],
    ['rate(4 hours)', 4 * 3600],
    ['cron(0 4 * * ? *)', DAY],
    ['cron(0 4 ? * SUN *)', 7 * DAY],
    ['cron(0 4 ? * 1 *)', 7 * DAY],
    ['cron(0 4 ? * MON-FRI *)', 3 * DAY],
    ['cron(0 4 1 * ? *)', 31 * DAY],
    ['cron(0 8 L * ? *)', 31 * DAY],
    ['cron(0 4 ? * 2#1 *)', 35 * DAY],
    ['cron(0 4 ? * 6L *)', 35 * DAY],
    ['cron(0 0/4 * * ? *)', 4 * 3600],
    ['cron(0 9 1 1,7 ? *)', 184 * DAY],
  ])('%s rotates at least every %i seconds', (expression, seconds) => {
    expect(interval(expression)).toBe(seconds);
  });

  it('takes AutomaticallyAfterDays when no expression is set, and the expression when both are', () => {
    expect(rotationInterval({ automaticallyAfterDays: 30, scheduleExpression: null }, NOW).maxIntervalSeconds).toBe(30 * DAY);
    expect(rotationInterval({ automaticallyAfterDays: 30, scheduleExpression: 'rate(7 days)' }, NOW).maxIntervalSeconds).toBe(7 * DAY);
  });

  it('has no interval for a schedule that never fires again', () => {
    expect(interval('cron(0 0 1 1 ? 2001)')).toBeNull();
  });

  it.each(['cron(0 4 * * * *)', 'cron(0 4 ? * ? *)', 'cron(61 4 * * ? *)', 'cron(0 4 * *)', 'every day', 'rate(0 days)'])('refuses %s with a reason', (expression) => {
    expect(() => interval(expression)).toThrow(ScheduleError);
  });

  it('reads the rotation window in hours', () => {
    expect(windowSeconds('3h')).toBe(3 * 3600);
    expect(windowSeconds(null)).toBeNull();
    expect(() => windowSeconds('3 hours')).toThrow(ScheduleError);
  });
});

describe('exemptions', () => {
  const tags = (value: string) => ({ 'vigil:exempt:unused': value });
  const unused = { id: 'unused', severity: 'MEDIUM' } as const;

  it('holds through the stated day', () => {
    expect(exemptionFor(tags('2026-11-20 batch job runs quarterly'), unused, NOW + DAY - 1)).toMatchObject({ active: true, until: '2026-11-20', reason: 'batch job runs quarterly' });
  });

  it('is ignored after that day, and says so', () => {
    expect(exemptionFor(tags('2026-11-20 batch job'), unused, NOW + DAY)).toMatchObject({ active: false, note: 'ignored: expired at the end of 2026-11-20' });
  });

  it.each(['soon', '2026-02-30 no such day', '2026-12-01', '31/12/2026 wrong order'])('is ignored when the value "%s" cannot be read', (value) => {
    expect(exemptionFor(tags(value), unused, NOW)).toMatchObject({ active: false, note: expect.stringContaining('YYYY-MM-DD reason') });
  });

  it('is unusable when it runs longer than maxExemptionDays from now (365 by default), and says so', () => {
    expect(exemptionFor(tags('2099-12-31 forever'), unused, NOW)).toMatchObject({ active: false, until: '2099-12-31', note: 'ignored: runs until 2099-12-31, longer than maxExemptionDays (365) from now' });
    const in400Days = new Date((NOW + 400 * DAY) * 1000).toISOString().slice(0, 10);
    expect(exemptionFor(tags(`${in400Days} long audit`), unused, NOW)).toMatchObject({ active: false });
    expect(exemptionFor(tags(`${in400Days} long audit`), unused, NOW, { maxExemptionDays: 500 })).toMatchObject({ active: true, until: in400Days });
  });

  it('is ignored on a CRITICAL control unless allowCriticalExemptions is true, and says so', () => {
    const critical = { id: 'no-public-principal', severity: 'CRITICAL' } as const;
    const tagged = { 'vigil:exempt:no-public-principal': '2026-11-30 vendor needs anonymous read' };
    expect(exemptionFor(tagged, critical, NOW)).toMatchObject({ active: false, until: '2026-11-30', note: 'ignored: no-public-principal is CRITICAL, and CRITICAL controls are exempted only when allowCriticalExemptions is true' });
    expect(exemptionFor(tagged, critical, NOW, { allowCriticalExemptions: true })).toMatchObject({ active: true, until: '2026-11-30' });
    // The same tag on a control that is not CRITICAL holds without the parameter.
    expect(exemptionFor({ 'vigil:exempt:unused': tagged['vigil:exempt:no-public-principal'] }, unused, NOW)).toMatchObject({ active: true });
  });

  it('applies only to the control it names', () => {
    expect(exemptionFor(tags('2027-01-01 x'), { id: 'rotation-enabled', severity: 'MEDIUM' }, NOW)).toBeUndefined();
  });
});
