import {
  type AppConfig,
  isResidentHere,
  mayShareWithTrtc,
  type PrivacySettingsInput,
  type SensitiveDataMode,
  type StorageMode,
} from './app-config.js';
import {
  CATEGORIES,
  CATEGORY_IDS,
  type Category,
  type CategoryId,
  type PersonalCategoryId,
} from './categories.js';
import { POLICY_VERSION } from './policy-document.js';
import { type PrivacySettings, resolvePrivacySettings } from './privacy-settings.js';
import { TECHNICAL_MEASURES, type TechnicalMeasures } from './technical-measures.js';

/**
 * GDPR art. 30(2): the record of processing this service keeps as processor for one app (the
 * controller's), derived from the retention schedule (categories.ts) and the app's configuration in
 * force. Pure: the caller passes the app as read and `now`. It names no end user and no secret: only the
 * app's id and name, its settings and the policy's fixed facts.
 */

/** D6: whether the app stores an account's personal data only under an active consent. */
export type ConsentRequirement = 'notRequired' | 'required';

/** What a processing record is derived from: the app as stored (AppRecord fits) and this deployment. */
export interface RecordedApp {
  readonly sdkAppId: string;
  readonly status: 'active' | 'terminated';
  readonly terminatedAt?: string | undefined;
  readonly purgeAt?: string | undefined;
  readonly config: Pick<AppConfig, 'appName' | 'dataCenter' | 'trtc'> & {
    // `consent` (D6) is read when present, so the record follows it once the settings carry it.
    readonly privacy?: (PrivacySettingsInput & { readonly consent?: ConsentRequirement }) | undefined;
  };
}

export type RecordRetention =
  | { readonly kind: 'days'; readonly days: number }
  | { readonly kind: 'monthsAfterTermination'; readonly months: number; readonly purgeAt: string | null }
  | { readonly kind: 'customerSet'; readonly days: number; readonly isDefault: boolean }
  | { readonly kind: 'notStored' };

/** Why a category is or is not stored: the policy fixes it, the app's setting (D1/D2), or its data centre (P1). */
export type StorageReason = 'policy' | 'setting' | 'dataCentre';

/** D5 as applied to a category: what happens to a detected sensitive value. */
export type SensitiveDataHandling = 'notApplicable' | 'notChecked' | 'flagged' | 'masked' | 'rejected';

/** A third party a category is disclosed to; P5 names the only one. */
export interface Recipient {
  readonly id: 'trtc';
  readonly clause: 'P5';
  readonly name: { readonly en: string; readonly zh: string };
}

export interface ProcessingActivity {
  readonly id: CategoryId;
  readonly clause: Category['clause'];
  readonly name: Category['name'];
  readonly fields: readonly string[];
  readonly dataSubjects: 'endUsers' | 'customer';
  readonly purpose: Category['purpose'];
  readonly legalBasis: Category['legalBasis'];
  readonly retention: RecordRetention;
  readonly storage: { readonly mode: StorageMode; readonly reason: StorageReason };
  readonly location: { readonly dataCenter: string };
  readonly recipients: readonly Recipient[];
  readonly sensitiveData: {
    readonly mode: SensitiveDataMode | null;
    readonly handling: SensitiveDataHandling;
  };
  readonly consent: ConsentRequirement | 'notApplicable';
  readonly technicalMeasures: TechnicalMeasures & { readonly backups: Category['backup'] };
}

/** The answer of `GET /apps/{sdkAppId}/processing-record` (docs/api.md, ProcessingRecord). */
export interface ProcessingRecord {
  readonly record: 'GDPR art. 30(2)';
  readonly policyVersion: string;
  readonly generatedAt: string;
  readonly controller: { readonly sdkAppId: string; readonly appName: string };
  readonly app: {
    readonly status: RecordedApp['status'];
    readonly terminatedAt: string | null;
    readonly purgeAt: string | null;
    readonly dataCenter: string;
    readonly deploymentDataCenter: string;
    readonly residentHere: boolean;
    readonly sharesWithTrtc: boolean;
  };
  readonly categories: readonly ProcessingActivity[];
}

/** P5: the only recipient the policy names, TRTC, for app information when sharing is agreed and subscribed. */
export const TRTC_RECIPIENT: Recipient = {
  id: 'trtc',
  clause: 'P5',
  name: { en: 'Tencent Real-Time Communication (TRTC)', zh: '腾讯云实时音视频（TRTC）' },
};

const PROFILE_HANDLING: Record<SensitiveDataMode, SensitiveDataHandling> = {
  off: 'notChecked',
  flag: 'notChecked',
  mask: 'masked',
  reject: 'masked',
};
const MESSAGE_HANDLING: Record<SensitiveDataMode, SensitiveDataHandling> = {
  off: 'notChecked',
  flag: 'flagged',
  mask: 'masked',
  reject: 'rejected',
};

