import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deletionDueAt,
  isOverdue,
  mergeCategories,
  needsRecheck,
  normalizeCategories,
  statusAfterPass,
  unionIds,
} from '../../../lib/policy/deletion.js';
import type { LegalHold } from '../../../lib/policy/legal-holds.js';

const hold = (id: string, extra: Partial<LegalHold> = {}): LegalHold => ({
  id,
  app: '1400000001',
  categories: ['messages'],
  reason: 'r',
  createdAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe('deletion request policy (D3)', () => {
  it.each([
    ['2026-01-31T10:00:00.000Z', '2026-02-28T10:00:00.000Z'],
    ['2028-01-31T10:00:00.000Z', '2028-02-29T10:00:00.000Z'],
    ['2026-12-15T23:59:59.999Z', '2027-01-15T23:59:59.999Z'],
    ['2026-03-31T00:00:00.000Z', '2026-04-30T00:00:00.000Z'],
  ])('is due one calendar month after %s: %s', (created, due) => {
    expect(deletionDueAt(new Date(created)).toISOString()).toBe(due);
  });

  it('never gives less than 28 nor more than 31 days, and keeps the time of day', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (created) => {
          const due = deletionDueAt(created);
          const days = (due.getTime() - created.getTime()) / 86_400_000;
          expect(days).toBeGreaterThanOrEqual(28);
          expect(days).toBeLessThanOrEqual(31);
          expect(due.toISOString().slice(10)).toBe(created.toISOString().slice(10));
        },
      ),
    );
  });

  it('is overdue only while open and at or past dueAt', () => {
    const now = new Date('2026-02-01T00:00:00.000Z');
    expect(isOverdue({ status: 'processing', dueAt: '2026-02-01T00:00:00.000Z' }, now)).toBe(true);
    expect(isOverdue({ status: 'withheld', dueAt: '2026-01-01T00:00:00.000Z' }, now)).toBe(true);
    expect(isOverdue({ status: 'completed', dueAt: '2026-01-01T00:00:00.000Z' }, now)).toBe(false);
    expect(isOverdue({ status: 'received', dueAt: '2026-02-01T00:00:00.001Z' }, now)).toBe(false);
  });

  it('defaults to both categories, in canonical order without duplicates', () => {
    expect(normalizeCategories()).toEqual(['userInfo', 'messages']);
    expect(normalizeCategories(['messages', 'userInfo', 'messages'])).toEqual(['userInfo', 'messages']);
    expect(normalizeCategories(['messages'])).toEqual(['messages']);
  });

  it('joins a request into the open one: the union, widened only when something was added', () => {
    expect(mergeCategories(['userInfo', 'messages'], ['messages'])).toEqual({
      categories: ['userInfo', 'messages'],
      widened: false,
    });
    expect(mergeCategories(['messages'], ['userInfo'])).toEqual({
      categories: ['userInfo', 'messages'],
      widened: true,
    });
    expect(mergeCategories(['messages'], ['messages'])).toEqual({ categories: ['messages'], widened: false });
  });

  it('is withheld after a pass that left anything, else completed', () => {
    expect(statusAfterPass({ userInfo: 0, messages: 0 })).toBe('completed');
    expect(statusAfterPass({ userInfo: 1, messages: 0 })).toBe('withheld');
  });

  it('re-checks a withheld request only once one of its holds is no longer active', () => {
    const now = new Date('2026-06-01T00:00:00.000Z');
    const a = hold('a');
    const b = hold('b');
    expect(needsRecheck(['a', 'b'], [a, b], now)).toBe(false);
    expect(needsRecheck(['a', 'b'], [a], now)).toBe(true);
    expect(needsRecheck(['a'], [{ ...a, releasedAt: '2026-05-01T00:00:00.000Z' }], now)).toBe(true);
    expect(needsRecheck(['a'], [{ ...a, until: '2026-05-31T00:00:00.000Z' }], now)).toBe(true);
    expect(needsRecheck([], [a], now)).toBe(true);
  });

  it('lists each hold once', () => {
    expect(unionIds(['b', 'a'], ['a', 'c'])).toEqual(['a', 'b', 'c']);
  });
});
