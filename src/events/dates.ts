import { InvalidEventError } from './errors.js';

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
// CloudTrail writes some response dates for people: "Nov 9, 2026, 9:14:07 AM", and KMS even "Apr 12, 2021 18:58:30 PM".
const CLOUDTRAIL_DISPLAY = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(?: ?([AP]M))?$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// Epoch values above this are milliseconds (as seconds it would be the year 5138).
const MILLISECONDS_THRESHOLD = 1e11;
// 9999-12-31T23:59:59Z: beyond it no AWS date exists, and JavaScript dates end soon after.
const LATEST_EPOCH_SECONDS = 253_402_300_799;

/**
 * Epoch seconds from any date AWS hands out: ISO-8601 with or without fraction and offset (no offset means UTC),
 * a date alone (midnight UTC), CloudTrail's display form, or epoch seconds (milliseconds are recognised by size).
 */
export function parseAwsDate(value: unknown, path: string): number {
  const seconds = parseAnyDate(value, path);
  if (seconds > LATEST_EPOCH_SECONDS) throw new InvalidEventError(path, `expected a date before the year 10000, received ${truncate(String(value))}`);
  return seconds;
}

function parseAnyDate(value: unknown, path: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new InvalidEventError(path, `expected a date, received ${value}`);
    return value > MILLISECONDS_THRESHOLD ? value / 1000 : value;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new InvalidEventError(path, 'expected a date, received an invalid Date');
    return ms / 1000;
  }
  if (typeof value !== 'string') throw new InvalidEventError(path, `expected a date, received ${describe(value)}`);
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return parseAnyDate(Number(text), path);
  const iso = ISO_8601.exec(text);
  if (iso) return fromParts(path, text, iso);
  const display = CLOUDTRAIL_DISPLAY.exec(text);
  if (display) return fromDisplay(path, text, display);
  throw new InvalidEventError(path, `expected a date (ISO-8601 or epoch seconds), received "${truncate(text)}"`);
}

export function toIso(epochSeconds: number): string {
  return new Date(Math.round(epochSeconds * 1000)).toISOString();
}

function fromParts(path: string, text: string, m: RegExpExecArray): number {
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = m;
  const ms = Number(`0.${fraction || '0'}`) * 1000;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), 0) + ms;
  checkFields(path, text, Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), utc);
  return (utc - offsetMinutes(zone) * 60_000) / 1000;
}

function fromDisplay(path: string, text: string, m: RegExpExecArray): number {
  const [, monthName = '', d, y, h, mi, s, meridiem] = m;
  const month = MONTHS.indexOf(monthName);
  if (month < 0) throw new InvalidEventError(path, `expected a date, received "${truncate(text)}" (unknown month)`);
  let hour = Number(h);
  // A 24-hour clock with a meridiem ("18:58:30 PM") keeps its hour; a 12-hour one converts.
  if (meridiem && hour <= 12) hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
  const utc = Date.UTC(Number(y), month, Number(d), hour, Number(mi), Number(s));
  checkFields(path, text, Number(y), month + 1, Number(d), hour, Number(mi), Number(s), utc);
  return utc / 1000;
}

function checkFields(path: string, text: string, y: number, mo: number, d: number, h: number, mi: number, s: number, utc: number): void {
  const back = new Date(utc);
  const valid = mo >= 1 && mo <= 12 && h <= 23 && mi <= 59 && s <= 60 && back.getUTCDate() === d && back.getUTCFullYear() === y;
  if (!valid) throw new InvalidEventError(path, `expected a date, received "${truncate(text)}" (no such day or time)`);
}

function offsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