/**
 * D5 per category as the callback applies it: message content is flagged, masked or refused; a profile
 * value is masked under mask and reject, left as is otherwise (lib/policy/sensitive-data.ts).
 */
export function sensitiveDataHandling(category: CategoryId, mode: SensitiveDataMode): SensitiveDataHandling {
  if (category === 'messages') return MESSAGE_HANDLING[mode];
  if (category === 'userInfo') return PROFILE_HANDLING[mode];
  return 'notApplicable';
}

/**
 * The record of processing for `app` as of `now`, one activity per policy category.
 *
 * @example
 * const record = processingRecord(appRecord, { now: new Date(), deploymentDataCenter: env.dataCenter });
 */
export function processingRecord(
  app: RecordedApp,
  opts: { readonly now: Date; readonly deploymentDataCenter: string },
): ProcessingRecord {
  const residentHere = isResidentHere(app.config, opts.deploymentDataCenter);
  const sharesWithTrtc = mayShareWithTrtc(app.config);
  const facts: Facts = {
    app,
    residentHere,
    sharesWithTrtc,
    deploymentDataCenter: opts.deploymentDataCenter,
    settings: resolvePrivacySettings(app.config.privacy),
    consent: app.config.privacy?.consent === 'required' ? 'required' : 'notRequired',
  };
  return {
    record: 'GDPR art. 30(2)',
    policyVersion: POLICY_VERSION,
    generatedAt: opts.now.toISOString(),
    controller: { sdkAppId: app.sdkAppId, appName: app.config.appName },
    app: {
      status: app.status,
      terminatedAt: app.terminatedAt ?? null,
      purgeAt: app.purgeAt ?? null,
      dataCenter: app.config.dataCenter,
      deploymentDataCenter: opts.deploymentDataCenter,
      residentHere,
      sharesWithTrtc,
    },
    categories: CATEGORY_IDS.map((id) => activity(CATEGORIES[id], facts)),
  };
}

interface Facts {
  readonly app: RecordedApp;
  readonly residentHere: boolean;
  readonly sharesWithTrtc: boolean;
  readonly deploymentDataCenter: string;
  readonly settings: PrivacySettings;
  readonly consent: ConsentRequirement;
}

function activity(category: Category, facts: Facts): ProcessingActivity {
  const personal = category.id === 'userInfo' || category.id === 'messages';
  const settings = facts.settings;
  const base = {
    id: category.id,
    clause: category.clause,
    name: category.name,
    fields: category.fields,
    purpose: category.purpose,
    legalBasis: category.legalBasis,
    recipients: category.id === 'config' && facts.sharesWithTrtc ? [TRTC_RECIPIENT] : [],
    technicalMeasures: { ...TECHNICAL_MEASURES, backups: category.backup },
  };
  if (!personal) {
    return {
      ...base,
      dataSubjects: 'customer',
      retention: fixedRetention(category, facts.app),
      storage: { mode: 'stored', reason: 'policy' },
      location: { dataCenter: facts.deploymentDataCenter },
      sensitiveData: { mode: null, handling: 'notApplicable' },
      consent: 'notApplicable',
    };
  }
  const setting = settings[category.id as PersonalCategoryId];
  const configured = facts.app.config.privacy?.[category.id as PersonalCategoryId];
  return {
    ...base,
    dataSubjects: 'endUsers',
    retention:
      setting.mode === 'notStored'
        ? { kind: 'notStored' }
        : {
            kind: 'customerSet',
            days: setting.retentionDays,
            isDefault: configured?.retentionDays === undefined,
          },
    storage: personalStorage(setting.mode, facts.residentHere),
    location: { dataCenter: facts.app.config.dataCenter },
    sensitiveData: {
      mode: settings.sensitiveData,
      handling: sensitiveDataHandling(category.id, settings.sensitiveData),
    },
    consent: facts.consent,
  };
}

/** P1 before D1/D2: an app whose data centre is another one has nothing stored here, whatever it chose. */
function personalStorage(mode: StorageMode, residentHere: boolean): ProcessingActivity['storage'] {
  if (mode === 'notStored') return { mode, reason: 'setting' };
  return residentHere ? { mode, reason: 'setting' } : { mode: 'notStored', reason: 'dataCentre' };
}

function fixedRetention(category: Category, app: RecordedApp): RecordRetention {
  const retention = category.retention;
  switch (retention.kind) {
    case 'days':
      return { kind: 'days', days: retention.days };
    case 'monthsAfterTermination':
      return { kind: 'monthsAfterTermination', months: retention.months, purgeAt: app.purgeAt ?? null };
    case 'customerSet':
      throw new Error(`category ${category.id} is customer-set, not fixed`);
  }
}
