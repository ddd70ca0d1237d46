import { describe, expect, it } from 'vitest';
import { replayRecords } from '../../src/cli/replay.js';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { normaliseEventBridgeEvent, type SecretEvent } from '../../src/events/index.js';
import type { SecretState } from '../../src/model/index.js';
import { withExemptionsAtEventTime } from '../../src/reactions/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { knownSecrets } from '../helpers/replay.js';
import { secretState } from '../helpers/state.js';

const ORDERS = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab';
const EXEMPT = { key: 'vigil:exempt:no-untrusted-cross-account', value: '2026-12-31 partner onboarding' };

function at(fixture: string, time: string, id: string, request?: Record<string, unknown>): SecretEvent {
  const raw = loadFixture<{ id: string; time: string; detail: { eventID: string; eventTime: string; requestParameters: Record<string, unknown> } }>(`eventbridge/${fixture}`);
  raw.id = `eb-${id}`;
  raw.detail.eventID = id;
  raw.time = raw.detail.eventTime = time;
  if (request) raw.detail.requestParameters = request;
  return normaliseEventBridgeEvent(raw) as SecretEvent;
}

const privateOrders = () => knownSecrets().map((s): SecretState => (s.arn === ORDERS ? { ...s, resourcePolicy: null } : s));
const crossAccountAlerts = (decisions: { eventName: string; alerts: { kind: string; controlId?: string }[] }[]) =>
  decisions.filter((d) => d.eventName === 'PutResourcePolicy').flatMap((d) => d.alerts.filter((a) => a.kind === 'control-failed' && a.controlId === 'no-untrusted-cross-account'));

describe('an exemption is judged as of the event time', () => {
  it('in replay, an exemption tag set after a policy was shared does not hold back its alert, even listed first in the file', async () => {
    const shared = at('PutResourcePolicy-cross-account.json', '2026-11-02T09:14:07Z', 'ct-share');
    const exemptedLater = at('TagResource.json', '2026-11-02T09:15:00Z', 'ct-exempt', { secretId: ORDERS, tags: [EXEMPT] });
    const decisions = await replayRecords([exemptedLater, shared], { params: DEFAULT_PARAMS, secrets: privateOrders(), remediation: false });
    expect(crossAccountAlerts(decisions)).toHaveLength(1);
    // The tag itself is news too.
    expect(decisions.flatMap((d) => d.alerts.map((a) => a.kind))).toContain('exemption-added');
  });

  it('in replay, an exemption set before the policy was shared holds the alert back', async () => {
    const exemptedFirst = at('TagResource.json', '2026-11-02T09:10:00Z', 'ct-exempt', { secretId: ORDERS, tags: [EXEMPT] });
    const shared = at('PutResourcePolicy-cross-account.json', '2026-11-02T09:14:07Z', 'ct-share');
    const decisions = await replayRecords([shared, exemptedFirst], { params: DEFAULT_PARAMS, secrets: privateOrders(), remediation: false });
    expect(crossAccountAlerts(decisions)).toEqual([]);
  });

  it('keeps the exemption tags known before the event and those the event sets, never one only read after it', () => {
    const read = secretState({ name: 'prod/x', tags: { team: 'x', 'vigil:exempt:unused': '2026-12-31 read later', 'vigil:exempt:rotation-enabled': '2026-12-31 known' } });
    const tagging = at('TagResource.json', '2026-11-02T09:14:07Z', 'ct-t', { secretId: read.arn, tags: [{ key: 'vigil:exempt:required-tags', value: '2026-12-31 this event' }] });
    const judged = withExemptionsAtEventTime(read, { 'vigil:exempt:rotation-enabled': '2026-12-31 known', team: 'old' }, tagging);
    expect(judged.tags).toEqual({ team: 'x', 'vigil:exempt:rotation-enabled': '2026-12-31 known', 'vigil:exempt:required-tags': '2026-12-31 this event' });
    const untagging = at('UntagResource.json', '2026-11-02T09:14:07Z', 'ct-u', { secretId: read.arn, tagKeys: ['vigil:exempt:rotation-enabled'] });
    expect(withExemptionsAtEventTime(read, { 'vigil:exempt:rotation-enabled': '2026-12-31 known' }, untagging).tags).toEqual({ team: 'x' });
    // Nothing known before the event: no exemption read after it holds.
    expect(withExemptionsAtEventTime(read, undefined, untagging).tags).toEqual({ team: 'x' });
  });
});
