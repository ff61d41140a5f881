import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, CATEGORY_IDS } from '../../../lib/policy/categories.js';
import { CLAUSES } from '../../../lib/policy/clauses.js';
import { resolvePrivacySettings } from '../../../lib/policy/privacy-settings.js';
import { configPurgeAt, decidePersonalStorage, fixedExpiry } from '../../../lib/policy/retention.js';

const at = new Date('2026-11-29T12:00:00Z');

describe('the schedule as data', () => {
  it('has every clause P1-P6 and D1-D6 with both languages', () => {
    expect(Object.keys(CLAUSES).sort()).toEqual(
      ['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6'].sort(),
    );
    for (const clause of Object.values(CLAUSES)) {
      expect(clause.rule.en.length).toBeGreaterThan(10);
      expect(clause.rule.zh.length).toBeGreaterThan(5);
    }
  });

  it('ties each category to its clause with the exact retention of docs/policy.md', () => {
    expect(CATEGORY_IDS.map((id) => [id, CATEGORIES[id].clause])).toEqual([
      ['log', 'P2'],
      ['monitoring', 'P3'],
      ['config', 'P4'],
      ['userInfo', 'D1'],
      ['messages', 'D2'],
    ]);
    expect(CATEGORIES.log.retention).toEqual({ kind: 'days', days: 7 });
    expect(CATEGORIES.monitoring.retention).toEqual({ kind: 'days', days: 2 });
    expect(CATEGORIES.config.retention).toEqual({ kind: 'monthsAfterTermination', months: 2 });
    expect(CATEGORIES.userInfo.retention).toMatchObject({ kind: 'customerSet', defaultDays: 7 });
    expect(CATEGORIES.messages.retention).toMatchObject({ kind: 'customerSet', defaultDays: 7 });
  });
});

describe('retention decisions', () => {
  it('keeps log data exactly 7 days and monitoring data exactly 2 days', () => {
    expect(fixedExpiry('log', at).toISOString()).toBe('2026-12-06T12:00:00.000Z');
    expect(fixedExpiry('monitoring', at).toISOString()).toBe('2026-12-01T12:00:00.000Z');
  });

  it('purges config two calendar months after termination, clamped', () => {
    expect(configPurgeAt(new Date('2026-12-31T00:00:00Z')).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(configPurgeAt(new Date('2027-12-31T00:00:00Z')).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('defaults D1/D2 to stored for 7 days, D5 to mask and D6 to no consent required', () => {
    expect(resolvePrivacySettings(undefined)).toEqual({
      userInfo: { mode: 'stored', retentionDays: 7 },
      messages: { mode: 'stored', retentionDays: 7 },
      sensitiveData: 'mask',
      consent: 'notRequired',
    });
    expect(resolvePrivacySettings({ messages: { mode: 'stored' } }).messages.retentionDays).toBe(7);
  });

  it('never stores notStored data, and never stores what is already expired', () => {
    const notStored = resolvePrivacySettings({ messages: { mode: 'notStored' } });
    expect(decidePersonalStorage('messages', notStored, at, at)).toEqual({
      store: false,
      reason: 'notStored',
    });
    const sevenDays = resolvePrivacySettings(undefined);
    const eightDaysAgo = new Date(at.getTime() - 8 * 86_400_000);
    expect(decidePersonalStorage('messages', sevenDays, eightDaysAgo, at)).toEqual({
      store: false,
      reason: 'alreadyExpired',
    });
  });

  it('stores until exactly createdAt + the customer-set days', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3650 }),
        fc.integer({ min: 0, max: 3650 * 86_400 }),
        fc.constantFrom('userInfo' as const, 'messages' as const),
        (retentionDays, ageSeconds, category) => {
          const settings = resolvePrivacySettings({ [category]: { mode: 'stored', retentionDays } });
          const createdAt = new Date(at.getTime() - ageSeconds * 1000);
          const decision = decidePersonalStorage(category, settings, createdAt, at);
          const expiresAt = createdAt.getTime() + retentionDays * 86_400_000;
          if (expiresAt <= at.getTime()) expect(decision.store).toBe(false);
          else expect(decision).toEqual({ store: true, expiresAt: new Date(expiresAt) });
        },
      ),
    );
  });
});
