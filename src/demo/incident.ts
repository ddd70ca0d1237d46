import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './emulator.js';

// The recorded fixtures, pointed at the demo account: the incident is made of the events AWS really sends.
const FIXTURE_ACCOUNT = '111122223333';

export interface Retarget {
  account: string;
  /** The fixture's secret ARN (as written in the fixture) and the secret to point it at. */
  secret?: { fixtureArn: string; arn: string; name: string };
  key?: { fixtureArn: string; arn: string; id: string };
  /** A unique id for this occurrence (EventBridge id and CloudTrail eventID). */
  id: string;
  time?: string;
}

export function loadEventFixture(relative: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(projectRoot(), 'events', relative), 'utf8')) as Record<string, unknown>;
}

type EventShape = { id: string; time: string; account: string; detail: Record<string, unknown> & { eventID: string; eventTime: string; recipientAccountId?: string; requestParameters?: Record<string, unknown> | null; responseElements?: Record<string, unknown> | null; additionalEventData?: Record<string, unknown> | null } };

/** A fixture EventBridge event aimed at another account's secret or key. */
export function retarget(fixture: Record<string, unknown>, to: Retarget): EventShape {
  let text = JSON.stringify(fixture);
  if (to.secret) text = text.replaceAll(to.secret.fixtureArn, to.secret.arn);
  if (to.key) text = text.replaceAll(to.key.fixtureArn, to.key.arn);
  text = text.replaceAll(FIXTURE_ACCOUNT, to.account);
  const event = JSON.parse(text) as EventShape;
  event.id = `eb-${to.id}`;
  event.detail.eventID = to.id;
  if (to.time) {
    // Dates in the response keep their distance from the event (a deletion 7 days after the call stays 7 days after).
    const shift = Date.parse(to.time) - Date.parse(event.detail.eventTime);
    const response = event.detail.responseElements;
    if (response && typeof response['deletionDate'] === 'string') {
      const original = Date.parse(response['deletionDate'].replace(/(\d{1,2}):(\d{2}):(\d{2}) ([AP]M)$/, (_m, h: string, mi: string, sec: string, ap: string) => `${(Number(h) % 12) + (ap === 'PM' && Number(h) <= 12 ? 12 : 0)}:${mi}:${sec} UTC`));
      if (!Number.isNaN(original)) response['deletionDate'] = new Date(original + shift).toISOString();
    }
    event.time = to.time.replace(/\.\d+Z$/, 'Z');
    event.detail.eventTime = event.time;
  }
  const request = event.detail.requestParameters;
  if (to.secret && request) {
    if ('secretId' in request) request['secretId'] = to.secret.arn;
    if ('name' in request) request['name'] = to.secret.name;
  }
  if (to.secret && event.detail.responseElements && 'name' in event.detail.responseElements) event.detail.responseElements['name'] = to.secret.name;
  if (to.key && request && 'keyId' in request) request['keyId'] = to.key.id;
  return event;
}
