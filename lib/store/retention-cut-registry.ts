import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { PersonalCategoryId } from '../policy/categories.js';
import type { RetentionCut } from '../policy/retention-cuts.js';
import { KEY_SEPARATOR, keyPart } from './keys.js';
import { isConditionFailure, sdkCall } from './sdk-errors.js';

/**
 * Retention cuts waiting to be applied to what is stored (lib/policy/retention-cuts.ts), in the
 * governance table: pk `retentionCuts`, sk `<app>#<category>#<at>`. The app route that shrinks a
 * retention writes one in the same transaction as the app record that readers filter with; `expire`
 * lists them (one consistent Query: cost follows the pending cuts), walks the app's owner index,
 * moves each affected item's expiry, checkpointing its cursor here, and deletes the record when done.
 */
export const CUTS_PARTITION = 'retentionCuts';

export interface PendingCut extends RetentionCut {
  readonly app: string;
  readonly category: PersonalCategoryId;
  /** Where the walk stopped: the index of the app's owner shard and that shard's LastEvaluatedKey. */
  readonly cursor?: { readonly shard: number; readonly lastKey?: Record<string, unknown> };
}

export interface RetentionCutRegistry {
  /** The transaction item recording a new cut, beside the app record's write. */
  putFor(
    app: string,
    category: PersonalCategoryId,
    cut: RetentionCut,
  ): { Put: { TableName: string; Item: Record<string, unknown> } };
  listPending(): Promise<PendingCut[]>;
  /** Saves how far the walk got; false when the cut is gone (applied by another run). */
  checkpoint(cut: PendingCut, cursor: NonNullable<PendingCut['cursor']>): Promise<boolean>;
  /** The cut is applied to everything stored: forget it. */
  complete(cut: PendingCut): Promise<void>;
  /**
   * End of service: the transaction item marking `app` purged at `at`, beside the configuration's
   * deletion. A later registration of the same SdkAppid starts with cuts at that time (registrationCuts).
   */
  purgedFor(
    app: string,
    at: Date,
  ): { Put: { TableName: string; Item: Record<string, unknown>; ConditionExpression: string } };
  /** When `app` was last purged, if ever (one consistent GetItem, on a new registration only). */
  purgedAt(app: string): Promise<Date | undefined>;
}

const PURGED_PARTITION = 'purgedApps';

/** A consent cut (`sparesConsented`) can share its time with a shorter period's: its key says which. */
const cutKey = (app: string, category: PersonalCategoryId, cut: RetentionCut) => ({
  pk: CUTS_PARTITION,
  sk: [keyPart(app), category, cut.at, ...(cut.sparesConsented ? ['sparesConsented'] : [])].join(
    KEY_SEPARATOR,
  ),
});

export function createRetentionCutRegistry(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): RetentionCutRegistry {
  const { doc, tableName } = opts;
  return {
    putFor(app, category, cut) {
      return {
        Put: {
          TableName: tableName,
          Item: {
            ...cutKey(app, category, cut),
            kind: 'retentionCut',
            app,
            category,
            at: cut.at,
            days: cut.days,
            ...(cut.sparesConsented ? { sparesConsented: true } : {}),
            ...(cut.consentedBy ? { consentedBy: cut.consentedBy } : {}),
          },
        },
      };
    },

    purgedFor(app, at) {
      return {
        Put: {
          TableName: tableName,
          Item: {
            pk: PURGED_PARTITION,
            sk: keyPart(app),
            kind: 'purgedApp',
            app,
            purgedAt: at.toISOString(),
          },
          // A later purge of a later registration replaces the marker.
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(pk)',
        },
      };
    },

    async purgedAt(app) {
      const { Item } = await sdkCall(
        'purged app read',
        doc.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: PURGED_PARTITION, sk: keyPart(app) },
            ConsistentRead: true,
          }),
        ),
      );
      return typeof Item?.purgedAt === 'string' ? new Date(Item.purgedAt) : undefined;
    },

    async listPending() {
      const cuts: PendingCut[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await sdkCall(
          'list pending retention cuts',
          doc.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': CUTS_PARTITION },
              ConsistentRead: true,
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          cuts.push({
            app: String(item.app),
            category: item.category as PersonalCategoryId,
            at: String(item.at),
            days: Number(item.days),
            ...(item.sparesConsented === true ? { sparesConsented: true as const } : {}),
            ...(typeof item.consentedBy === 'string' ? { consentedBy: item.consentedBy } : {}),
            ...(item.cursor ? { cursor: item.cursor as PendingCut['cursor'] } : {}),
          });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return cuts;
    },

    async checkpoint(cut, cursor) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: cutKey(cut.app, cut.category, cut),
            UpdateExpression: 'SET #cursor = :cursor',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#cursor': 'cursor' },
            ExpressionAttributeValues: { ':cursor': cursor },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        return sdkCall('checkpoint a retention cut', Promise.reject(error));
      }
    },

    async complete(cut) {
      await sdkCall(
        'complete a retention cut',
        doc.send(new DeleteCommand({ TableName: tableName, Key: cutKey(cut.app, cut.category, cut) })),
      );
    },
  };
}
