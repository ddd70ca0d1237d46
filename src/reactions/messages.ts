import type { SecretEvent } from '../events/index.js';
import type { Severity } from '../controls/types.js';

const SUBJECT_LIMIT = 100;

/**
 * SNS allows 100 characters of Subject, and no line breaks. The account and region go last and are dropped first when
 * the line is too long (the message attributes and body carry them); only then is the text itself shortened.
 */
export function subjectLine(severity: Severity, text: string, scope: { account: string; region: string }): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  const full = `[${severity}] ${clean} (${scope.account} ${scope.region})`;
  if (full.length <= SUBJECT_LIMIT) return full;
  const short = `[${severity}] ${clean}`;
  return short.length <= SUBJECT_LIMIT ? short : `${short.slice(0, SUBJECT_LIMIT - 1)}…`;
}

export function whoLine(event: SecretEvent): string {
  const a = event.actor;
  const who = a.arn ?? (a.invokedBy ? `${a.invokedBy} (AWS service)` : a.principalId ?? 'unknown principal');
  const type = a.type ? ` (${a.type})` : '';
  const via = a.invokedBy && a.arn ? ` via ${a.invokedBy}` : '';
  const from = a.sourceIp ? ` from ${a.sourceIp}` : '';
  return `${who}${type}${via}${from}`;
}

/** The plain-text body a person reads: what, which secret, who and from where, when, why it matters, what to do now. */
export function body(parts: { what: string; secret?: string; event: SecretEvent; why: string; doNow: string; extra?: string[] }): string {
  const e = parts.event;
  return [
    parts.what,
    '',
    ...(parts.secret ? [`Secret:  ${parts.secret}`] : []),
    `Who:     ${whoLine(e)}`,
    ...(e.actor.userAgent ? [`Using:   ${e.actor.userAgent.slice(0, 160)}`] : []),
    `When:    ${e.time}`,
    `Where:   account ${e.account}, region ${e.region}`,
    `Event:   ${e.eventName} (CloudTrail event ${e.eventId})`,
    ...(parts.extra ?? []),
    '',
    `Why it matters: ${parts.why}`,
    '',
    `What to do now: ${parts.doNow}`,
    '',
    '-- vigil (no secret value is ever read or sent)',
  ].join('\n');
}

/** How many secrets an alert names one by one; the rest are counted (every alert must fit in one SNS message). */
export const ALERT_LIST_LIMIT = 50;

/** The first `limit` lines of a list, then one line counting the rest and saying where they are. */
export function cutList(lines: readonly string[], eventId: string, limit = ALERT_LIST_LIMIT): string[] {
  if (lines.length <= limit) return [...lines];
  const more = (lines.length - limit).toLocaleString('en-US');
  return [...lines.slice(0, limit), `  … and ${more} more: vigil replay of event ${eventId} with --snapshot lists them all, as does the sweep report`];
}
