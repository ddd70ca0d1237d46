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
    const decision = await decide(normaliseEventBridgeEvent(raw) as SecretEvent, { params: { ...DEFAULT_PARAMS, allowCriticalExemptions: true }, knownSecrets: exempted });
    expect(decision.alerts.map((a) => [a.kind, a.controlId, a.severity])).toEqual([['control-failed', 'no-public-principal', 'CRITICAL']]);
    // Without allowCriticalExemptions the exemption held nothing back (the failure paged already): removing it is not news.
    const ignored = await decide(normaliseEventBridgeEvent(raw) as SecretEvent, { params: DEFAULT_PARAMS, knownSecrets: exempted });
    expect(ignored.alerts).toEqual([]);
  });

  describe('a CRITICAL control is exempted only when allowCriticalExemptions is true', () => {
    const tag = { key: 'vigil:exempt:no-public-principal', value: '2026-12-31 partner demo' };
    const privateButExempted = () => knownSecrets().map((s): SecretState => (s.arn === PAYMENTS ? { ...s, resourcePolicy: null, tags: { ...s.tags, [tag.key]: tag.value } } : s));
    const makePublic = () => normaliseEventBridgeEvent(loadFixture('eventbridge/PutResourcePolicy-public.json')) as SecretEvent;

    it('pages when a secret exempted from no-public-principal is made public, and the finding says why the exemption was ignored', async () => {
      const decision = await decide(makePublic(), { params: DEFAULT_PARAMS, knownSecrets: privateButExempted() });
      expect(decision.alerts.filter((a) => a.controlId === 'no-public-principal').map((a) => [a.kind, a.severity])).toEqual([['control-failed', 'CRITICAL']]);
      const finding = decision.findings.find((f) => f.controlId === 'no-public-principal');
      expect(finding).toMatchObject({ status: 'FAIL', exemption: { active: false, tag: tag.key, note: expect.stringContaining('allowCriticalExemptions') } });
    });

    it('holds the alert back when allowCriticalExemptions is true', async () => {
      const decision = await decide(makePublic(), { params: { ...DEFAULT_PARAMS, allowCriticalExemptions: true }, knownSecrets: privateButExempted() });
      expect(decision.alerts.filter((a) => a.controlId === 'no-public-principal')).toEqual([]);
      // Only the exempted control is held back: the public policy still fails no-untrusted-cross-account, which pages.
      expect(decision.alerts.map((a) => a.controlId)).toContain('no-untrusted-cross-account');
      expect(decision.findings.find((f) => f.controlId === 'no-public-principal')).toMatchObject({ status: 'FAIL', exemption: { active: true } });
    });

    it("the exemption-added alert says vigil ignores the tag, still HIGH", async () => {
      const decision = await decide(tagEvent([tag]), { params: DEFAULT_PARAMS, knownSecrets: knownSecrets() });
      const alert = decision.alerts.find((a) => a.kind === 'exemption-added');
      expect(alert).toMatchObject({ severity: 'HIGH', details: { ignored: true } });
      expect(alert?.message).toContain('vigil ignores this exemption');
      const allowed = await decide(tagEvent([tag]), { params: { ...DEFAULT_PARAMS, allowCriticalExemptions: true }, knownSecrets: knownSecrets() });
      expect(allowed.alerts.find((a) => a.kind === 'exemption-added')).toMatchObject({ severity: 'HIGH', details: { ignored: false } });
    });
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
