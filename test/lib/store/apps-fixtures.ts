import type { AppConfig } from '../../../lib/policy/app-config.js';

/** Secrets that must never come back in an answer or reach a log line. */
export const SECRETS = {
  secretKey: 'sk-5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e',
  callbackToken: 'cb-token-7f1e2d3c4b5a69788796a5b4c3d2e1f0',
  pushSecret: 'push-secret-0a1b2c3d4e5f60718293a4b5c6d7e8f9',
} as const;

let nextApp = 1_400_100_000 + Math.floor(Math.random() * 1_000_000) * 100;
/** A fresh SDKAppID per call, so tests sharing tables never collide. */
export function newSdkAppId(): string {
  nextApp += 1;
  return String(nextApp);
}

/** Every P4 field set, as an operator would register it. */
export function fullConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    appName: 'Chat Demo',
    intro: 'demo app',
    appType: 'social',
    description: 'an app used by the tests',
    appId: 'wx-1234',
    plan: 'pro',
    status: 'online',
    secretKey: SECRETS.secretKey,
    adminAccount: 'administrator',
    callback: { enabled: true, url: 'https://callback.example.com/im', token: SECRETS.callbackToken },
    c2cRequireFriendship: false,
    checkBlocklist: true,
    multiPlatformLoginInstances: 2,
    offlinePush: [
      { platform: 'android', packageName: 'com.example.chat', appId: '1001', appSecret: SECRETS.pushSecret },
    ],
    tags: ['vip'],
    avGroupHistoryForNewMembers: true,
    recall: { timeLimitSeconds: 120 },
    recentContactsPull: 100,
    addFriendDefaultVerification: 'NeedPermission',
    customFields: { friend: ['Tag_SNS_Custom_Note'], user: [], groupMember: [], group: [] },
    dataCenter: 'local',
    trtc: { sharingConsent: true, subscribed: true },
    privacy: {
      userInfo: { mode: 'stored', retentionDays: 30 },
      messages: { mode: 'notStored' },
      sensitiveData: 'reject',
    },
    ...overrides,
  };
}

/** Only the required fields. */
export function minimalConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    appName: 'Minimal',
    secretKey: SECRETS.secretKey,
    adminAccount: 'administrator',
    dataCenter: 'local',
    ...overrides,
  };
}
