import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AppConfig } from '../policy/app-config.js';
import type { RetentionCuts } from '../policy/retention-cuts.js';
import { sdkCall } from './sdk-errors.js';

/**
 * The app item's layout (documented in apps.ts), shared by the configuration side (apps.ts) and the
 * purge (apps-purge.ts).
 */
export const APP_CATEGORY = 'config';
/** How long after its due time a terminated app's TTL falls: three runs of the hourly purge. */
export const CONFIG_TTL_MARGIN_SECONDS = 3 * 3600;

/** An app's lifecycle: active -> terminated -> purged (the item gone, or past purgeAt for every reader). */
export type AppStatus = 'active' | 'terminated';

export interface AppRecord {
  sdkAppId: string;
  /** Full config INCLUDING secrets: never return it unredacted. */
  config: AppConfig;
  status: AppStatus;
  terminatedAt?: string;
  purgeAt?: string;
  createdAt: string;
  updatedAt: string;
  /**
   * D1/D2 retention cuts still in force (lib/policy/retention-cuts.ts): every read of stored personal
   * data applies them, so a shorter retention hides what it ends at once.
   */
  retentionCuts?: RetentionCuts;
}

/** The stored item's lifecycle bookkeeping, for the purge. */
export interface StoredApp extends AppRecord {
  readonly version: number;
  readonly expiresAt?: number;
  readonly expiryBucket?: string;
  readonly ttlDeleteAt?: number;
  readonly heldBy?: string[];
  /**
   * Random, set when the SdkAppid is registered (again): names this registration apart from an earlier
   * one of the same SdkAppid, whatever the clock says (the purge's erasure request is keyed by it).
   */
  readonly registrationId?: string;
}

/** The stored item as is, including purge-due ones (consistent read). */
export async function readStoredApp(
  doc: DynamoDBDocumentClient,
  tableName: string,
  sdkAppId: string,
): Promise<StoredApp | undefined> {
  const { Item } = await sdkCall(
    'read app',
    doc.send(new GetCommand({ TableName: tableName, Key: { appId: sdkAppId }, ConsistentRead: true })),
  );
  return Item ? toStored(Item) : undefined;
}

export function toItem(app: StoredApp): Record<string, unknown> {
  const { sdkAppId, ...rest } = app;
  return { appId: sdkAppId, category: APP_CATEGORY, app: sdkAppId, ...rest };
}

export function toStored(item: Record<string, unknown>): StoredApp {
  return {
    sdkAppId: String(item.appId),
    config: item.config as AppConfig,
    status: item.status === 'terminated' ? 'terminated' : 'active',
    ...(typeof item.terminatedAt === 'string' ? { terminatedAt: item.terminatedAt } : {}),
    ...(typeof item.purgeAt === 'string' ? { purgeAt: item.purgeAt } : {}),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    version: Number(item.version ?? 0),
    ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}),
    ...(typeof item.expiryBucket === 'string' ? { expiryBucket: item.expiryBucket } : {}),
    ...(typeof item.ttlDeleteAt === 'number' ? { ttlDeleteAt: item.ttlDeleteAt } : {}),
    ...(Array.isArray(item.heldBy) ? { heldBy: item.heldBy.map(String) } : {}),
    ...(typeof item.registrationId === 'string' ? { registrationId: item.registrationId } : {}),
    ...(item.retentionCuts && typeof item.retentionCuts === 'object'
      ? { retentionCuts: item.retentionCuts as RetentionCuts }
      : {}),
  };
}
