import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATEGORY_IDS } from '../../../lib/policy/categories.js';
import { coveringHolds, holdCovers, isHoldActive, type LegalHold } from '../../../lib/policy/legal-holds.js';

const now = new Date('2025-03-10T12:00:00Z');
const hold = (overrides: Partial<LegalHold> = {}): LegalHold => ({
  id: 'h1',
  app: '1400000001',
  categories: ['messages'],
  reason: 'litigation',
  createdAt: '2025-03-01T00:00:00Z',
  ...overrides,
});

describe('isHoldActive', () => {
  it.each([
    ['an open hold', hold(), true],
    ['a released hold', hold({ releasedAt: '2025-03-05T00:00:00Z' }), false],
    ['a hold until a future instant', hold({ until: '2025-03-10T12:00:01Z' }), true],
    ['a hold whose until is now', hold({ until: '2025-03-10T12:00:00Z' }), false],
    ['a hold whose until has passed', hold({ until: '2025-03-09T00:00:00Z' }), false],
  ])('%s -> %s', (_name, h, expected) => {
    expect(isHoldActive(h, now)).toBe(expected);
  });
});

describe('holdCovers', () => {
  it('covers every account of the app when the hold names none', () => {
    expect(holdCovers(hold(), { app: '1400000001', category: 'messages', account: 'alice' }, now)).toBe(true);
    expect(holdCovers(hold(), { app: '1400000001', category: 'messages' }, now)).toBe(true);
  });

  it('covers only the named account when the hold names one', () => {
    const h = hold({ account: 'alice' });
    expect(holdCovers(h, { app: '1400000001', category: 'messages', account: 'alice' }, now)).toBe(true);
    expect(holdCovers(h, { app: '1400000001', category: 'messages', account: 'bob' }, now)).toBe(false);
    expect(holdCovers(h, { app: '1400000001', category: 'messages' }, now)).toBe(false);
  });

  it('never covers another app or a category it does not name', () => {
    expect(holdCovers(hold(), { app: '1400000002', category: 'messages' }, now)).toBe(false);
    expect(holdCovers(hold(), { app: '1400000001', category: 'userInfo' }, now)).toBe(false);
  });

  it('never covers anything once released or lapsed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CATEGORY_IDS),
        fc.option(fc.string(), { nil: undefined }),
        fc.boolean(),
        (category, account, released) => {
          const h = released
            ? hold({ categories: [...CATEGORY_IDS], releasedAt: '2025-03-02T00:00:00Z' })
            : hold({ categories: [...CATEGORY_IDS], until: '2025-03-02T00:00:00Z' });
          return !holdCovers(h, { app: '1400000001', category, account }, now);
        },
      ),
    );
  });
});

describe('coveringHolds', () => {
  it('returns exactly the active holds that cover the item', () => {
    const holds = [
      hold({ id: 'whole-app' }),
      hold({ id: 'alice', account: 'alice' }),
      hold({ id: 'bob', account: 'bob' }),
      hold({ id: 'released', releasedAt: '2025-03-02T00:00:00Z' }),
      hold({ id: 'config', categories: ['config'] }),
    ];
    const ids = coveringHolds(holds, { app: '1400000001', category: 'messages', account: 'alice' }, now).map(
      (h) => h.id,
    );
    expect(ids).toEqual(['whole-app', 'alice']);
  });
});
