import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../lib/store/backoff.js';

describe('backoffDelay (full jitter, capped)', () => {
  const bounds = { baseDelayMs: 50, maxDelayMs: 2000 };

  it.each([
    [1, 0.999, 99],
    [3, 0.5, 200],
    [10, 0.999, 1998],
    [4, 0, 0],
  ])('attempt %i with random %d waits %i ms', (attempt, random, delay) => {
    expect(backoffDelay(attempt, bounds, () => random)).toBe(delay);
  });

  it('is a whole number of milliseconds below both the exponential bound and the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 60_000 }),
        (attempt, random, baseDelayMs, maxDelayMs) => {
          const delay = backoffDelay(attempt, { baseDelayMs, maxDelayMs }, () => random);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
        },
      ),
    );
  });
});
