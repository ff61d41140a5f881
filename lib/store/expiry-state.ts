import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ExpiringKind } from '../policy/expiry.js';
import { epochSeconds, monthOf } from '../policy/time.js';
import { KEY_SEPARATOR, keyPart } from './keys.js';
import { isConditionFailure, storeFailure } from './sdk-errors.js';

/**
 * The expire run's own records in the governance table (none carries expiresAt; they are kept):
 * - checkpoint  pk `checkpoint`, sk `expire#<category>`: `month`, the oldest month that may still hold
 *   due unheld items, and `generation`, bumped by every rewind so a run that started before a rewind
 *   can never advance past it;
 * - held registry  pk `heldBuckets`, sk `<category>#<app>`: `holdIds`, the holds that covered the items
 *   moved to that held bucket, so a run sweeps a held bucket only after one of them ends;
 * - lease  pk `lease`, sk `expire`: at most one run at a time, so counts are never doubled.
 */
export interface Checkpoint {
  month?: string;
  generation: number;
}

export interface HeldBucketRecord {
  category: ExpiringKind;
  app: string;
  holdIds: string[];
}

export interface ExpiryStateStore {
  getCheckpoint(category: ExpiringKind): Promise<Checkpoint>;
  /** Moves the checkpoint forward to `month`; false if it was rewound meanwhile or is already there. */
  advanceCheckpoint(category: ExpiringKind, month: string, seen: Checkpoint): Promise<boolean>;
  /**
   * For writers: call after storing an item whose expiry is already in the past (e.g. a config whose
   * purge time is past), so the next run walks its month again.
   */
  rewindCheckpoint(category: ExpiringKind, expiresAt: number): Promise<void>;
  /**
   * For writers of an item whose expiry may lie in a month before `now`'s (a tombstone of an overdue
   * message, an expiry a retention cut moved back): rewinds the checkpoint when it does, else nothing.
   */
  noteExpiry(category: ExpiringKind, expiresAt: number, now: Date): Promise<void>;
  listHeldBuckets(): Promise<HeldBucketRecord[]>;
  recordHeld(category: ExpiringKind, app: string, holdIds: readonly string[]): Promise<void>;
  forgetReleased(category: ExpiringKind, app: string, holdIds: readonly string[]): Promise<void>;
  /** Drops the registry entry once no hold is recorded on it (a concurrent recordHeld wins). */
  removeHeldBucket(category: ExpiringKind, app: string): Promise<void>;
  acquireLease(holder: string, now: Date, until: Date): Promise<boolean>;
  releaseLease(holder: string): Promise<void>;
}

const CHECKPOINT = 'checkpoint';
const HELD_BUCKETS = 'heldBuckets';
const LEASE = 'lease';

const checkpointKey = (category: ExpiringKind) => ({
  pk: CHECKPOINT,
  sk: `expire${KEY_SEPARATOR}${category}`,
});
const heldKey = (category: ExpiringKind, app: string) => ({
  pk: HELD_BUCKETS,
  sk: [category, keyPart(app)].join(KEY_SEPARATOR),
});
const leaseKey = { pk: LEASE, sk: 'expire' };

