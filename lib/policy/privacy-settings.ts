import type { PrivacySettingsInput, SensitiveDataMode, StorageMode } from './app-config.js';
import { DEFAULT_PERSONAL_RETENTION_DAYS } from './categories.js';
import { type ConsentMode, DEFAULT_CONSENT_MODE } from './consent.js';

/**
 * D1/D2/D5/D6: what an app's privacy settings resolve to once every default is filled in (read by the
 * callback, the apps routes, retention and retention cuts alike).
 */

/** How one personal category is kept: stored for `retentionDays`, or not stored. */
export interface PersonalDataSetting {
  readonly mode: StorageMode;
  readonly retentionDays: number;
}

/** An app's D1/D2/D5 choices with every default filled in. */
export interface PrivacySettings {
  readonly userInfo: PersonalDataSetting;
  readonly messages: PersonalDataSetting;
  readonly sensitiveData: SensitiveDataMode;
  /** D6: whether personal data is stored only for accounts with an active consent. */
  readonly consent: ConsentMode;
}

export const DEFAULT_SENSITIVE_DATA_MODE: SensitiveDataMode = 'mask';

/** D1/D2: stored by default, for 7 days when no period is set; D5: mask by default. */
export function resolvePrivacySettings(input: PrivacySettingsInput | undefined): PrivacySettings {
  return {
    userInfo: resolvePersonal(input?.userInfo),
    messages: resolvePersonal(input?.messages),
    sensitiveData: input?.sensitiveData ?? DEFAULT_SENSITIVE_DATA_MODE,
    consent: input?.consent ?? DEFAULT_CONSENT_MODE,
  };
}

function resolvePersonal(input: PrivacySettingsInput['userInfo']): PersonalDataSetting {
  return {
    mode: input?.mode ?? 'stored',
    retentionDays: input?.retentionDays ?? DEFAULT_PERSONAL_RETENTION_DAYS,
  };
}
