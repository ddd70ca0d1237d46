import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { normaliseEventBridgeEvent, type SecretEvent } from '../../src/events/index.js';
import type { SecretState } from '../../src/model/index.js';
import { decide } from '../../src/reactions/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { knownSecrets } from '../helpers/replay.js';

const PAYMENTS = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er';

function tagEvent(tags: { key: string; value: string }[]) {
  const raw = loadFixture<{ detail: { requestParameters: Record<string, unknown> } }>('eventbridge/TagResource.json');
  raw.detail.requestParameters = { secretId: PAYMENTS, tags };
  return normaliseEventBridgeEvent(raw) as SecretEvent;
}

describe('exemptions cannot hide an attack', () => {
  it('setting an exemption tag alerts, naming who set it: MEDIUM for a MEDIUM control', async () => {
    const event = tagEvent([{ key: 'vigil:exempt:rotation-enabled', value: '2026-12-31 vendor rotates' }]);
    const who = event.actor.arn as string;
    expect(who).toMatch(/^arn:aws:/);
    const decision = await decide(event, { params: DEFAULT_PARAMS, knownSecrets: knownSecrets() });
    const alert = decision.alerts.find((a) => a.kind === 'exemption-added');
    expect(alert).toMatchObject({ severity: 'MEDIUM', controlId: 'rotation-enabled', secretArn: PAYMENTS, details: { setBy: who, tag: 'vigil:exempt:rotation-enabled' } });
    expect(alert?.message).toContain(`Who:     ${who}`);
  });

  it('exempting a CRITICAL control alerts HIGH', async () => {
    const decision = await decide(tagEvent([{ key: 'vigil:exempt:no-public-principal', value: '2026-12-31 partner demo' }]), { params: DEFAULT_PARAMS, knownSecrets: knownSecrets() });
    expect(decision.alerts.filter((a) => a.kind === 'exemption-added').map((a) => [a.severity, a.controlId])).toEqual([['HIGH', 'no-public-principal']]);
  });

  it('removing an exemption while the control still fails raises the alert it held back', async () => {
    const exempted = knownSecrets().map((s): SecretState => (s.arn === PAYMENTS ? { ...s, tags: { ...s.tags, 'vigil:exempt:no-public-principal': '2026-12-31 partner demo' } } : s));
    const raw = loadFixture<{ detail: { requestParameters: Record<string, unknown> } }>('eventbridge/UntagResource.json');
    raw.detail.requestParameters = { secretId: PAYMENTS, tagKeys: ['vigil:exempt:no-public-principal'] };
    const decision = await decide(normaliseEventBridgeEvent(raw) as SecretEvent, { params: DEFAULT_PARAMS, knownSecrets: exempted });
    expect(decision.alerts.map((a) => [a.kind, a.controlId, a.severity])).toEqual([['control-failed', 'no-public-principal', 'CRITICAL']]);
  });
  it('setting an exemption tag again to the value vigil already knew is not news', async () => {
    const tag = { key: 'vigil:exempt:rotation-enabled', value: '2026-12-31 vendor rotates' };
    const exempted = knownSecrets().map((s): SecretState => (s.arn === PAYMENTS ? { ...s, tags: { ...s.tags, [tag.key]: tag.value } } : s));
    const known = await decide(tagEvent([tag]), { params: DEFAULT_PARAMS, knownSecrets: exempted });
    expect(known.alerts.filter((a) => a.kind === 'exemption-added')).toEqual([]);
    // the event Lambda: the tags come from the state store, the secret as read after the event carries the tag either way
    const stored = await decide(tagEvent([tag]), { params: DEFAULT_PARAMS, knownSecrets: exempted, observedAfter: exempted.find((s) => s.arn === PAYMENTS) as SecretState, tagsBefore: { [tag.key]: tag.value } });
    expect(stored.alerts.filter((a) => a.kind === 'exemption-added')).toEqual([]);
    const changed = await decide(tagEvent([{ ...tag, value: '2027-06-30 extended' }]), { params: DEFAULT_PARAMS, knownSecrets: exempted, observedAfter: exempted.find((s) => s.arn === PAYMENTS) as SecretState, tagsBefore: { [tag.key]: tag.value } });
    expect(changed.alerts.filter((a) => a.kind === 'exemption-added')).toHaveLength(1);
  });
});
