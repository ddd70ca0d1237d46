import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { normaliseEventBridgeEvent, type SecretEvent } from '../../src/events/index.js';
import { decide } from '../../src/reactions/index.js';
import { beforeEvent, recordAfterEvent } from '../../src/state/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { secretState } from '../helpers/state.js';

const untagged = secretState({ name: 'prod/db/reporting', tags: {} });
const tagEvent = (eventId = 'e1') => {
  const raw = loadFixture<{ detail: { eventID: string; requestParameters: Record<string, unknown> } }>('eventbridge/TagResource.json');
  raw.detail.eventID = eventId;
  raw.detail.requestParameters['secretId'] = untagged.arn;
  return normaliseEventBridgeEvent(raw) as SecretEvent;
};
const params = { ...DEFAULT_PARAMS, requiredTagKeys: ['team'] };
// The fixture also sets an exemption tag, which raises its own exemption-added alert; these tests are about control transitions.
const controlAlerts = (d: Awaited<ReturnType<typeof decide>>) => d.alerts.filter((a) => a.kind === 'control-failed');

/** The statuses a sweep would have stored for the secret as it is. */
async function statusesNow() {
  const { findings } = await decide(tagEvent('sweep'), { params, knownSecrets: [untagged], observedAfter: untagged });
  return Object.fromEntries(findings.map((f) => [f.controlId, f.status]));
}

describe('judging an event against the stored before-state', () => {
  it('sends nothing for a failure the store already knows', async () => {
    const before = await statusesNow();
    expect(before['required-tags']).toBe('FAIL');
    const decision = await decide(tagEvent(), { params, knownSecrets: [untagged], observedAfter: untagged, statusesBefore: before });
    expect(controlAlerts(decision)).toEqual([]);
    expect(decision.complianceChanges).toEqual([]);
  });

  it('alerts a control that passed before, and says nothing of an earlier state', async () => {
    const decision = await decide(tagEvent(), { params, knownSecrets: [untagged], observedAfter: untagged, statusesBefore: { ...(await statusesNow()), 'required-tags': 'PASS' } });
    expect(controlAlerts(decision).map((a) => a.controlId)).toEqual(['required-tags']);
    expect(controlAlerts(decision)[0]?.message).not.toContain('may predate');
    expect(decision.complianceChanges.map((c) => [c.controlId, c.oldStatus, c.newStatus])).toEqual([['required-tags', 'PASS', 'FAIL']]);
  });

  it('with nothing stored, alerts each failure saying it may predate the event, and reports no passing control as a change', async () => {
    const decision = await decide(tagEvent(), { params, knownSecrets: [untagged], observedAfter: untagged });
    const failing = Object.entries(await statusesNow()).filter(([, status]) => status === 'FAIL').map(([id]) => id);
    expect(controlAlerts(decision).map((a) => a.controlId).sort()).toEqual(failing.sort());
    expect(failing).toContain('required-tags');
    for (const alert of controlAlerts(decision)) expect(alert.message).toContain('may predate the event');
    expect(decision.complianceChanges.every((c) => c.newStatus === 'FAIL')).toBe(true);
  });

  it('judges a redelivered event against the statuses before its first delivery', () => {
    const stored = { arn: untagged.arn, state: untagged, statuses: { 'required-tags': 'PASS' as const }, observedAt: 100, lastChangedDate: null, readAt: 100, dirty: false, version: 3 };
    const after = recordAfterEvent(stored, untagged, [{ controlId: 'required-tags', status: 'FAIL' } as never], { eventId: 'e1', eventTime: 200, readAt: 210 });
    expect(after.statuses['required-tags']).toBe('FAIL');
    expect(beforeEvent({ ...after, version: 4 }, 'e1', 200)).toEqual({ statuses: { 'required-tags': 'PASS' }, stale: false });
    expect(beforeEvent({ ...after, version: 4 }, 'e2', 150)).toMatchObject({ stale: true });
  });
});
