import type { ClauseId } from './clauses.js';

/** The five data categories the policy sets a retention for. */
export const CATEGORY_IDS = ['log', 'monitoring', 'config', 'userInfo', 'messages'] as const;
export type CategoryId = (typeof CATEGORY_IDS)[number];

/** The end-user personal data categories (DPSA): the ones a deletion request or an export covers. */
export const PERSONAL_CATEGORY_IDS = ['userInfo', 'messages'] as const;
export type PersonalCategoryId = (typeof PERSONAL_CATEGORY_IDS)[number];

export type Retention =
  | { readonly kind: 'days'; readonly days: number }
  | { readonly kind: 'monthsAfterTermination'; readonly months: number }
  | {
      readonly kind: 'customerSet';
      readonly defaultDays: number;
      readonly minDays: number;
      readonly maxDays: number;
    };

export interface Category {
  readonly id: CategoryId;
  readonly clause: ClauseId;
  readonly name: { readonly en: string; readonly zh: string };
  readonly fields: readonly string[];
  readonly purpose: { readonly en: string; readonly zh: string };
  readonly legalBasis: 'performanceOfContract' | 'customerInstruction';
  readonly retention: Retention;
  /** P6: how long deleted data of the category stays restorable from point-in-time recovery backups. */
  readonly backup: { readonly restorableDays: number };
}

/**
 * P6: every table keeps point-in-time recovery for this many days (serverless.yml
 * `RecoveryPeriodInDays`, never more than 7), so anything deleted stays restorable, by the operator
 * only, for at most this long after its deletion.
 */
export const BACKUP_RESTORABLE_DAYS = 7;
const BACKUP = { restorableDays: BACKUP_RESTORABLE_DAYS } as const;

export const DEFAULT_PERSONAL_RETENTION_DAYS = 7;
export const MIN_PERSONAL_RETENTION_DAYS = 1;
export const MAX_PERSONAL_RETENTION_DAYS = 3650;

const customerSet: Retention = {
  kind: 'customerSet',
  defaultDays: DEFAULT_PERSONAL_RETENTION_DAYS,
  minDays: MIN_PERSONAL_RETENTION_DAYS,
  maxDays: MAX_PERSONAL_RETENTION_DAYS,
};

export const CATEGORIES: Readonly<Record<CategoryId, Category>> = {
  log: {
    id: 'log',
    clause: 'P2',
    name: { en: 'Log data', zh: '日志数据' },
    fields: ['callerIp', 'apiName', 'time', 'errorCause'],
    purpose: {
      en: 'Performance analysis, to provide and improve the feature',
      zh: '性能分析，以提供和优化功能',
    },
    legalBasis: 'performanceOfContract',
    retention: { kind: 'days', days: 7 },
    backup: BACKUP,
  },
  monitoring: {
    id: 'monitoring',
    clause: 'P3',
    name: { en: 'Monitoring data', zh: '监控数据' },
    fields: ['successRate', 'averageLatency'],
    purpose: {
      en: 'Network-quality analysis, optimisation, locating and debugging problems',
      zh: '网络质量分析与优化、问题定位与排查',
    },
    legalBasis: 'performanceOfContract',
    retention: { kind: 'days', days: 2 },
    backup: BACKUP,
  },
  config: {
    id: 'config',
    clause: 'P4',
    name: { en: 'App configuration', zh: '应用配置信息' },
    fields: [
      'callback.enabled',
      'callback.url',
      'plan',
      'adminAccount',
      'appName',
      'sdkAppId',
      'intro',
      'appType',
      'secretKey',
      'appId',
      'description',
      'status',
      'createdAt',
      'updatedAt',
      'c2cRequireFriendship',
      'checkBlocklist',
      'multiPlatformLoginInstances',
      'offlinePush',
      'tags',
      'avGroupHistoryForNewMembers',
      'recall',
      'privacy.messages.retentionDays',
      'recentContactsPull',
      'addFriendDefaultVerification',
      'customFields',
      'dataCenter',
    ],
    purpose: {
      en: "Provide the feature per the app's configuration; performance analysis",
      zh: '按应用配置提供功能；性能分析',
    },
    legalBasis: 'performanceOfContract',
    retention: { kind: 'monthsAfterTermination', months: 2 },
    backup: BACKUP,
  },
  userInfo: {
    id: 'userInfo',
    clause: 'D1',
    name: { en: 'End-user profile information', zh: '终端用户资料信息' },
    fields: ['nickname', 'avatarUrl', 'signature'],
    purpose: { en: 'Provide the IM feature to the customer', zh: '为客户提供即时通信功能' },
    legalBasis: 'customerInstruction',
    retention: customerSet,
    backup: BACKUP,
  },
  messages: {
    id: 'messages',
    clause: 'D2',
    name: { en: 'Chat messages', zh: '聊天消息' },
    fields: ['text', 'image', 'sound', 'video', 'file', 'custom', 'location', 'face'],
    purpose: { en: 'Provide the IM feature to the customer', zh: '为客户提供即时通信功能' },
    legalBasis: 'customerInstruction',
    retention: customerSet,
    backup: BACKUP,
  },
};
