import { EXEMPTION_TAG_PREFIX } from '../controls/index.js';
import type { SecretEvent } from '../events/index.js';
import type { SecretState } from '../model/index.js';

/**
 * The secret as read after the event, its exemption tags replaced by those it carried at the event's time: the ones
 * vigil knew before the event (`knownBefore`, tags read no later than the event) and the ones the event itself set or
 * removed. A tag read only after the event may have been set after it (an attacker makes a secret public, then exempts
 * it before the event arrives), so it never holds back that event's alert. Other tags are as read.
 */
export function withExemptionsAtEventTime(observed: SecretState, knownBefore: Readonly<Record<string, string>> | undefined, event: SecretEvent): SecretState {
  const tags: Record<string, string> = {};
  // defineProperty, not assignment: a tag key such as "__proto__" is data here, never the object's prototype.
  const set = (key: string, value: string) => Object.defineProperty(tags, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, value] of Object.entries(observed.tags)) if (!key.startsWith(EXEMPTION_TAG_PREFIX)) set(key, value);
  for (const [key, value] of Object.entries(knownBefore ?? {})) if (key.startsWith(EXEMPTION_TAG_PREFIX)) set(key, value);
  if (event.eventName === 'TagResource' || event.eventName === 'CreateSecret') for (const tag of event.request.tags ?? []) if (tag.key.startsWith(EXEMPTION_TAG_PREFIX)) set(tag.key, tag.value);
  if (event.eventName === 'UntagResource') for (const key of event.request.removedTagKeys ?? []) delete tags[key];
  return { ...observed, tags };
}
