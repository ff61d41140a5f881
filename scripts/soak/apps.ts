import type { AppConfig } from '../../lib/policy/app-config.js';
import type { App } from './client.js';

/**
 * The soak's apps: several privacy settings side by side, so one run covers stored and not-stored
 * modes, short retention (items expiring while the run goes on), every D5 mode, and a legal hold.
 */
export interface SoakApp extends App {
  readonly config: AppConfig;
  /** Ends up with messages whose retention runs out during the run (MsgTime about a day ago). */
  readonly shortLived: boolean;
}

const ADMIN = 'administrator';

function app(sdkAppId: string, privacy: AppConfig['privacy'], shortLived = false): SoakApp {
  const secretKey = `soak-secret-${sdkAppId}-0123456789abcdef`;
  const token = `soak-callback-token-${sdkAppId}`;
  return {
    sdkAppId,
    secretKey,
    token,
    adminAccount: ADMIN,
    shortLived,
    config: {
      appName: `Soak ${sdkAppId}`,
      secretKey,
      adminAccount: ADMIN,
      callback: { enabled: true, url: 'https://callback.example.com/im', token },
      dataCenter: 'local',
      ...(privacy ? { privacy } : {}),
    },
  };
}

export const SOAK_APPS: readonly SoakApp[] = [
  app('1400900001', undefined),
  app(
    '1400900002',
    {
      messages: { mode: 'stored', retentionDays: 1 },
      userInfo: { mode: 'stored', retentionDays: 1 },
      sensitiveData: 'flag',
    },
    true,
  ),
  app('1400900003', {
    messages: { mode: 'notStored' },
    userInfo: { mode: 'notStored' },
    sensitiveData: 'off',
  }),
  app('1400900004', {
    messages: { mode: 'stored', retentionDays: 30 },
    userInfo: { mode: 'stored', retentionDays: 30 },
    sensitiveData: 'reject',
  }),
  // Switched to messages notStored mid-load (PRIVACY_CHANGES below); 1400900003 the other way.
  app('1400900005', { messages: { mode: 'stored', retentionDays: 7 } }),
];

/**
 * Privacy changes the app admin makes while the load runs, through the real PATCH route, in both
 * directions. From a change's answer on it is in force: after stored → notStored nothing of the category
 * may be stored, and what was stored before is gone once the final expiry run applied the change; after
 * notStored → stored every message sent from then on must be kept (verify.ts, `modeWhenSent`).
 */
export const PRIVACY_CHANGES: ReadonlyArray<{
  readonly app: string;
  readonly atProgress: number;
  readonly messages: 'stored' | 'notStored';
  readonly privacy: AppConfig['privacy'];
}> = [
  {
    app: '1400900003',
    atProgress: 0.3,
    messages: 'stored',
    privacy: { messages: { mode: 'stored', retentionDays: 7 } },
  },
  { app: '1400900005', atProgress: 0.5, messages: 'notStored', privacy: { messages: { mode: 'notStored' } } },
];

/** Legal holds the operator places while the load runs (its account's deletion request below is withheld). */
export const HOLDS: ReadonlyArray<{ app: string; account: string; atProgress: number }> = [
  { app: '1400900004', account: 'user-5', atProgress: 0.2 },
];

/** End-user accounts, the same names in every app; some share prefixes, some need escaping in keys. */
export const ACCOUNTS: readonly string[] = [
  ...Array.from({ length: 30 }, (_, i) => `user-${i + 1}`),
  'weird#user/1?%&=',
  '用户-✓',
];

/** Deletion requests the soak makes while the load runs, at a fraction of the load's progress. */
export const DOOMED: ReadonlyArray<{ app: string; account: string; atProgress: number; held?: boolean }> = [
  { app: '1400900001', account: 'user-1', atProgress: 0.15 },
  { app: '1400900001', account: 'user-2', atProgress: 0.45 },
  { app: '1400900002', account: 'user-3', atProgress: 0.45 },
  { app: '1400900004', account: 'user-5', atProgress: 0.3, held: true },
  { app: '1400900004', account: 'user-6', atProgress: 0.7 },
  { app: '1400900001', account: 'weird#user/1?%&=', atProgress: 0.8 },
];
