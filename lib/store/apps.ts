import { randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RecordNotFoundError, StateConflictError, StoreError } from '../errors.js';
import type { AppConfig, PrivacySettingsInput } from '../policy/app-config.js';
import { PERSONAL_CATEGORY_IDS } from '../policy/categories.js';
import { resolvePrivacySettings } from '../policy/privacy-settings.js';
import { configPurgeAt } from '../policy/retention.js';
import { cutsOfChange, mergeCuts, registrationCuts } from '../policy/retention-cuts.js';
import { expirySeconds, hasArrived, isLiveItem } from '../policy/time.js';
import { type AppPurgeStore, createAppPurgeStore } from './apps-purge.js';
import {
  APP_CATEGORY,
  type AppRecord,
  CONFIG_TTL_MARGIN_SECONDS,
  readStoredApp,
  type StoredApp,
  toItem,
  toStored,
} from './apps-records.js';
import { expiringAttributes } from './keys.js';
import type { RetentionCutRegistry } from './retention-cut-registry.js';
import { isAnyConditionFailure, isConditionFailure } from './sdk-errors.js';

// The purge's half lives in apps-purge.ts, the item layout in apps-records.ts; re-exported from here.
export type { AppPurgeStore, PurgeCandidate } from './apps-purge.js';
export {
  APP_CATEGORY,
  type AppRecord,
  type AppStatus,
  CONFIG_TTL_MARGIN_SECONDS,
  type StoredApp,
} from './apps-records.js';

/**
 * P4 app configuration, one item per app in the apps table (pk `appId`).
 * Lifecycle: active -> terminated (purgeAt = terminatedAt + 2 calendar months) -> purged (item gone).
 * A terminated item carries expiresAt/expiryBucket so the purge finds it on the byExpiry index;
 * from purgeAt on it counts as purged for every reader, whether or not it is physically gone yet.
 * Its expiresAt (the TTL) is CONFIG_TTL_MARGIN_SECONDS after its due time, so the purge (hourly,
 * with an audit record and legal holds checked) comes first and TTL or `expire` are only a backstop.
 */

/** What `terminate` answers: the record as it now stands. */
export interface TerminationResult {
  readonly record: AppRecord;
  /** True when the app was already terminated: the first termination stands. */
  readonly alreadyTerminated: boolean;
}

/** Reading one app: all that authentication (callback signature, UserSig) and the callback need. */
export interface AppReader {
  /** The app, or undefined when absent or purged (purgeAt reached, even before the item is deleted). */
  get(sdkAppId: string, now?: Date): Promise<AppRecord | undefined>;
}

/** The admin routes' side of the app store: read, register, change settings, terminate, reactivate. */
export interface AppStore extends AppReader {
  /** Registers or replaces the config; lifecycle and createdAt of a registered app are kept. */
  put(sdkAppId: string, config: AppConfig, now: Date): Promise<{ record: AppRecord; created: boolean }>;
  /** Replaces the given D1/D2/D5 settings, keeping the others. RecordNotFoundError when absent or purged. */
  updatePrivacy(sdkAppId: string, privacy: PrivacySettingsInput, now: Date): Promise<AppRecord>;
  /** active -> terminated. RecordNotFoundError when absent or purged; an already terminated app is unchanged. */
  terminate(sdkAppId: string, terminatedAt: Date, now: Date): Promise<TerminationResult>;
  /** terminated -> active before the purge (idempotent for an active app). RecordNotFoundError once purged. */
  reactivate(sdkAppId: string, now: Date): Promise<AppRecord>;
}

/** What createAppStore builds, for the composition root: the admin routes' store and the purge's. */
export type AppStores = AppStore & AppPurgeStore;

const MAX_WRITE_ATTEMPTS = 3;

/** Purged for every reader from purgeAt on, or once the item's TTL has passed. */
export function isPurged(item: { status?: unknown; purgeAt?: unknown; expiresAt?: unknown }, now: Date) {
  if (!isLiveItem(item, now)) return true;
  return item.status === 'terminated' && typeof item.purgeAt === 'string' && hasArrived(item.purgeAt, now);
}

