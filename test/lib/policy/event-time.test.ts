import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callbackTime, msgKeyTime, retentionStart } from '../../../lib/policy/event-time.js';

/** When retention starts for what a callback carries (seconds or milliseconds, clamped to now). */
const NOW = new Date('2026-12-04T05:00:00Z');
// 2001-09-09 .. 2286-11-20 in seconds: every MsgTime Tencent can send today and long after.
const seconds = fc.integer({ min: 1_000_000_000, max: 9_999_999_999 });

describe('retention start', () => {
  it('reads a MsgTime in seconds and an EventTime in milliseconds as the same instant', () => {
    fc.assert(
      fc.property(seconds, (s) => {
        expect(callbackTime(s)?.getTime()).toBe(s * 1000);
        expect(callbackTime(s * 1000)?.getTime()).toBe(s * 1000);
      }),
    );
  });

  it('never starts retention after now: a future time (skew, a forged body) counts from now', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.option(
            fc.oneof(
              seconds,
              seconds.map((s) => s * 1000),
            ),
            { nil: undefined },
          ),
        ),
        (times) => {
          expect(retentionStart(NOW, ...times).getTime()).toBeLessThanOrEqual(NOW.getTime());
        },
      ),
    );
  });

  it('takes the first time it can read, and now when there is none', () => {
    expect(retentionStart(NOW, undefined, 0, -5, 1_764_000_000, 1_700_000_000)).toEqual(
      new Date(1_764_000_000_000),
    );
    expect(retentionStart(NOW)).toEqual(NOW);
    expect(retentionStart(NOW, Number.NaN, Number.POSITIVE_INFINITY, 1e300)).toEqual(NOW);
  });

  it.each([
    ['123_456_1764000000', 1_764_000_000],
    ['1_2_3', 3],
    ['not-a-key', undefined],
    ['1_2_12345678901', undefined],
  ])('reads the MsgTime in the MsgKey %s', (key, expected) => {
    expect(msgKeyTime(key)).toBe(expected);
  });
});
