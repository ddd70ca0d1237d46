import { describe, expect, it } from 'vitest';
import { InvalidEventError, parseAwsDate, toIso } from '../../src/events/index.js';

const iso = (value: unknown) => toIso(parseAwsDate(value, 'when'));

describe('reading the dates AWS writes', () => {
  it.each([
    ['2026-11-02T09:14:07Z', '2026-11-02T09:14:07.000Z'],
    ['2026-11-02T09:14:07.512Z', '2026-11-02T09:14:07.512Z'],
    ['2026-11-02T09:14:07.123456789Z', '2026-11-02T09:14:07.123Z'],
    ['2026-11-02T09:14:07+00:00', '2026-11-02T09:14:07.000Z'],
    ['2026-11-02T11:14:07+02:00', '2026-11-02T09:14:07.000Z'],
    ['2026-11-02T04:14:07-0500', '2026-11-02T09:14:07.000Z'],
    ['2026-11-02T09:14:07', '2026-11-02T09:14:07.000Z'],
    ['2026-11-02', '2026-11-02T00:00:00.000Z'],
    ['Nov 9, 2026, 9:14:07 AM', '2026-11-09T09:14:07.000Z'],
    ['Dec 2, 2026, 9:40:11 PM', '2026-12-02T21:40:11.000Z'],
    ['Dec 2, 2026, 12:05:00 AM', '2026-12-02T00:05:00.000Z'],
    ['Apr 12, 2021 18:58:30 PM', '2021-04-12T18:58:30.000Z'],
    [1762074847, '2025-11-02T09:14:07.000Z'],
    [1762074847.25, '2025-11-02T09:14:07.250Z'],
    [1762074847000, '2025-11-02T09:14:07.000Z'],
    ['1762074847', '2025-11-02T09:14:07.000Z'],
  ])('reads %s as %s', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it('refuses an epoch value past the year 9999 instead of failing later', () => {
    expect(() => parseAwsDate(1e20, 'detail.eventTime')).toThrow('detail.eventTime: expected a date before the year 10000, received 100000000000000000000');
  });

  it.each(['2026-02-30T00:00:00Z', '2026-13-01', 'Foo 1, 2026, 1:00:00 AM', '', 'soon', -5, Number.NaN, null, {}])('refuses %s, naming the field', (input) => {
    expect(() => parseAwsDate(input, 'detail.eventTime')).toThrow(InvalidEventError);
    expect(() => parseAwsDate(input, 'detail.eventTime')).toThrow(/^detail\.eventTime: /);
  });
});
