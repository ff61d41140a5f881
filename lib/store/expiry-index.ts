import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { TableKey } from '../config.js';
import { StoreError } from '../errors.js';
import { type ExpiringKind, heldExpiresAt, originalExpiresAt, ttlDeleteAt } from '../policy/expiry.js';
import { type BackoffBounds, backoffDelay } from './backoff.js';
import { expiryBucket, KEY_SEPARATOR, keyPart } from './keys.js';
import { isConditionFailure, isRetryable } from './sdk-errors.js';

/**
 * The expiry side of every table: Query the byExpiry index bucket by bucket (never Scan), delete
 * due items in BatchWriteItem batches with retries, and move held items out of TTL's reach.
 * It relies only on the index attributes (expiryBucket, expiresAt, category, app, account) and the
 * table's key attributes, never on the shape of the items themselves.
 */
export const EXPIRY_INDEX = 'byExpiry';
export const BATCH_WRITE_LIMIT = 25;

export type ExpiringTableKey = TableKey;

/** Which table holds each kind of expiring item. */
export const CATEGORY_TABLES: Readonly<Record<ExpiringKind, ExpiringTableKey>> = {
  log: 'telemetry',
  monitoring: 'telemetry',
  config: 'apps',
  userInfo: 'personal',
  messages: 'personal',
  tombstone: 'personal',
  consent: 'governance',
  evidence: 'governance',
};

export const TABLE_KEY_ATTRIBUTES: Readonly<Record<ExpiringTableKey, readonly string[]>> = {
  apps: ['appId'],
  personal: ['pk', 'sk'],
  telemetry: ['pk', 'sk'],
  governance: ['pk', 'sk'],
};

/** Where held items of one app wait, out of the month buckets, until their holds end. */
export function heldBucket(category: ExpiringKind, app: string): string {
  return [category, 'held', keyPart(app)].join(KEY_SEPARATOR);
}

export type ItemKey = Record<string, string>;

export interface IndexEntry {
  key: ItemKey;
  category: ExpiringKind;
  app: string;
  account?: string;
  expiresAt: number;
  expiryBucket: string;
}

export interface DeleteControl {
  /** True once the run must stop starting new work (the Lambda's time is running out). */
  shouldStop(): boolean;
  /** Bounds how many batches are in flight across the whole run. */
  limit: Limiter;
}

export interface DeleteOutcome {
  deleted: number;
  /** Keys not deleted because the run had to stop; the next run finds them again. */
  remaining: ItemKey[];
}

export interface ExpiryIndex {
  readonly table: ExpiringTableKey;
  /** Index entries of a bucket in expiry order, page by page; `upTo` bounds expiresAt (inclusive). */
  pages(bucket: string, opts?: { upTo?: number; pageSize?: number }): AsyncGenerator<IndexEntry[]>;
  /** How many entries a bucket holds (Select COUNT; reads the index, returns no items). */
  count(bucket: string, opts?: { upTo?: number }): Promise<number>;
  /** The earliest expiresAt in a bucket at or before `upTo`. */
  earliest(bucket: string, upTo: number): Promise<number | undefined>;
  deleteKeys(keys: readonly ItemKey[], control: DeleteControl): Promise<DeleteOutcome>;
  /**
   * Deletes each entry only while its item still has the expiry the index showed (one conditional
   * DeleteItem each): for items that can come back to life (a re-granted consent), where an eventually
   * consistent index entry must not delete what changed since. Changed items count in neither figure.
   */
  deleteUnchanged(entries: readonly IndexEntry[], control: DeleteControl): Promise<DeleteOutcome>;
  /** Moves an entry to a held bucket, negating its expiresAt; false if the item changed or is gone. */
  hold(entry: IndexEntry): Promise<boolean>;
  /** Puts a held entry back on its month bucket with its original expiry; false if it changed or is gone. */
  restore(entry: IndexEntry): Promise<boolean>;
  /**
   * Moves an entry's expiry earlier, to `to` (a retention cut): on its month bucket, or in its held
   * bucket (negated, out of TTL's reach) when held already or `park`ed now; false if it changed or is gone.
   */
  shorten(entry: Omit<IndexEntry, 'expiryBucket'>, to: number, opts?: { park?: boolean }): Promise<boolean>;
}

/** How a batch delete is retried: full-jitter backoff, with its clock and randomness injectable for tests. */
export interface RetryOptions extends BackoffBounds {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const defaultRetry: RetryOptions = {
  baseDelayMs: 50,
  maxDelayMs: 3000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs at most `concurrency` tasks at once, the rest in arrival order. */
export function createLimiter(concurrency: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    // A finishing task hands its slot straight to the next waiter, so `active` never overshoots.
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else active += 1;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

export function createExpiryIndex(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  table: ExpiringTableKey;
  retry?: Partial<RetryOptions>;
}): ExpiryIndex {
  const { doc, tableName, table } = opts;
  const retry = { ...defaultRetry, ...opts.retry };
  const keyAttributes = TABLE_KEY_ATTRIBUTES[table];

  function toEntry(item: Record<string, unknown>): IndexEntry {
    const key = Object.fromEntries(keyAttributes.map((name) => [name, String(item[name])]));
    return {
      key,
      category: item.category as ExpiringKind,
      app: String(item.app),
      ...(typeof item.account === 'string' ? { account: item.account } : {}),
      expiresAt: Number(item.expiresAt),
      expiryBucket: String(item.expiryBucket),
    };
  }

  function bucketQuery(bucket: string, upTo: number | undefined): Omit<QueryCommandInput, 'TableName'> {
    return {
      IndexName: EXPIRY_INDEX,
      KeyConditionExpression:
        upTo === undefined ? 'expiryBucket = :bucket' : 'expiryBucket = :bucket AND expiresAt <= :upTo',
      ExpressionAttributeValues: { ':bucket': bucket, ...(upTo === undefined ? {} : { ':upTo': upTo }) },
    };
  }

  async function query(input: Omit<QueryCommandInput, 'TableName'>) {
    try {
      return await doc.send(new QueryCommand({ TableName: tableName, ...input }));
    } catch (error) {
      throw new StoreError(`could not query the expiry index of ${table}`, { cause: error });
    }
  }

  /** One batch of at most 25 keys, retried (UnprocessedItems and throttling) until done or told to stop. */
  async function deleteBatch(keys: ItemKey[], control: DeleteControl): Promise<ItemKey[]> {
    let pending = keys;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) {
        if (control.shouldStop()) return pending;
        await retry.sleep(backoffDelay(attempt, retry, retry.random));
      }
      try {
        const output = await doc.send(
          new BatchWriteCommand({
            RequestItems: { [tableName]: pending.map((Key) => ({ DeleteRequest: { Key } })) },
          }),
        );
        pending = (output.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
          request.DeleteRequest?.Key ? [request.DeleteRequest.Key as ItemKey] : [],
        );
      } catch (error) {
        if (!isRetryable(error))
          throw new StoreError(`could not delete expired items of ${table}`, { cause: error });
      }
    }
    return [];
  }

