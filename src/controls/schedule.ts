// Rotation schedules as the longest time between two rotations, for Rego, which has no date arithmetic.

const DAY = 86_400;
const HOUR = 3_600;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
// Four years cover every leap-year and weekday pattern a cron expression can express.
const SPAN_DAYS = 4 * 366;

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

export interface RotationInterval {
  /** The longest gap between two rotations, or null when the schedule fires at most once more. */
  maxIntervalSeconds: number | null;
  /** What the interval was computed from, as a person reads it. */
  schedule: string;
}

/** `AutomaticallyAfterDays` or a `rate()`/`cron()` ScheduleExpression (which wins when both are set) as an interval. */
export function rotationInterval(rules: { automaticallyAfterDays: number | null; scheduleExpression: string | null }, nowEpochSeconds: number): RotationInterval {
  const expression = rules.scheduleExpression?.trim();
  if (expression) return { maxIntervalSeconds: intervalOfExpression(expression, nowEpochSeconds), schedule: expression };
  if (rules.automaticallyAfterDays !== null) return { maxIntervalSeconds: rules.automaticallyAfterDays * DAY, schedule: `AutomaticallyAfterDays=${rules.automaticallyAfterDays}` };
  throw new ScheduleError('rotation is enabled but no rotation rules were recorded');
}

/** The rotation window: `Duration` as hours (`3h`), or null when unset (the window then lasts the rest of the day). */
export function windowSeconds(duration: string | null): number | null {
  if (duration === null || duration === '') return null;
  const m = /^(\d{1,2})h$/.exec(duration.trim());
  if (!m) throw new ScheduleError(`rotation window "${duration}" is not a number of hours such as 3h`);
  return Number(m[1]) * HOUR;
}

function intervalOfExpression(expression: string, now: number): number | null {
  const rate = /^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$/i.exec(expression);
  if (rate) {
    const count = Number(rate[1]);
    if (count <= 0) throw new ScheduleError(`"${expression}": a rate must be positive`);
    const unit = (rate[2] ?? '').toLowerCase();
    return count * (unit.startsWith('day') ? DAY : unit.startsWith('hour') ? HOUR : 60);
  }
  const cron = /^cron\((.*)\)$/i.exec(expression);
  if (cron) return cronInterval(cron[1] ?? '', now);
  throw new ScheduleError(`"${expression}" is neither rate(...) nor cron(...)`);
}

interface CronFields {
  minutes: number[];
  hours: number[];
  dayMatches: (year: number, month: number, day: number) => boolean;
  years: (year: number) => boolean;
}

function cronInterval(body: string, now: number): number | null {
  const fields = parseCron(body);
  const times = fields.hours.flatMap((h) => fields.minutes.map((m) => h * HOUR + m * 60)).sort((a, b) => a - b);
  const start = new Date(now * 1000);
  const firstDay = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()) / 1000;
  const days: number[] = [];
  for (let i = 0; i < SPAN_DAYS; i++) {
    const day = firstDay + i * DAY;
    const d = new Date(day * 1000);
    const [y, mo, dd] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    if (fields.years(y) && fields.dayMatches(y, mo, dd)) days.push(day);
  }
  const firings = days.length * times.length;
  if (firings < 2) return null;
  let longest = 0;
  const first = times[0] as number;
  const last = times[times.length - 1] as number;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, (times[i] as number) - (times[i - 1] as number));
  for (let i = 1; i < days.length; i++) longest = Math.max(longest, (days[i] as number) + first - ((days[i - 1] as number) + last));
  return longest;
}

