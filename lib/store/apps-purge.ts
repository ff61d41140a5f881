import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import { epochSeconds, expirySeconds, hasArrived, monthOf, monthRange } from '../policy/time.js';
import { APP_CATEGORY, CONFIG_TTL_MARGIN_SECONDS, readStoredApp, type StoredApp } from './apps-records.js';
import type { AuditPut } from './audit.js';
import { expiringAttributes, expiryBucketsOfMonth } from './keys.js';
import { queryAllPages } from './query-pages.js';
import { isAnyConditionFailure, isConditionFailure, sdkCall } from './sdk-errors.js';

/**
 * The purge's side of the P4 app configuration: find terminated apps due on the byExpiry index, read
 * them as stored, delete them (with their audit record) or keep a held one until it is re-checked.
 * Composed into `createAppStore` (apps.ts), which is what callers use.
 */
export interface PurgeCandidate {
  readonly sdkAppId: string;
  readonly expiresAt: number;
}

export interface AppPurgeStore {
  /** Apps due (purge or hold re-check) by `dueBy`, by Query on the byExpiry index (never a Scan). */
  findPurgeCandidates(dueBy: Date, opts?: { lookbackMonths?: number }): Promise<PurgeCandidate[]>;
  /** The stored item as is, including purge-due ones (consistent read). */
  readStored(sdkAppId: string): Promise<StoredApp | undefined>;
  /**
   * Deletes the app's config and secrets if it is still the terminated, due version read, writing
   * `alsoWrite` (the audit record) in the same transaction. False when another writer won.
   */
  purge(app: StoredApp, now: Date, alsoWrite?: readonly AuditPut[]): Promise<boolean>;
  /** Keeps a held app past its purge time: due again (re-checked) at `recheckAt`. False when another writer won. */
  deferPurge(app: StoredApp, recheckAt: Date, holdIds: readonly string[]): Promise<boolean>;
}

const DEFAULT_LOOKBACK_MONTHS = 3;

export function createAppPurgeStore(opts: { doc: DynamoDBDocumentClient; tableName: string }): AppPurgeStore {
  const { doc, tableName } = opts;

  return {
    readStored: (sdkAppId) => readStoredApp(doc, tableName, sdkAppId),

    async findPurgeCandidates(dueBy, findOpts = {}) {
      const cutoffSeconds = epochSeconds(dueBy) + CONFIG_TTL_MARGIN_SECONDS;
      const from = new Date(dueBy);
      from.setUTCDate(1);
      from.setUTCMonth(from.getUTCMonth() - (findOpts.lookbackMonths ?? DEFAULT_LOOKBACK_MONTHS));
      const months = monthRange(monthOf(expirySeconds(from)), monthOf(cutoffSeconds));
      const buckets = months.flatMap((month) => expiryBucketsOfMonth(APP_CATEGORY, month));
      const pages = await Promise.all(buckets.map((bucket) => queryBucket(bucket, cutoffSeconds)));
      return pages.flat();
    },

    async purge(app, now, alsoWrite = []) {
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: tableName,
                  Key: { appId: app.sdkAppId },
                  ConditionExpression: 'version = :version AND #status = :terminated AND purgeAt <= :now',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':version': app.version,
                    ':terminated': 'terminated',
                    ':now': now.toISOString(),
                  },
                },
              },
              ...alsoWrite,
            ],
          }),
        );
        return true;
      } catch (error) {
        if (isAnyConditionFailure(error)) return false;
        throw new StoreError('app could not be purged', { cause: error });
      }
    },

    async deferPurge(app, recheckAt, holdIds) {
      const expiresAt = expirySeconds(recheckAt) + CONFIG_TTL_MARGIN_SECONDS;
      const expiring = expiringAttributes(APP_CATEGORY, app.sdkAppId, expiresAt, app.sdkAppId);
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { appId: app.sdkAppId },
            ConditionExpression: 'version = :version AND #status = :terminated',
            UpdateExpression:
              'SET expiresAt = :expiresAt, expiryBucket = :expiryBucket, ttlDeleteAt = :ttlDeleteAt, heldBy = :heldBy ADD version :one',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':version': app.version,
              ':terminated': 'terminated',
              ':expiresAt': expiring.expiresAt,
              ':expiryBucket': expiring.expiryBucket,
              ':ttlDeleteAt': expiring.ttlDeleteAt,
              ':heldBy': [...holdIds],
              ':one': 1,
            },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw new StoreError('app purge could not be deferred', { cause: error });
      }
    },
  };

  async function queryBucket(bucket: string, cutoffSeconds: number): Promise<PurgeCandidate[]> {
    const items = await sdkCall(
      'query purge candidates',
      queryAllPages(doc, {
        TableName: tableName,
        IndexName: 'byExpiry',
        KeyConditionExpression: 'expiryBucket = :bucket AND expiresAt <= :cutoff',
        ExpressionAttributeValues: { ':bucket': bucket, ':cutoff': cutoffSeconds },
      }),
    );
    return items.map((item) => ({ sdkAppId: String(item.appId), expiresAt: Number(item.expiresAt) }));
  }
}

/** How far ahead a held app's purge was moved (the purge's hold re-check, 3 h): such apps are found too. */
const DEFERRED_PURGE_LOOKAHEAD_MS = 3 * 3600 * 1000;

/**
 * Terminated apps past their `purgeAt` whose configuration is still stored (it is deleted last, so
 * their purge is not finished: erasing, or deferred by a hold). Found on the byExpiry index, never a
 * Scan; each candidate is read once to confirm.
 */
export async function unfinishedPurges(
  store: Pick<AppPurgeStore, 'findPurgeCandidates' | 'readStored'>,
  now: Date,
): Promise<Array<{ sdkAppId: string; purgeAt: Date }>> {
  const candidates = await store.findPurgeCandidates(new Date(now.getTime() + DEFERRED_PURGE_LOOKAHEAD_MS));
  const ids = [...new Set(candidates.map((candidate) => candidate.sdkAppId))];
  const apps = await Promise.all(ids.map((id) => store.readStored(id)));
  return apps.flatMap((app) =>
    app?.status === 'terminated' && app.purgeAt !== undefined && hasArrived(app.purgeAt, now)
      ? [{ sdkAppId: app.sdkAppId, purgeAt: new Date(app.purgeAt) }]
      : [],
  );
}