export function createExpiryStateStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): ExpiryStateStore {
  const { doc, tableName } = opts;

  async function send<T>(
    what: string,
    command: () => Promise<T>,
    tolerateCondition = false,
  ): Promise<T | undefined> {
    try {
      return await command();
    } catch (error) {
      if (tolerateCondition && isConditionFailure(error)) return undefined;
      throw storeFailure(what, error);
    }
  }

  const store: ExpiryStateStore = {
    async getCheckpoint(category) {
      const output = await send('read the expiry checkpoint', () =>
        doc.send(
          new GetCommand({ TableName: tableName, Key: checkpointKey(category), ConsistentRead: true }),
        ),
      );
      const item = output?.Item;
      return {
        ...(typeof item?.month === 'string' ? { month: item.month } : {}),
        generation: Number(item?.generation ?? 0),
      };
    },

    async advanceCheckpoint(category, month, seen) {
      const output = await send(
        'advance the expiry checkpoint',
        () =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: checkpointKey(category),
              UpdateExpression: 'SET #month = :month, generation = :generation',
              ConditionExpression:
                '(attribute_not_exists(generation) OR generation = :generation) AND (attribute_not_exists(#month) OR #month < :month)',
              ExpressionAttributeNames: { '#month': 'month' },
              ExpressionAttributeValues: { ':month': month, ':generation': seen.generation },
            }),
          ),
        true,
      );
      return output !== undefined;
    },

    async rewindCheckpoint(category, expiresAt) {
      const month = monthOf(expiresAt);
      const rewound = await send(
        'rewind the expiry checkpoint',
        () =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: checkpointKey(category),
              UpdateExpression: 'SET #month = :month ADD generation :one',
              ConditionExpression: '#month > :month',
              ExpressionAttributeNames: { '#month': 'month' },
              ExpressionAttributeValues: { ':month': month, ':one': 1 },
            }),
          ),
        true,
      );
      if (rewound) return;
      // Already at or before that month (or never set): still bump the generation, so a run in flight
      // that walked past the month before this item was written cannot advance beyond it.
      await send('rewind the expiry checkpoint', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: checkpointKey(category),
            UpdateExpression: 'ADD generation :one',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        ),
      );
    },

    async noteExpiry(category, expiresAt, now) {
      if (monthOf(expiresAt) < monthOf(epochSeconds(now))) await store.rewindCheckpoint(category, expiresAt);
    },

    async listHeldBuckets() {
      const records: HeldBucketRecord[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await send('list held buckets', () =>
          doc.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': HELD_BUCKETS },
              ConsistentRead: true,
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        for (const item of page?.Items ?? []) {
          records.push({
            category: item.category as ExpiringKind,
            app: String(item.app),
            holdIds: item.holdIds instanceof Set ? [...(item.holdIds as Set<string>)].sort() : [],
          });
        }
        startKey = page?.LastEvaluatedKey;
      } while (startKey);
      return records;
    },

    async recordHeld(category, app, holdIds) {
      if (!holdIds.length) return;
      await send('record a held bucket', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: heldKey(category, app),
            UpdateExpression: 'SET category = :category, app = :app ADD holdIds :ids',
            ExpressionAttributeValues: { ':category': category, ':app': app, ':ids': new Set(holdIds) },
          }),
        ),
      );
    },

    async forgetReleased(category, app, holdIds) {
      if (!holdIds.length) return;
      await send(
        'forget released holds',
        () =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: heldKey(category, app),
              UpdateExpression: 'DELETE holdIds :ids',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':ids': new Set(holdIds) },
            }),
          ),
        true,
      );
    },

    async removeHeldBucket(category, app) {
      await send(
        'remove a held bucket record',
        () =>
          doc.send(
            new DeleteCommand({
              TableName: tableName,
              Key: heldKey(category, app),
              ConditionExpression: 'attribute_not_exists(holdIds)',
            }),
          ),
        true,
      );
    },

    async acquireLease(holder, now, until) {
      const output = await send(
        'acquire the expire lease',
        () =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...leaseKey, holder, leaseUntil: until.getTime(), acquiredAt: now.toISOString() },
              ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now OR holder = :holder',
              ExpressionAttributeValues: { ':now': now.getTime(), ':holder': holder },
            }),
          ),
        true,
      );
      return output !== undefined;
    },

    async releaseLease(holder) {
      await send(
        'release the expire lease',
        () =>
          doc.send(
            new DeleteCommand({
              TableName: tableName,
              Key: leaseKey,
              ConditionExpression: 'holder = :holder',
              ExpressionAttributeValues: { ':holder': holder },
            }),
          ),
        true,
      );
    },
  };
  return store;
}
