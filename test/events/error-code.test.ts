import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { normaliseEventBridgeEvent, type SecretEvent } from '../../src/events/index.js';
import { decide } from '../../src/reactions/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { knownSecrets } from '../helpers/replay.js';

function withErrorCode(errorCode: string) {
  const event = loadFixture<{ detail: Record<string, unknown> }>('eventbridge/PutResourcePolicy-public.json');
  event.detail['errorCode'] = errorCode;
  return normaliseEventBridgeEvent(event) as SecretEvent;
}

describe('a CloudTrail errorCode', () => {
  it('that is empty is not a failed call: the change is judged and alerts', async () => {
    const event = withErrorCode('');
    expect(event.errorCode).toBeUndefined();
    const decision = await decide(event, { params: DEFAULT_PARAMS, knownSecrets: knownSecrets().filter((s) => !s.name.startsWith('prod/api/payments-key')) });
    expect(decision.alerts.map((a) => a.controlId)).toContain('no-public-principal');
  });

  it('that names an error is a failed call, which changes nothing', async () => {
    const event = withErrorCode('AccessDenied');
    expect(event.errorCode).toBe('AccessDenied');
    const decision = await decide(event, { params: DEFAULT_PARAMS, knownSecrets: knownSecrets() });
    expect(decision).toMatchObject({ alerts: [], ignored: 'the call failed (AccessDenied), so it changed nothing' });
  });
});
