import { describe, expect, it } from 'vitest';
import { InvalidEventError, normaliseEventBridgeEvent, normaliseInput, parseConfigRuleInvocation } from '../../src/events/index.js';
import { loadFixture } from '../helpers/fixtures.js';

type Json = Record<string, unknown> & { detail: Record<string, unknown> & { requestParameters: Record<string, unknown> } };

function rejection(run: () => unknown): InvalidEventError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return error as InvalidEventError;
  }
  throw new Error('expected an InvalidEventError, but the input was accepted');
}

describe('rejecting malformed events with the path of the problem', () => {
  it('names a secretId of the wrong type', () => {
    const event = loadFixture<Json>('eventbridge/DeleteSecret-recovery-window.json');
    event.detail.requestParameters['secretId'] = 42;
    expect(rejection(() => normaliseEventBridgeEvent(event)).message).toBe('detail.requestParameters.secretId: expected string, received number');
  });

  it('names a missing secretId on a change that succeeded', () => {
    const event = loadFixture<Json>('eventbridge/PutResourcePolicy-public.json');
    delete event.detail.requestParameters['secretId'];
    expect(rejection(() => normaliseEventBridgeEvent(event)).path).toBe('detail.requestParameters.secretId');
  });

  it('names a recovery window outside the 7 to 30 days AWS allows', () => {
    const event = loadFixture<Json>('eventbridge/DeleteSecret-recovery-window.json');
    event.detail.requestParameters['recoveryWindowInDays'] = 3;
    expect(rejection(() => normaliseEventBridgeEvent(event)).path).toBe('detail.requestParameters.recoveryWindowInDays');
  });

  it('refuses an account ID given as a number, which would lose leading zeros', () => {
    const event = loadFixture<Json>('eventbridge/RotationFailed.json');
    event['account'] = 111122223333;
    expect(rejection(() => normaliseEventBridgeEvent(event)).message).toBe('account: expected string, received number');
  });

  it('names an eventTime that is not a date', () => {
    const event = loadFixture<Json>('eventbridge/RestoreSecret.json');
    event.detail['eventTime'] = 'yesterday at noon';
    expect(rejection(() => normaliseEventBridgeEvent(event)).message).toBe('detail.eventTime: expected a date (ISO-8601 or epoch seconds), received "yesterday at noon"');
  });

  it('names a service event without the secret it concerns', () => {
    const event = loadFixture<Json>('eventbridge/RotationFailed.json');
    event.detail['additionalEventData'] = {};
    expect(rejection(() => normaliseEventBridgeEvent(event)).path).toBe('detail.additionalEventData.SecretId');
  });

  it('refuses an unknown Secrets Manager event name rather than dropping it', () => {
    const event = loadFixture<Json>('eventbridge/RestoreSecret.json');
    event.detail['eventName'] = 'PurgeEverySecret';
    const error = rejection(() => normaliseEventBridgeEvent(event));
    expect(error.path).toBe('detail.eventName');
    expect(error.message).toContain('"PurgeEverySecret" is not a aws.secretsmanager event vigil knows');
  });

  it('refuses a detail whose eventSource contradicts the envelope', () => {
    const event = loadFixture<Json>('eventbridge/DisableKey.json');
    event.detail['eventSource'] = 'secretsmanager.amazonaws.com';
    expect(rejection(() => normaliseEventBridgeEvent(event)).path).toBe('detail.eventSource');
  });

  it('names a KMS key event without a key ID', () => {
    const event = loadFixture<Json>('eventbridge/ScheduleKeyDeletion.json');
    event.detail.requestParameters = {};
    expect(rejection(() => normaliseEventBridgeEvent(event)).path).toBe('detail.requestParameters.keyId');
  });

  it('says what it expected when the input is no event at all', () => {
    const batch = normaliseInput({ hello: 'world' });
    expect(batch.invalid.map((e) => e.message)).toEqual([
      '(root): expected an EventBridge event, a CloudTrail record or log file, or an AWS Config invocation, received an object with keys hello',
    ]);
  });

  it('reports each bad element of an array by its index and keeps the good ones', () => {
    const good = loadFixture('eventbridge/RotationFailed.json');
    const batch = normaliseInput([good, 'not an event', [good]]);
    expect(batch.records).toHaveLength(1);
    expect(batch.invalid.map((e) => e.path)).toEqual(['[1]', '[2]']);
  });
});

describe('names that are also JavaScript object properties', () => {
  // Found by the property test: a lookup table indexed by an untrusted name returned Object.prototype.constructor.
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('treats eventSource "%s" as a source vigil does not watch', (eventSource) => {
    const record = loadFixture<{ Records: Record<string, unknown>[] }>('cloudtrail/mixed-log.json').Records[0] as Record<string, unknown>;
    record['eventSource'] = eventSource;
    expect(normaliseInput(record).records).toEqual([expect.objectContaining({ kind: 'ignored', reason: `event source ${eventSource} is not watched by vigil` })]);
  });

  it.each(['constructor', '__proto__', 'valueOf'])('refuses eventName "%s" as unknown', (eventName) => {
    const event = loadFixture<Json>('eventbridge/RestoreSecret.json');
    event.detail['eventName'] = eventName;
    expect(rejection(() => normaliseEventBridgeEvent(event)).path).toBe('detail.eventName');
  });
});

describe('ignoring well-formed events vigil does not act on', () => {
  it('ignores another source', () => {
    const event = loadFixture<Json>('eventbridge/RestoreSecret.json');
    event['source'] = 'aws.ec2';
    expect(normaliseEventBridgeEvent(event)).toMatchObject({ kind: 'ignored', reason: 'source aws.ec2 is not watched by vigil' });
  });

  it('ignores a read-only call even under a change name', () => {
    const event = loadFixture<Json>('eventbridge/RestoreSecret.json');
    event.detail['readOnly'] = true;
    expect(normaliseEventBridgeEvent(event)).toMatchObject({ kind: 'ignored', reason: 'RestoreSecret is read-only' });
  });

  it('ignores a detail-type that carries no CloudTrail record', () => {
    const event = loadFixture<Json>('eventbridge/RestoreSecret.json');
    event['detail-type'] = 'Scheduled Event';
    expect(normaliseEventBridgeEvent(event)).toMatchObject({ kind: 'ignored' });
  });
});

describe('rejecting malformed Config invocations', () => {
  it('names ruleParameters that are not JSON', () => {
    const invocation = loadFixture<Record<string, unknown>>('config/ScheduledNotification.json');
    invocation['ruleParameters'] = '{controlId: unused';
    expect(rejection(() => parseConfigRuleInvocation(invocation)).message).toBe('ruleParameters: expected a JSON document');
  });

  it('names an unknown message type', () => {
    const invocation = loadFixture<Record<string, unknown>>('config/ScheduledNotification.json');
    invocation['invokingEvent'] = JSON.stringify({ messageType: 'ConfigurationSnapshotDeliveryCompleted', notificationCreationTime: '2026-11-02T00:00:00Z' });
    expect(rejection(() => parseConfigRuleInvocation(invocation)).path).toBe('invokingEvent.messageType');
  });
});
