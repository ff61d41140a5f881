import type { PrivacySettingsInput, SensitiveDataMode, StorageMode } from './app-config.js';
import {
  CATEGORIES,
  type CategoryId,
  DEFAULT_PERSONAL_RETENTION_DAYS,
  type PersonalCategoryId,
} from './categories.js';
import { expiryUnderCuts, type RetentionCut } from './retention-cuts.js';
import { addCalendarMonths, addDays, expirySeconds } from './time.js';

export type { SensitiveDataMode, StorageMode } from './app-config.js';

export interface PersonalDataSetting {
  readonly mode: StorageMode;
  readonly retentionDays: number;
}

/** An app's D1/D2/D5 choices with every default filled in. */
export interface PrivacySettings {
  readonly userInfo: PersonalDataSetting;
  readonly messages: PersonalDataSetting;
  readonly sensitiveData: SensitiveDataMode;
}

export const DEFAULT_SENSITIVE_DATA_MODE: SensitiveDataMode = 'mask';

/** D1/D2: stored by default, for 7 days when no period is set; D5: mask by default. */
export function resolvePrivacySettings(input: PrivacySettingsInput | undefined): PrivacySettings {
  return {
    userInfo: resolvePersonal(input?.userInfo),
    messages: resolvePersonal(input?.messages),
    sensitiveData: input?.sensitiveData ?? DEFAULT_SENSITIVE_DATA_MODE,
  };
}

function resolvePersonal(input: PrivacySettingsInput['userInfo']): PersonalDataSetting {
  return {
    mode: input?.mode ?? 'stored',
    retentionDays: input?.retentionDays ?? DEFAULT_PERSONAL_RETENTION_DAYS,
  };
}

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
  const limit = expiryUnderCuts(expirySeconds(addDays(createdAt, setting.retentionDays)), createdAt, cuts);
  const expiresAt = new Date(Math.min(addDays(createdAt, setting.retentionDays).getTime(), limit * 1000));
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
