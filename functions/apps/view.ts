import {
  type AppConfig,
  isResidentHere,
  mayShareWithTrtc,
  redactAppConfig,
} from '../../lib/policy/app-config.js';
import { type PrivacySettings, resolvePrivacySettings } from '../../lib/policy/privacy-settings.js';
import type { AppRecord, AppStatus } from '../../lib/store/apps.js';

/** What the admin routes answer about an app: the config with every secret redacted, plus derived facts. */
export interface AppView {
  sdkAppId: string;
  status: AppStatus;
  terminatedAt: string | null;
  purgeAt: string | null;
  createdAt: string;
  updatedAt: string;
  config: ReturnType<typeof redactAppConfig>;
  /** D1/D2/D5 with every default filled in. */
  privacy: PrivacySettings;
  /** P1: whether this deployment stores the app's personal data (its dataCenter is ours). */
  residentHere: boolean;
  dataCenter: { app: AppConfig['dataCenter']; deployment: string };
  /** P5: app info goes to TRTC only with sharing consent and a TRTC subscription. */
  sharing: { trtc: boolean };
}

export function appView(record: AppRecord, deploymentDataCenter: string): AppView {
  return {
    sdkAppId: record.sdkAppId,
    status: record.status,
    terminatedAt: record.terminatedAt ?? null,
    purgeAt: record.purgeAt ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    config: redactAppConfig(record.config),
    privacy: resolvePrivacySettings(record.config.privacy),
    residentHere: isResidentHere(record.config, deploymentDataCenter),
    dataCenter: { app: record.config.dataCenter, deployment: deploymentDataCenter },
    sharing: { trtc: mayShareWithTrtc(record.config) },
  };
}