function parseCron(body: string): CronFields {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) throw new ScheduleError(`cron(${body}): expected 6 fields (minutes hours day-of-month month day-of-week year), found ${parts.length}`);
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) throw new ScheduleError(`cron(${body}): exactly one of day-of-month and day-of-week must be "?"`);
  const minutes = [...expand(min, 0, 59, [], 'minutes', body)];
  const hours = [...expand(hour, 0, 23, [], 'hours', body)];
  const months = expand(month, 1, 12, MONTHS, 'month', body);
  const yearAllowed = year === '*' ? () => true : (() => {
    const set = expand(year, 1970, 2199, [], 'year', body);
    return (y: number) => set.has(y);
  })();
  const dayMatches = dom !== '?' ? domMatcher(dom, body) : dowMatcher(dow, body);
  return { minutes, hours, years: yearAllowed, dayMatches: (y, mo, d) => months.has(mo) && dayMatches(y, mo, d) };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function domMatcher(field: string, body: string): (y: number, mo: number, d: number) => boolean {
  if (field === 'L') return (y, mo, d) => d === daysInMonth(y, mo);
  if (field === 'LW') return (y, mo, d) => d === nearestWeekday(y, mo, daysInMonth(y, mo));
  const w = /^(\d{1,2})W$/.exec(field);
  if (w) {
    const target = Number(w[1]);
    if (target < 1 || target > 31) throw new ScheduleError(`cron(${body}): day-of-month ${field} is out of range`);
    return (y, mo, d) => d === nearestWeekday(y, mo, Math.min(target, daysInMonth(y, mo)));
  }
  const set = expand(field, 1, 31, [], 'day-of-month', body);
  return (_y, _mo, d) => set.has(d);
}

/** The weekday nearest to `day` within its month (Saturday moves back, Sunday forward, never across months). */
function nearestWeekday(year: number, month: number, day: number): number {
  const wd = weekday(year, month, day);
  if (wd === 6) return day === 1 ? 3 : day - 1;
  if (wd === 0) return day === daysInMonth(year, month) ? day - 2 : day + 1;
  return day;
}

// AWS numbers days of the week 1-7 from Sunday; JavaScript 0-6.
function dowMatcher(field: string, body: string): (y: number, mo: number, d: number) => boolean {
  if (field === 'L') return (y, mo, d) => weekday(y, mo, d) === 6;
  const last = /^([1-7]|[A-Z]{3})L$/i.exec(field);
  if (last) {
    const target = dayOfWeek(last[1] ?? '', body);
    return (y, mo, d) => weekday(y, mo, d) === target && d + 7 > daysInMonth(y, mo);
  }
  const nth = /^([1-7]|[A-Z]{3})#([1-5])$/i.exec(field);
  if (nth) {
    const target = dayOfWeek(nth[1] ?? '', body);
    const n = Number(nth[2]);
    return (y, mo, d) => weekday(y, mo, d) === target && Math.ceil(d / 7) === n;
  }
  const set = new Set([...expand(field, 1, 7, WEEKDAYS, 'day-of-week', body)].map((v) => v - 1));
  return (y, mo, d) => set.has(weekday(y, mo, d));
}

function dayOfWeek(token: string, body: string): number {
  const named = WEEKDAYS.indexOf(token.toUpperCase());
  if (named >= 0) return named;
  const n = Number(token);
  if (!Number.isInteger(n) || n < 1 || n > 7) throw new ScheduleError(`cron(${body}): day-of-week ${token} is out of range`);
  return n - 1;
}

/** A field's values: `*`, `a`, `a-b`, `a/step`, `a-b/step`, `*\/step`, lists of those; names where `names` are given. */
function expand(field: string, low: number, high: number, names: string[], what: string, body: string): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + low : Number(token);
    if (!Number.isInteger(n) || n < low || n > high) throw new ScheduleError(`cron(${body}): ${what} value "${token}" is out of range ${low}-${high}`);
    return n;
  };
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ScheduleError(`cron(${body}): ${what} step "${stepText}" is not a positive whole number`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [low, high];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [from, to] = [value(a), value(b)];
    } else {
      from = value(range);
      to = stepText === undefined ? from : high;
    }
    if (from > to) throw new ScheduleError(`cron(${body}): ${what} range "${range}" runs backwards`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}
