import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import type { PersonalCategoryId } from '../policy/categories.js';
import type { DeletionSubject } from '../policy/deletion.js';
import { type BackoffBounds, backoffDelay } from './backoff.js';
import { ownerShardsOfAccount, ownerShardsOfApp } from './keys.js';
import { groupPartition, type ItemKey, OWNER_INDEX, ownerSortPrefix } from './personal-keys.js';
import { tombstoneItem } from './tombstones.js';

/**
 * D3 erasure of personal items, found through the owner index (or, for a destroyed group, its own
 * partition; never a Scan) and removed with BatchWriteItem, 25 items a call, UnprocessedItems retried
 * with capped exponential backoff and full jitter. A message becomes a tombstone (tombstones.ts), so a
 * replayed after-send cannot store it again; everything else is deleted. The pass itself (cursor,
 * checkpoint, holds) is driven by the deletion worker.
 */
export type ErasureStep =
  | {
      readonly ownerShard: string;
      /** begins_with on ownerSort: one account's items of one category. Absent: the whole shard. */
      readonly sortPrefix?: string;
      /** The categories this step may touch (a FilterExpression when the prefix does not fix it). */
      readonly categories: readonly PersonalCategoryId[];
    }
  | {
      /** A partition of the table itself: a group's messages. */
      readonly partition: string;
      readonly categories: readonly PersonalCategoryId[];
    };

/** What one batch removes: keys to delete, and messages to replace by tombstones (with their expiry). */
export interface ErasureBatch {
  readonly deletes: readonly ItemKey[];
  readonly tombstones: ReadonlyArray<{
    readonly key: ItemKey;
    readonly app: string;
    readonly expiresAt: number;
  }>;
}

/** What the owner index projects: enough to decide, without reading the item itself. */
export interface OwnerIndexItem extends ItemKey {
  readonly ownerSort: string;
  readonly app: string;
  readonly account?: string;
  readonly category: PersonalCategoryId;
  readonly expiresAt?: number;
}

export interface ErasurePage {
  readonly items: OwnerIndexItem[];
  readonly lastKey?: Record<string, unknown>;
}

/** How a batch write is retried: at most `maxAttempts` calls, spaced by full-jitter backoff. */
export interface RetryOptions extends BackoffBounds {
  /** Calls per batch, the first included (default 8). */
  readonly maxAttempts: number;
}

export interface PersonalErasureStore {
  readPage(
    step: ErasureStep,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<ErasurePage>;
  /** Carries the batch out; repeating it is harmless (deleting an absent key, rewriting a tombstone). */
  apply(batch: ErasureBatch, at: Date): Promise<void>;
}

export const BATCH_WRITE_LIMIT = 25;
const DEFAULT_RETRY: RetryOptions = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 2000 };

/**
 * The owner-index queries one request walks, in a fixed order (the checkpoint's `step` indexes it):
 * for an account, one per category on each of its shards (one per shard count ever used); for every
 * account, every shard of the app. A raised shard count only appends steps, so a checkpoint taken
 * before it still names the same step.
 */
export function erasureSteps(
  app: string,
  subject: DeletionSubject,
  categories: readonly PersonalCategoryId[],
): ErasureStep[] {
  if (subject.kind === 'account') {
    return ownerShardsOfAccount(app, subject.account).flatMap((shard) =>
      categories.map((category) => ({
        ownerShard: shard,
        sortPrefix: ownerSortPrefix(subject.account, category),
        categories: [category],
      })),
    );
  }
  if (subject.kind === 'group') return [{ partition: groupPartition(app, subject.groupId), categories }];
  return ownerShardsOfApp(app).map((shard) => ({ ownerShard: shard, categories }));
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createPersonalErasureStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  retry?: Partial<RetryOptions>;
  sleep?: (ms: number) => Promise<void>;
}): PersonalErasureStore {
  const { doc, tableName } = opts;
  const retry = { ...DEFAULT_RETRY, ...opts.retry };
  const sleep = opts.sleep ?? sleepFor;

  type WriteRequest =
    | { DeleteRequest: { Key: Record<string, unknown> } }
    | { PutRequest: { Item: Record<string, unknown> } };

  async function writeBatch(batch: readonly WriteRequest[]): Promise<void> {
    let requests = [...batch];
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt >= retry.maxAttempts) {
        throw new StoreError(`personal items left unprocessed after ${retry.maxAttempts} attempts`);
      }
      if (attempt > 0) await sleep(backoffDelay(attempt, retry));
      let unprocessed: typeof requests;
      try {
        const result = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        unprocessed = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      } catch (cause) {
        throw new StoreError('personal items could not be deleted', { cause });
      }
      requests = unprocessed;
    }
  }

  return {
    async readPage(step, startKey, limit) {
      const values: Record<string, unknown> = {};
      const names: Record<string, string> = {};
      let keyCondition: string;
      let filter: string | undefined;
      const byCategory = () => {
        names['#category'] = 'category';
        const placeholders = step.categories.map((category, index) => {
          values[`:category${index}`] = category;
          return `:category${index}`;
        });
        return `#category IN (${placeholders.join(', ')})`;
      };
      if ('partition' in step) {
        keyCondition = 'pk = :pk';
        values[':pk'] = step.partition;
        filter = byCategory();
      } else {
        keyCondition = 'ownerShard = :shard';
        values[':shard'] = step.ownerShard;
        if (step.sortPrefix !== undefined) {
          keyCondition += ' AND begins_with(ownerSort, :prefix)';
          values[':prefix'] = step.sortPrefix;
        } else filter = byCategory();
      }
      try {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            ...('partition' in step ? { ConsistentRead: true } : { IndexName: OWNER_INDEX }),
            KeyConditionExpression: keyCondition,
            FilterExpression: filter,
            ExpressionAttributeNames: filter ? names : undefined,
            ExpressionAttributeValues: values,
            ExclusiveStartKey: startKey,
            Limit: limit,
          }),
        );
        return {
          items: (page.Items ?? []) as OwnerIndexItem[],
          ...(page.LastEvaluatedKey ? { lastKey: page.LastEvaluatedKey } : {}),
        };
      } catch (cause) {
        throw new StoreError('personal items could not be listed for erasure', { cause });
      }
    },

    async apply(batch, at) {
      const requests: WriteRequest[] = [
        ...batch.deletes.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } })),
        ...batch.tombstones.map(({ key, app, expiresAt }) => ({
          PutRequest: { Item: tombstoneItem(key, app, expiresAt, 'erased', at) },
        })),
      ];
      for (let offset = 0; offset < requests.length; offset += BATCH_WRITE_LIMIT) {
        await writeBatch(requests.slice(offset, offset + BATCH_WRITE_LIMIT));
      }
    },
  };
}
