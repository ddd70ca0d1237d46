import type { ControlParams } from './params.js';
import type { Control, Exemption } from './types.js';

export const EXEMPTION_TAG_PREFIX = 'vigil:exempt:';
const VALUE = /^(\d{4})-(\d{2})-(\d{2})\s+(\S.*)$/s;
const DAY = 86_400;

/** What bounds an exemption: the parameters of that name (DEFAULT_PARAMS' values when absent). */
export type ExemptionRules = Partial<Pick<ControlParams, 'maxExemptionDays' | 'allowCriticalExemptions'>>;

/** Whether any of a secret's tags is an exemption tag (most secrets carry none, and need no look per control). */
export function hasExemptionTag(tags: Record<string, string>): boolean {
  for (const key in tags) if (key.startsWith(EXEMPTION_TAG_PREFIX)) return true;
  return false;
}

/** The exemption tags naming no control in `known` (a typo, a control vigil dropped): unusable, and reported as such. */
export function unknownControlTags(tags: Record<string, string>, known: ReadonlySet<string>): string[] {
  const unknown: string[] = [];
  for (const key in tags) if (key.startsWith(EXEMPTION_TAG_PREFIX) && !known.has(key.slice(EXEMPTION_TAG_PREFIX.length))) unknown.push(key);
  return unknown;
}

/**
 * The exemption a secret's tags grant a control: `vigil:exempt:<control-id>` = `YYYY-MM-DD reason`, valid through that
 * day (UTC), for at most `maxExemptionDays` from now, and for a CRITICAL control only when `allowCriticalExemptions`.
 * An expired, unreadable, too long or disallowed exemption is still returned, inactive, with a note saying why.
 */
export function exemptionFor(tags: Record<string, string>, control: Pick<Control, 'id' | 'severity'>, now: number, rules: ExemptionRules = {}): Exemption | undefined {
  const { maxExemptionDays = 365, allowCriticalExemptions = false } = rules;
  const tag = `${EXEMPTION_TAG_PREFIX}${control.id}`;
  const value = tags[tag];
  if (value === undefined) return undefined;
  const m = VALUE.exec(value.trim());
  const day = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000 : Number.NaN;
  const until = m ? `${m[1]}-${m[2]}-${m[3]}` : null;
  if (!m || Number.isNaN(day) || new Date(day * 1000).toISOString().slice(0, 10) !== until) {
    return { until: null, reason: value, active: false, note: `ignored: the tag's value must be "YYYY-MM-DD reason"`, tag };
  }
  const reason = (m[4] ?? '').trim();
  if (control.severity === 'CRITICAL' && !allowCriticalExemptions) return { until, reason, active: false, note: `ignored: ${control.id} is CRITICAL, and CRITICAL controls are exempted only when allowCriticalExemptions is true`, tag };
  if (now >= day + DAY) return { until, reason, active: false, note: `ignored: expired at the end of ${until}`, tag };
  if (day + DAY - now > maxExemptionDays * DAY) return { until, reason, active: false, note: `ignored: runs until ${until}, longer than maxExemptionDays (${maxExemptionDays}) from now`, tag };
  return { until, reason, active: true, tag };
}
