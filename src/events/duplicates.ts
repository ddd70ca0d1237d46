import type { NormalisedRecord } from './types.js';

/**
 * CloudTrail may deliver one record more than once (the same eventID, even in different log files): the first is the event,
 * each later copy becomes an ignored record, so it alerts once, as the event Lambda's idempotency makes it do.
 */
export function markDuplicates(records: readonly NormalisedRecord[]): NormalisedRecord[] {
  const seen = new Set<string>();
  return records.map((record) => {
    if (record.kind === 'ignored' || !record.eventId) return record;
    if (!seen.has(record.eventId)) {
      seen.add(record.eventId);
      return record;
    }
    return { kind: 'ignored', eventId: record.eventId, eventName: record.eventName, source: record.source, reason: `a duplicate of CloudTrail event ${record.eventId}, already decided` };
  });
}
