import { CATEGORIES, type CategoryId, type PersonalCategoryId } from './categories.js';
import type { PrivacySettings } from './privacy-settings.js';
import { expiryUnderCuts, type RetentionCut } from './retention-cuts.js';
import { addCalendarMonths, addDays, expirySeconds, instantOfSeconds } from './time.js';

/** When a P2/P3 record made at `at` expires. */
export function fixedExpiry(category: 'log' | 'monitoring', at: Date): Date {
  const retention = CATEGORIES[category].retention;
  if (retention.kind !== 'days') throw new Error(`category ${category} has no fixed retention`);
  return addDays(at, retention.days);
}

/** P4: the config of an app terminated at `terminatedAt` is purged two calendar months later (UTC, clamped). */
export function configPurgeAt(terminatedAt: Date): Date {
  const retention = CATEGORIES.config.retention;
  if (retention.kind !== 'monthsAfterTermination')
    throw new Error('config retention must be monthsAfterTermination');
  return addCalendarMonths(terminatedAt, retention.months);
}

/**
 * D1/D2: whether an item of a personal category may be stored, and until when.
 * `notStored` means it is never written; an item already past its expiry is not stored either.
 */
export type PersonalStorageDecision =
  | { readonly store: false; readonly reason: 'notStored' | 'alreadyExpired' }
  | {
      readonly store: true;
      readonly expiresAt: Date;
    };

export function decidePersonalStorage(
  category: PersonalCategoryId,
  settings: PrivacySettings,
  createdAt: Date,
  now: Date,
  cuts?: readonly RetentionCut[] | undefined,
): PersonalStorageDecision {
  const setting = settings[category];
  if (setting.mode === 'notStored') return { store: false, reason: 'notStored' };
  // An item created before a cut (a late callback) is held to the cut too: nothing comes back.
  const uncut = addDays(createdAt, setting.retentionDays);
  const limit = expiryUnderCuts(expirySeconds(uncut), createdAt, cuts);
  const expiresAt = new Date(Math.min(uncut.getTime(), instantOfSeconds(limit).getTime()));
  if (expiresAt.getTime() <= now.getTime()) return { store: false, reason: 'alreadyExpired' };
  return { store: true, expiresAt };
}

/** The longest time an item of `category` can live, in days, for a given app setting (bounds index scans). */
export function maxRetentionDays(category: CategoryId, settings?: PrivacySettings): number {
  const retention = CATEGORIES[category].retention;
  switch (retention.kind) {
    case 'days':
      return retention.days;
    case 'monthsAfterTermination':
      return 31 * retention.months;
    case 'customerSet':
      return settings && (category === 'userInfo' || category === 'messages')
        ? settings[category].retentionDays
        : retention.maxDays;
  }
}