const settingsOf = (app: StoredApp) => resolvePrivacySettings(app.config.privacy);

export function createAppStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Where retention cuts are registered for `expire`; needed by the routes that change privacy settings. */
  cuts?: RetentionCutRegistry;
  /**
   * How long after its write a change is in force for every callback (their app cache's lifetime plus a
   * margin, lib/http/settle.ts). A retention cut starts then, not at the write: a callback still holding
   * the old settings may store an item until that moment, and the cut must reach it (found by the soak).
   */
  cutLeadMs?: number;
}): AppStores {
  const { doc, tableName } = opts;

  const readStored = (sdkAppId: string) => readStoredApp(doc, tableName, sdkAppId);

  async function readLive(sdkAppId: string, now: Date): Promise<StoredApp | undefined> {
    const stored = await readStored(sdkAppId);
    return stored && !isPurged(stored, now) ? stored : undefined;
  }

  /**
   * Optimistic read-modify-write on `version`, retried when a concurrent writer got there first. A
   * change that shortens a retention records its cuts on the app and in the cut registry, atomically.
   */
  async function rewrite(
    sdkAppId: string,
    now: Date,
    change: (current: StoredApp | undefined) => StoredApp,
  ): Promise<StoredApp> {
    for (let attempt = 1; ; attempt += 1) {
      const stored = await readStored(sdkAppId);
      if (stored && isPurged(stored, now)) {
        throw new StateConflictError(
          `sdkAppId: app ${sdkAppId} awaits its purge; register it again afterwards`,
        );
      }
      const changed = change(stored);
      const purgedAt = stored ? undefined : await opts.cuts?.purgedAt(sdkAppId);
      const cuts = stored
        ? cutsOfChange(
            settingsOf(stored),
            settingsOf(changed),
            new Date(now.getTime() + (opts.cutLeadMs ?? 0)),
            now,
          )
        : purgedAt
          ? registrationCuts(purgedAt)
          : {};
      const next = Object.keys(cuts).length
        ? { ...changed, retentionCuts: mergeCuts(stored?.retentionCuts, cuts, now) }
        : changed;
      const put = {
        TableName: tableName,
        Item: toItem(next),
        ...(stored
          ? {
              ConditionExpression: 'version = :version',
              ExpressionAttributeValues: { ':version': stored.version },
            }
          : { ConditionExpression: 'attribute_not_exists(appId)' }),
      };
      try {
        if (Object.keys(cuts).length === 0) await doc.send(new PutCommand(put));
        else {
          const registry = opts.cuts;
          if (!registry) throw new StoreError('a retention cut needs the cut registry');
          const recorded = PERSONAL_CATEGORY_IDS.flatMap((category) =>
            (cuts[category] ?? []).map((cut) => registry.putFor(sdkAppId, category, cut)),
          );
          await doc.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, ...recorded] }));
        }
        return next;
      } catch (error) {
        if (!isAnyConditionFailure(error)) {
          if (error instanceof StoreError) throw error;
          throw new StoreError('app could not be written', { cause: error });
        }
        if (attempt >= MAX_WRITE_ATTEMPTS) {
          throw new StateConflictError(`sdkAppId: app ${sdkAppId} is being changed concurrently; retry`, {
            cause: error,
          });
        }
      }
    }
  }

  return {
    async get(sdkAppId, now = new Date()) {
      const stored = await readLive(sdkAppId, now);
      return stored ? toRecord(stored) : undefined;
    },

    async put(sdkAppId, config, now) {
      let created = false;
      const next = await rewrite(sdkAppId, now, (current) => {
        created = current === undefined;
        const at = now.toISOString();
        return current
          ? { ...current, config, updatedAt: at, version: current.version + 1 }
          : {
              sdkAppId,
              config,
              status: 'active',
              createdAt: at,
              updatedAt: at,
              version: 1,
              registrationId: randomUUID(),
            };
      });
      return { record: toRecord(next), created };
    },

    async updatePrivacy(sdkAppId, privacy, now) {
      const next = await rewrite(sdkAppId, now, (current) => {
        if (!current) throw new RecordNotFoundError(`sdkAppId: app ${sdkAppId} is not registered`);
        if (current.status === 'terminated') {
          throw new StateConflictError(
            `sdkAppId: app ${sdkAppId} is terminated; its privacy settings no longer change`,
          );
        }
        const merged = { ...current.config.privacy, ...withoutUndefined(privacy) };
        return {
          ...current,
          config: { ...current.config, privacy: merged },
          updatedAt: now.toISOString(),
          version: current.version + 1,
        };
      });
      return toRecord(next);
    },

    async terminate(sdkAppId, terminatedAt, now) {
      const purgeAt = configPurgeAt(terminatedAt);
      // Never bucketed in the past: an old termination is due at once and sits in this month's buckets.
      const expiresAt = Math.max(expirySeconds(purgeAt), expirySeconds(now)) + CONFIG_TTL_MARGIN_SECONDS;
      const expiring = expiringAttributes(APP_CATEGORY, sdkAppId, expiresAt, sdkAppId);
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { appId: sdkAppId },
            ConditionExpression: 'attribute_exists(appId) AND #status = :active',
            UpdateExpression:
              'SET #status = :terminated, terminatedAt = :terminatedAt, purgeAt = :purgeAt, ' +
              'expiresAt = :expiresAt, expiryBucket = :expiryBucket, ttlDeleteAt = :ttlDeleteAt, updatedAt = :now ADD version :one',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':active': 'active',
              ':terminated': 'terminated',
              ':terminatedAt': terminatedAt.toISOString(),
              ':purgeAt': purgeAt.toISOString(),
              ':expiresAt': expiring.expiresAt,
              ':expiryBucket': expiring.expiryBucket,
              ':ttlDeleteAt': expiring.ttlDeleteAt,
              ':now': now.toISOString(),
              ':one': 1,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { record: toRecord(toStored(Attributes ?? {})), alreadyTerminated: false };
      } catch (error) {
        if (!isConditionFailure(error)) {
          throw new StoreError('app could not be terminated', { cause: error });
        }
      }
      const current = await readLive(sdkAppId, now);
      if (!current)
        throw new RecordNotFoundError(`sdkAppId: app ${sdkAppId} is not registered or already purged`);
      return { record: toRecord(current), alreadyTerminated: true };
    },

    async reactivate(sdkAppId, now) {
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { appId: sdkAppId },
            // The purge deletes only when purgeAt <= its now: the two conditions exclude each other.
            ConditionExpression:
              'attribute_exists(appId) AND (#status = :active OR (#status = :terminated AND purgeAt > :now))',
            UpdateExpression:
              'SET #status = :active, updatedAt = :now ' +
              'REMOVE terminatedAt, purgeAt, expiresAt, expiryBucket, ttlDeleteAt, heldBy ADD version :one',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':active': 'active',
              ':terminated': 'terminated',
              ':now': now.toISOString(),
              ':one': 1,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toRecord(toStored(Attributes ?? {}));
      } catch (error) {
        if (isConditionFailure(error)) {
          throw new RecordNotFoundError(`sdkAppId: app ${sdkAppId} is not registered or already purged`, {
            cause: error,
          });
        }
        throw new StoreError('app could not be reactivated', { cause: error });
      }
    },

    ...createAppPurgeStore({ doc, tableName }),
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function toRecord(stored: StoredApp): AppRecord {
  const {
    version: _v,
    expiresAt: _e,
    expiryBucket: _b,
    ttlDeleteAt: _t,
    heldBy: _h,
    registrationId: _r,
    ...record
  } = stored;
  return record;
}