  /** One conditional delete, retried while throttled; 'changed' when the item no longer has that expiry. */
  async function deleteIfUnchanged(
    entry: IndexEntry,
    control: DeleteControl,
  ): Promise<'deleted' | 'changed' | 'remaining'> {
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0) {
        if (control.shouldStop()) return 'remaining';
        await retry.sleep(backoffDelay(attempt, retry, retry.random));
      }
      try {
        await doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: entry.key,
            ConditionExpression: 'expiresAt = :seen',
            ExpressionAttributeValues: { ':seen': entry.expiresAt },
          }),
        );
        return 'deleted';
      } catch (error) {
        if (isConditionFailure(error)) return 'changed';
        if (!isRetryable(error))
          throw new StoreError(`could not delete an expired item of ${table}`, { cause: error });
      }
    }
  }

  /** Conditional on the expiry read: an item that changed meanwhile is left for the next run. */
  async function move(entry: Omit<IndexEntry, 'expiryBucket'>, to: number, bucket: string): Promise<boolean> {
    // A held entry (negated expiry) is out of TTL's reach: no TTL attribute at all.
    const held = to < 0;
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: entry.key,
          UpdateExpression: held
            ? 'SET expiresAt = :to, expiryBucket = :bucket REMOVE ttlDeleteAt'
            : 'SET expiresAt = :to, expiryBucket = :bucket, ttlDeleteAt = :ttl',
          ConditionExpression: 'expiresAt = :from',
          ExpressionAttributeValues: {
            ':from': entry.expiresAt,
            ':to': to,
            ':bucket': bucket,
            ...(held ? {} : { ':ttl': ttlDeleteAt(to) }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new StoreError(`could not move an item of ${table} on the expiry index`, { cause: error });
    }
  }

  const itemIdOfEntry = (entry: Pick<IndexEntry, 'key'>) =>
    keyAttributes.map((name) => entry.key[name]).join(KEY_SEPARATOR);

  return {
    table,

    async *pages(bucket, { upTo, pageSize } = {}) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await query({
          ...bucketQuery(bucket, upTo),
          ...(pageSize ? { Limit: pageSize } : {}),
          ExclusiveStartKey: startKey,
        });
        const entries = (page.Items ?? []).map(toEntry);
        if (entries.length) yield entries;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    },

    async count(bucket, { upTo } = {}) {
      let total = 0;
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await query({
          ...bucketQuery(bucket, upTo),
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        });
        total += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return total;
    },

    async earliest(bucket, upTo) {
      const page = await query({ ...bucketQuery(bucket, upTo), Limit: 1, ScanIndexForward: true });
      const first = page.Items?.[0];
      return first ? Number(first.expiresAt) : undefined;
    },

    async deleteKeys(keys, control) {
      const unique = [...new Map(keys.map((key) => [JSON.stringify(key), key])).values()];
      const batches: ItemKey[][] = [];
      for (let i = 0; i < unique.length; i += BATCH_WRITE_LIMIT)
        batches.push(unique.slice(i, i + BATCH_WRITE_LIMIT));
      const results = await Promise.all(
        batches.map((batch) =>
          control.limit(async () => (control.shouldStop() ? batch : deleteBatch(batch, control))),
        ),
      );
      const remaining = results.flat();
      return { deleted: unique.length - remaining.length, remaining };
    },

    async deleteUnchanged(entries, control) {
      const outcomes = await Promise.all(
        entries.map((entry) =>
          control.limit(async () =>
            control.shouldStop() ? ('remaining' as const) : deleteIfUnchanged(entry, control),
          ),
        ),
      );
      return {
        deleted: outcomes.filter((outcome) => outcome === 'deleted').length,
        remaining: entries.filter((_, i) => outcomes[i] === 'remaining').map((entry) => entry.key),
      };
    },

    hold(entry) {
      return move(entry, heldExpiresAt(entry.expiresAt), heldBucket(entry.category, entry.app));
    },

    restore(entry) {
      const original = originalExpiresAt(entry.expiresAt);
      return move(entry, original, expiryBucket(entry.category, original, itemIdOfEntry(entry)));
    },

    shorten(entry, to, shortenOpts = {}) {
      if (entry.expiresAt < 0 || shortenOpts.park)
        return move(entry, heldExpiresAt(to), heldBucket(entry.category, entry.app));
      return move(entry, to, expiryBucket(entry.category, to, itemIdOfEntry(entry)));
    },
  };
}
