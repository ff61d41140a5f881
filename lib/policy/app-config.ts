import * as z from 'zod';
import { MAX_PERSONAL_RETENTION_DAYS, MIN_PERSONAL_RETENTION_DAYS } from './categories.js';
import { CONSENT_MODES } from './consent.js';

/**
 * P4: the app configuration an operator registers (docs/api.md, AppConfig).
 * Objects are strict, so a misspelt field is a 400 naming it rather than silently dropped.
 * Secrets (`secretKey`, `callback.token`, `offlinePush[].appSecret`) are write-only.
 */

const text = (max: number) => z.string().max(max);
const requiredText = (max: number) => z.string().trim().min(1).max(max);

export const storageModeSchema = z.enum(['stored', 'notStored']);
export const sensitiveDataModeSchema = z.enum(['off', 'flag', 'mask', 'reject']);

export const personalDataSettingSchema = z.strictObject({
  mode: storageModeSchema,
  retentionDays: z.int().min(MIN_PERSONAL_RETENTION_DAYS).max(MAX_PERSONAL_RETENTION_DAYS).optional(),
});

/** D1/D2/D5 settings: the body of `PATCH /apps/{id}/privacy` and `privacy` in the config. */
export const privacySettingsSchema = z.strictObject({
  userInfo: personalDataSettingSchema.optional(),
  messages: personalDataSettingSchema.optional(),
  sensitiveData: sensitiveDataModeSchema.optional(),
  /** D6: `required` stores an account's userInfo and messages only while it has an active consent for them. */
  consent: z.enum(CONSENT_MODES).optional(),
  /** Whether `GET /apps/{sdkAppId}/privacy` shows the app's end users its settings (default: not shown, 404). */
  publishDisclosure: z.boolean().optional(),
});

export const appConfigSchema = z.strictObject({
  appName: requiredText(128),
  intro: text(1024).optional(),
  appType: text(64).optional(),
  description: text(4096).optional(),
  appId: text(64).optional(),
  plan: text(64).optional(),
  status: text(64).optional(),
  secretKey: requiredText(256),
  adminAccount: requiredText(128),
  callback: z
    .strictObject({
      enabled: z.boolean(),
      url: z.url({ protocol: /^https?$/ }).optional(),
      token: requiredText(256).optional(),
    })
    .optional(),
  c2cRequireFriendship: z.boolean().optional(),
  checkBlocklist: z.boolean().optional(),
  multiPlatformLoginInstances: z.int().min(0).max(100).optional(),
  offlinePush: z
    .array(
      z.strictObject({
        platform: requiredText(32),
        packageName: text(256).optional(),
        appId: text(128).optional(),
        appSecret: text(512).optional(),
      }),
    )
    .max(32)
    .optional(),
  tags: z.array(text(128)).max(100).optional(),
  avGroupHistoryForNewMembers: z.boolean().optional(),
  recall: z
    .strictObject({
      timeLimitSeconds: z
        .int()
        .min(0)
        .max(7 * 86_400),
    })
    .optional(),
  recentContactsPull: z.int().min(100).max(500).optional(),
  addFriendDefaultVerification: z.enum(['AllowAny', 'NeedPermission', 'DenyAny']).optional(),
  customFields: z
    .strictObject({
      friend: z.array(text(64)).max(64).optional(),
      user: z.array(text(64)).max(64).optional(),
      groupMember: z.array(text(64)).max(64).optional(),
      group: z.array(text(64)).max(64).optional(),
    })
    .optional(),
  dataCenter: requiredText(64),
  trtc: z.strictObject({ sharingConsent: z.boolean(), subscribed: z.boolean() }).optional(),
  privacy: privacySettingsSchema.optional(),
});

export type AppConfig = z.infer<typeof appConfigSchema>;
export type PrivacySettingsInput = z.infer<typeof privacySettingsSchema>;
export type StorageMode = z.infer<typeof storageModeSchema>;
export type SensitiveDataMode = z.infer<typeof sensitiveDataModeSchema>;

/** The config as it may leave the service: every write-only secret removed, its presence stated. */
export type RedactedAppConfig = Omit<AppConfig, 'secretKey' | 'callback' | 'offlinePush'> & {
  callback?: { enabled: boolean; url?: string | undefined; tokenSet: boolean };
  offlinePush?: Array<{
    platform: string;
    packageName?: string | undefined;
    appId?: string | undefined;
    appSecretSet: boolean;
  }>;
  secretKeySet: boolean;
};

export function redactAppConfig(config: AppConfig): RedactedAppConfig {
  const { secretKey, callback, offlinePush, ...rest } = config;
  const redacted: RedactedAppConfig = { ...rest, secretKeySet: secretKey.length > 0 };
  if (callback) {
    redacted.callback = {
      enabled: callback.enabled,
      url: callback.url,
      tokenSet: callback.token !== undefined,
    };
  }
  if (offlinePush) {
    redacted.offlinePush = offlinePush.map(({ appSecret, ...entry }) => ({
      ...entry,
      appSecretSet: appSecret !== undefined && appSecret.length > 0,
    }));
  }
  return redacted;
}

/** P5: app info goes to TRTC only when the customer agreed to sharing and subscribes to TRTC. */
export function mayShareWithTrtc(config: Pick<AppConfig, 'trtc'>): boolean {
  return config.trtc?.sharingConsent === true && config.trtc.subscribed === true;
}

/** P1: personal data is stored here only for apps whose data centre is this deployment's. */
export function isResidentHere(config: Pick<AppConfig, 'dataCenter'>, deploymentDataCenter: string): boolean {
  return config.dataCenter === deploymentDataCenter;
}
