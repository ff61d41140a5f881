import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideExpiry,
  decideHeld,
  expiryCutoff,
  furthestExpiryMonth,
  HOLD_LOOKAHEAD_SECONDS,
  heldExpiresAt,
  isMonthPast,
  isOverdue,
  monthsToWalk,
  nextCheckpoint,
  originalExpiresAt,
  releasedHoldIds,
} from '../../../lib/policy/expiry.js';
import type { LegalHold } from '../../../lib/policy/legal-holds.js';
import { addMonths, isLiveItem, monthEnd, monthOf } from '../../../lib/policy/time.js';

const now = new Date('2025-03-10T12:00:00Z');
const S = now.getTime() / 1000;
const hold: LegalHold = {
  id: 'h',
  app: 'a',
  account: 'alice',
  categories: ['messages'],
  reason: 'r',
  createdAt: '2025-01-01T00:00:00Z',
};

describe('cutoff and months', () => {
  it('puts the cutoff grace seconds before now, in epoch seconds', () => {
    expect(expiryCutoff(now, 0)).toBe(S);
    expect(expiryCutoff(now, 3600)).toBe(S - 3600);
  });

  it('adds months across years both ways', () => {
    expect(addMonths('2024-11', 3)).toBe('2025-02');
    expect(addMonths('2025-01', -1)).toBe('2024-12');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600 }), fc.integer({ min: -300, max: 300 }), (k, n) => {
        const month = addMonths('2000-01', k);
        return addMonths(addMonths(month, n), -n) === month;
      }),
    );
  });

  it('a month is past only once its last second is at or before the cutoff', () => {
    expect(isMonthPast('2025-02', monthEnd('2025-02') - 1)).toBe(true);
    expect(isMonthPast('2025-02', monthEnd('2025-02') - 2)).toBe(false);
    expect(isMonthPast('2025-03', S)).toBe(false);
  });

  it('walks from the checkpoint, or the 12-month look-back, to the month of upTo', () => {
    expect(monthsToWalk('2025-01', S, now)).toEqual(['2025-01', '2025-02', '2025-03']);
    expect(monthsToWalk(undefined, S, now)).toHaveLength(13);
    expect(monthsToWalk('2025-03', S + HOLD_LOOKAHEAD_SECONDS, now)).toEqual(['2025-03']);
  });

  it('advances the checkpoint to the first month not both past and drained, never past the cutoff month', () => {
    const walked = ['2024-12', '2025-01', '2025-02', '2025-03'];
    expect(nextCheckpoint(walked, new Set(walked), S)).toBe('2025-03');
    expect(nextCheckpoint(walked, new Set(['2024-12', '2025-02', '2025-03']), S)).toBe('2025-01');
    fc.assert(
      fc.property(
        fc.subarray(walked),
        (drained) => nextCheckpoint(walked, new Set(drained), S) <= monthOf(S),
      ),
    );
  });

  it('bounds stored counts by the longest retention of each category', () => {
    expect(furthestExpiryMonth('monitoring', now)).toBe('2025-03');
    expect(furthestExpiryMonth('log', new Date('2025-03-28T00:00:00Z'))).toBe('2025-04');
    expect(furthestExpiryMonth('messages', now)).toBe('2035-03');
  });
});

describe('decideExpiry', () => {
  const item = (expiresAt: number, account = 'bob') => ({
    app: 'a',
    category: 'messages' as const,
    account,
    expiresAt,
  });
  it.each([
    ['unheld, past the cutoff', item(S - 3601), 'delete'],
    ['unheld, exactly at the cutoff', item(S - 3600), 'delete'],
    ['unheld, expired within the grace', item(S - 10), 'withinGrace'],
    ['unheld, expiring exactly now', item(S), 'withinGrace'],
    ['unheld, not expired', item(S + 1), 'notDue'],
    ['held, long expired', item(S - 90_000, 'alice'), 'hold'],
    ['held, expiring within the look-ahead', item(S + HOLD_LOOKAHEAD_SECONDS, 'alice'), 'hold'],
    ['held, expiring later', item(S + HOLD_LOOKAHEAD_SECONDS + 1, 'alice'), 'notDue'],
  ] as const)('%s -> %s', (_name, subject, expected) => {
    expect(decideExpiry(subject, [hold], now, S - 3600)).toBe(expected);
  });

  it('never deletes an item an active hold covers, whatever the clock', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: 0, max: 86_400 }),
        (offset, grace) => {
          const d = decideExpiry(item(S + offset, 'alice'), [hold], now, S - grace);
          return d === 'hold' || d === 'notDue';
        },
      ),
    );
  });
});

describe('held items', () => {
  it('negates the expiry so TTL ignores it and reads hide it, and recovers the original', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4_102_444_800 }), (expiresAt) => {
        const held = heldExpiresAt(expiresAt);
        return (
          held < 0 && originalExpiresAt(held) === expiresAt && !isLiveItem({ expiresAt: held }, new Date(0))
        );
      }),
    );
  });

  it.each([
    ['still covered', [hold], S - 100, 'keep'],
    ['released, past the cutoff', [], S - 100, 'delete'],
    ['released before its own expiry', [], S + 100, 'restore'],
  ] as const)('%s -> %s', (_name, holds, expiresAt, expected) => {
    const entry = {
      app: 'a',
      category: 'messages' as const,
      account: 'alice',
      expiresAt: heldExpiresAt(expiresAt),
    };
    expect(decideHeld(entry, holds, now, S)).toBe(expected);
  });

  it('counts as overdue only what is expired and unheld', () => {
    const entry = (expiresAt: number, account: string) => ({
      app: 'a',
      category: 'messages' as const,
      account,
      expiresAt,
    });
    expect(isOverdue(entry(S, 'bob'), [hold], now)).toBe(true);
    expect(isOverdue(entry(S + 1, 'bob'), [hold], now)).toBe(false);
    expect(isOverdue(entry(heldExpiresAt(S - 5), 'alice'), [hold], now)).toBe(false);
    expect(isOverdue(entry(heldExpiresAt(S - 5), 'alice'), [], now)).toBe(true);
  });

  it('sweeps a held bucket only when a recorded hold has ended', () => {
    expect(releasedHoldIds(['a', 'b'], new Set(['a', 'b', 'c']))).toEqual([]);
    expect(releasedHoldIds(['a', 'b'], new Set(['b']))).toEqual(['a']);
  });
});
