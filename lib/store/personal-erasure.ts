import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import type { PersonalCategoryId } from '../policy/categories.js';
import type { DeletionSubject } from '../policy/deletion.js';
import { ownerShard, ownerShardsOfApp } from './keys.js';
import { type ItemKey, OWNER_INDEX, ownerSortPrefix } from './personal-keys.js';

/**
 * D3 erasure of personal items, found through the owner index (never a Scan) and deleted with
 * BatchWriteItem, 25 keys a call, UnprocessedItems retried with capped exponential backoff and full
 * jitter. The pass itself (cursor, checkpoint, holds) is driven by the deletion worker.
 */
export interface ErasureStep {
  readonly ownerShard: string;
  /** begins_with on ownerSort: one account's items of one category. Absent: the whole shard. */
  readonly sortPrefix?: string;
  /** The categories this step may touch (a FilterExpression when the prefix does not fix it). */
  readonly categories: readonly PersonalCategoryId[];
}

/** What the owner index projects: enough to decide, without reading the item itself. */
export interface OwnerIndexItem extends ItemKey {
  readonly app: string;
  readonly account?: string;
  readonly category: PersonalCategoryId;
  readonly expiresAt?: number;
}

export interface ErasurePage {
  readonly items: OwnerIndexItem[];
  readonly lastKey?: Record<string, unknown>;
}

export interface RetryOptions {
  /** Calls per batch, the first included (default 8). */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface PersonalErasureStore {
  readPage(
    step: ErasureStep,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<ErasurePage>;
  /** Deletes every key; deleting an absent key is a no-op, so a repeated call is harmless. */
  deleteKeys(keys: readonly ItemKey[]): Promise<void>;
}

export const BATCH_WRITE_LIMIT = 25;
const DEFAULT_RETRY: RetryOptions = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 2000 };

/**
 * The owner-index queries one request walks, in a fixed order (the checkpoint's `step` indexes it):
 * for an account, one per category on its own shard; for every account, the app's 16 shards.
 */
export function erasureSteps(
  app: string,
  subject: DeletionSubject,
  categories: readonly PersonalCategoryId[],
): ErasureStep[] {
  if (subject.kind === 'account') {
    return categories.map((category) => ({
      ownerShard: ownerShard(app, subject.account),
      sortPrefix: ownerSortPrefix(subject.account, category),
      categories: [category],
    }));
  }
  return ownerShardsOfApp(app).map((shard) => ({ ownerShard: shard, categories }));
}

/** Full jitter: a random delay up to the capped exponential bound (AWS Architecture Blog). */
export function backoffDelay(
  attempt: number,
  retry: RetryOptions,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt));
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

  async function deleteBatch(batch: readonly ItemKey[]): Promise<void> {
    let requests = batch.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } }));
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
      const values: Record<string, unknown> = { ':shard': step.ownerShard };
      const names: Record<string, string> = {};
      let keyCondition = 'ownerShard = :shard';
      if (step.sortPrefix !== undefined) {
        keyCondition += ' AND begins_with(ownerSort, :prefix)';
        values[':prefix'] = step.sortPrefix;
      }
      let filter: string | undefined;
      if (step.sortPrefix === undefined) {
        names['#category'] = 'category';
        const placeholders = step.categories.map((category, index) => {
          values[`:category${index}`] = category;
          return `:category${index}`;
        });
        filter = `#category IN (${placeholders.join(', ')})`;
      }
      try {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: OWNER_INDEX,
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
        throw new StoreError('owner index could not be read', { cause });
      }
    },

    async deleteKeys(keys) {
      for (let offset = 0; offset < keys.length; offset += BATCH_WRITE_LIMIT) {
        await deleteBatch(keys.slice(offset, offset + BATCH_WRITE_LIMIT));
      }
    },
  };
}
