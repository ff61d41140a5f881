import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCalendarMonths,
  addDays,
  addMonths,
  daysInUtcMonth,
  epochSeconds,
  expirySeconds,
  hasArrived,
  instantOfSeconds,
  isExpired,
  monthEnd,
  monthOf,
  monthRange,
} from '../../../lib/policy/time.js';

const utc = (iso: string) => new Date(iso);
const anyDate = fc.date({
  min: new Date('1970-01-01T00:00:00Z'),
  max: new Date('2200-12-31T23:59:59Z'),
  noInvalidDate: true,
});

describe('addCalendarMonths (P4: two calendar months, clamped, UTC)', () => {
  it.each([
    ['2026-12-31T10:00:00Z', 2, '2027-02-28T10:00:00.000Z'],
    ['2027-12-31T00:00:00Z', 2, '2028-02-29T00:00:00.000Z'],
    ['2026-08-31T23:59:59Z', 2, '2026-10-31T23:59:59.000Z'],
    ['2026-07-31T12:00:00Z', 2, '2026-09-30T12:00:00.000Z'],
    ['2026-01-15T08:30:00Z', 2, '2026-03-15T08:30:00.000Z'],
    ['2026-11-29T00:00:00Z', 2, '2027-01-29T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', 12, '2025-02-28T00:00:00.000Z'],
    ['2026-03-31T00:00:00Z', -1, '2026-02-28T00:00:00.000Z'],
    ['2026-12-31T00:00:00Z', 1, '2027-01-31T00:00:00.000Z'],
  ])('%s + %i months = %s', (from, months, expected) => {
    expect(addCalendarMonths(utc(from), months).toISOString()).toBe(expected);
  });

  it('never overflows into the month after the target month', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 0, max: 120 }), (from, months) => {
        const result = addCalendarMonths(from, months);
        const monthsApart =
          (result.getUTCFullYear() - from.getUTCFullYear()) * 12 +
          (result.getUTCMonth() - from.getUTCMonth());
        expect(monthsApart).toBe(months);
      }),
    );
  });

  it('keeps the day of month when the target month has it, else clamps to its last day', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 0, max: 120 }), (from, months) => {
        const result = addCalendarMonths(from, months);
        const lastDay = daysInUtcMonth(result.getUTCFullYear(), result.getUTCMonth());
        expect(result.getUTCDate()).toBe(Math.min(from.getUTCDate(), lastDay));
        expect(result.getUTCHours()).toBe(from.getUTCHours());
        expect(result.getUTCMinutes()).toBe(from.getUTCMinutes());
      }),
    );
  });

  it('is never earlier than 2 months allow: at least 59 days and at most 62 days later', () => {
    fc.assert(
      fc.property(anyDate, (from) => {
        const days = (addCalendarMonths(from, 2).getTime() - from.getTime()) / 86_400_000;
        expect(days).toBeGreaterThanOrEqual(59);
        expect(days).toBeLessThanOrEqual(62);
      }),
    );
  });
});

describe('addDays and epoch seconds', () => {
  it('expiry in epoch seconds is never earlier than the retention allows', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 1, max: 3650 }), (from, days) => {
        const expiresAt = expirySeconds(addDays(from, days));
        expect(expiresAt * 1000).toBeGreaterThanOrEqual(from.getTime() + days * 86_400_000);
        expect(expiresAt * 1000 - (from.getTime() + days * 86_400_000)).toBeLessThan(1000);
        expect(Number.isInteger(expiresAt)).toBe(true);
      }),
    );
  });

  it('rounds an instant down and an expiry up, and both agree on whole seconds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7_258_118_400 }),
        fc.integer({ min: 1, max: 999 }),
        (seconds, ms) => {
          const whole = new Date(seconds * 1000);
          expect(epochSeconds(whole)).toBe(seconds);
          expect(expirySeconds(whole)).toBe(seconds);
          const later = new Date(seconds * 1000 + ms);
          expect(epochSeconds(later)).toBe(seconds);
          expect(expirySeconds(later)).toBe(seconds + 1);
        },
      ),
    );
  });

  it('treats an item as expired from its expiresAt second on, and never without one', () => {
    const now = utc('2026-11-29T12:00:00Z');
    const nowSeconds = now.getTime() / 1000;
    expect(isExpired(nowSeconds, now)).toBe(true);
    expect(isExpired(nowSeconds - 1, now)).toBe(true);
    expect(isExpired(nowSeconds + 1, now)).toBe(false);
    expect(isExpired(undefined, now)).toBe(false);
  });
});

describe('epoch seconds back to instants, and months', () => {
  const anySeconds = fc.integer({ min: 0, max: 7_258_118_400 });

  it('turns an epoch second into the instant it starts at, the inverse of both roundings', () => {
    fc.assert(
      fc.property(anySeconds, (seconds) => {
        expect(instantOfSeconds(seconds).getTime()).toBe(seconds * 1000);
        expect(epochSeconds(instantOfSeconds(seconds))).toBe(seconds);
        expect(expirySeconds(instantOfSeconds(seconds))).toBe(seconds);
      }),
    );
  });

  it('puts every instant inside its month: at or after the previous month end, before its own', () => {
    fc.assert(
      fc.property(anySeconds, (seconds) => {
        const month = monthOf(seconds);
        expect(monthEnd(addMonths(month, -1))).toBeLessThanOrEqual(seconds);
        expect(monthEnd(month)).toBeGreaterThan(seconds);
      }),
    );
  });

  it('lists each month from first to last once, in order, both included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2400 }), fc.integer({ min: 0, max: 48 }), (start, span) => {
        const first = addMonths('1970-01', start);
        const months = monthRange(first, addMonths(first, span));
        expect(months).toHaveLength(span + 1);
        expect(months).toEqual(Array.from({ length: span + 1 }, (_, i) => addMonths(first, i)));
      }),
    );
    expect(monthRange('2025-03', '2025-02')).toEqual([]);
  });
});

describe('hasArrived (purgeAt reached)', () => {
  it('is inclusive: due at the stored instant, not a millisecond before', () => {
    expect(hasArrived('2026-12-01T00:00:00.000Z', utc('2026-12-01T00:00:00.000Z'))).toBe(true);
    expect(hasArrived('2026-12-01T00:00:00.000Z', utc('2026-11-30T23:59:59.999Z'))).toBe(false);
  });

  it('decides as the string comparison DynamoDB conditions make on stored toISOString() instants', () => {
    fc.assert(
      fc.property(anyDate, anyDate, (at, now) => {
        expect(hasArrived(at.toISOString(), now)).toBe(at.toISOString() <= now.toISOString());
      }),
    );
  });
});
