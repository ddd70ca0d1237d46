import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { normaliseEventBridgeEvent, type SecretEvent } from '../../src/events/index.js';
import type { SecretState } from '../../src/model/index.js';
import { decide, keyNames, protectedBy } from '../../src/reactions/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { knownSecrets } from '../helpers/replay.js';

const event = (file: string, edit: (e: { detail: Record<string, unknown> & { requestParameters: Record<string, unknown> } }) => void = () => undefined) => {
  const raw = loadFixture<{ detail: Record<string, unknown> & { requestParameters: Record<string, unknown> } }>(`eventbridge/${file}`);
  edit(raw);
  return normaliseEventBridgeEvent(raw) as SecretEvent;
};
const context = (secrets: SecretState[] = knownSecrets()) => ({ params: DEFAULT_PARAMS, knownSecrets: secrets });

describe('deciding what an event means', () => {
  it('judges a public policy from the event alone, when nothing else is known', async () => {
    const decision = await decide(event('PutResourcePolicy-public.json'), context([]));
    expect(decision.alerts.map((a) => [a.kind, a.severity, a.controlId])).toEqual([
      ['control-failed', 'CRITICAL', 'no-public-principal'],
      ['control-failed', 'HIGH', 'no-untrusted-cross-account'],
    ]);
  });

  it('says a control that ends ERROR with nothing known before was not judged, not left as it was', async () => {
    const decision = await decide(event('PutResourcePolicy-public.json', (e) => void (e.detail.requestParameters['resourcePolicy'] = 'HIDDEN')), context([]));
    expect(decision.findings.map((f) => [f.controlId, f.status])).toEqual([
      ['no-public-principal', 'ERROR'],
      ['no-untrusted-cross-account', 'ERROR'],
    ]);
    expect(decision.ignored).toBe('after PutResourcePolicy, no-public-principal and no-untrusted-cross-account could not be judged (the resource policy is not valid JSON), and nothing was known of them before');
  });

  it('counts a default recovery window as 30 days and says when the secret is gone', async () => {
    const decision = await decide(event('DeleteSecret-default-window.json'), context());
    const [alert] = decision.alerts;
    expect(alert?.details).toMatchObject({ recoveryWindowInDays: 30, deletionDate: '2026-12-02T21:40:11.000Z' });
    expect(alert?.message).toContain('30-day recovery window (the default)');
    expect(alert?.message).toContain('aws secretsmanager restore-secret --secret-id arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab');
  });

  it('raises nothing for a call that failed', async () => {
    const decision = await decide(event('DeleteSecret-access-denied.json'), context());
    expect(decision.alerts).toEqual([]);
    expect(decision.ignored).toBe('the call failed (AccessDenied), so it changed nothing');
  });

  it('names the error and the rotation function of a failed rotation', async () => {
    const [alert] = (await decide(event('RotationFailed.json'), context())).alerts;
    expect(alert?.message).toContain('Error:   Error when executing lambda arn:aws:lambda:us-east-1:111122223333:function:reporting-rotation during setSecret step');
    expect(alert?.details).toMatchObject({ rotationFunction: 'arn:aws:lambda:us-east-1:111122223333:function:reporting-rotation' });
  });

  it('does not alert for a control the secret is exempted from', async () => {
    const secrets = knownSecrets().map((s) => (s.name === 'prod/db/orders' ? { ...s, tags: { ...s.tags, 'vigil:exempt:rotation-enabled': '2027-03-01 vendor rotates it' } } : s));
    const decision = await decide(event('CancelRotateSecret.json'), context(secrets));
    expect(decision.alerts).toEqual([]);
    expect(decision.complianceChanges.find((c) => c.controlId === 'rotation-enabled')).toMatchObject({ oldStatus: 'PASS', newStatus: 'FAIL', finding: { exemption: { active: true } } });
  });

  it('keeps a tag named like an object property as a plain tag', async () => {
    const tagged = event('TagResource.json', (e) => {
      e.detail.requestParameters['tags'] = [{ key: '__proto__', value: 'x' }, { key: 'team', value: 'orders' }];
    });
    const { evolve } = await import('../../src/reactions/index.js');
    const after = evolve(knownSecrets(), tagged).find((s) => s.name === 'prod/db/orders');
    expect(Object.keys(after?.tags ?? {})).toContain('__proto__');
    expect(Object.getPrototypeOf(after?.tags)).toBe(Object.prototype);
  });

  it('pages no one for a key that protects no known secret', async () => {
    const decision = await decide(event('ScheduleKeyDeletion-multi-region.json'), context());
    expect(decision.alerts).toEqual([]);
    expect(decision.ignored).toContain('no known secret is encrypted under');
  });
});

describe('which secrets a KMS key protects', () => {
  const secret = (kmsKeyId: string | null, arn: string | null = null) => ({ ...(knownSecrets()[0] as SecretState), kmsKeyId, kmsKey: arn ? { arn, keyManager: 'CUSTOMER', keyState: 'Enabled' } : null });
  const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d';
  const key = { given: '0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d', arn: KEY_ARN, id: '0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d', multiRegion: false };

  it.each([
    ['the key ARN', secret(KEY_ARN), true],
    ['the key id', secret('0b4a5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d'), true],
    ['an alias, resolved by DescribeKey', secret('alias/prod-secrets', KEY_ARN), true],
    ['an alias the event names', secret('alias/prod-secrets'), false],
    ['another key', secret('arn:aws:kms:us-east-1:111122223333:key/other'), false],
    ['the AWS managed key', secret(null), false],
  ])('matches a secret that names %s: %s', (_what, s, expected) => {
    expect(protectedBy(s, keyNames(key))).toBe(expected);
  });

  it('matches an alias through the key aliases kms:ListAliases gives', () => {
    expect(protectedBy(secret('alias/prod-secrets'), keyNames(key, ['alias/prod-secrets']))).toBe(true);
  });

  it('matches a multi-Region key by its mrk- id in another region', () => {
    const mrk = { given: 'mrk-1234abcd12ab34cd56ef1234567890ab', arn: 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab', id: 'mrk-1234abcd12ab34cd56ef1234567890ab', multiRegion: true };
    expect(protectedBy(secret('arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'), keyNames(mrk))).toBe(true);
  });
});
