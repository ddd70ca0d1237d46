import type { Finding } from '../controls/types.js';
import type { SecretState } from '../model/index.js';
import type { ControlStatuses, SecretRecord } from './types.js';

/** What the store says of a secret before an event: the statuses to judge against, or that the event is already reflected. */
export interface Before {
  /** Undefined when nothing is stored: every failure after the event may predate it. */
  statuses?: ControlStatuses;
  /** A state observed after the event is stored, so the event is in it already and changes nothing. */
  stale: boolean;
}

/**
 * The before-state of an event at `eventTime` (epoch seconds). A redelivered event is judged against the statuses before
 * its first delivery, so it decides the same alerts again (which the idempotency table then sends at most once).
 */
export function beforeEvent(stored: SecretRecord | undefined, eventId: string, eventTime: number): Before {
  if (!stored) return { stale: false };
  if (stored.lastEvent?.eventId === eventId) return { ...(stored.lastEvent.statusesBefore ? { statuses: stored.lastEvent.statusesBefore } : {}), stale: false };
  return { statuses: stored.statuses, stale: stored.observedAt > eventTime };
}

export interface AfterEvent {
  eventId: string;
  eventTime: number;
  /** When the state was read from AWS; null when it was worked out from the event alone. */
  readAt: number | null;
  /** Why the sweep must read the secret again (the state was not read in full), if it must. */
  dirtyReason?: string;
}

/** The record to store after an event: the new state, the statuses the event judged over the ones it did not touch. */
export function recordAfterEvent(stored: SecretRecord | undefined, state: SecretState, findings: readonly Finding[], after: AfterEvent): SecretRecord {
  const statuses: ControlStatuses = { ...(stored?.statuses ?? {}) };
  for (const f of findings) statuses[f.controlId] = f.status;
  const statusesBefore = stored?.lastEvent?.eventId === after.eventId ? stored.lastEvent.statusesBefore : (stored?.statuses ?? null);
  const dirtyReason = after.dirtyReason ?? (after.readAt === null ? stored?.dirtyReason : undefined);
  return {
    arn: state.arn,
    state,
    statuses,
    observedAt: after.eventTime,
    lastChangedDate: after.readAt === null ? (stored?.lastChangedDate ?? null) : state.lastChangedAt,
    readAt: after.readAt ?? stored?.readAt ?? null,
    dirty: dirtyReason !== undefined,
    ...(dirtyReason !== undefined ? { dirtyReason } : {}),
    version: stored?.version ?? 0,
    lastEvent: { eventId: after.eventId, statusesBefore },
  };
}

/** The record a sweep stores for a secret it read in full at `readAt`. */
export function recordFromSweep(stored: SecretRecord | undefined, state: SecretState, findings: readonly Finding[], readAt: number): SecretRecord {
  return {
    arn: state.arn,
    state,
    statuses: Object.fromEntries(findings.map((f) => [f.controlId, f.status])),
    observedAt: readAt,
    lastChangedDate: state.lastChangedAt,
    readAt,
    dirty: false,
    version: stored?.version ?? 0,
    ...(stored?.lastEvent ? { lastEvent: stored.lastEvent } : {}),
  };
}
