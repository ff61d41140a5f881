import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import { heldExpiresAt } from '../policy/expiry.js';
import type { MessageElement, SensitiveKind } from '../policy/sensitive-data.js';
import { toEpochSeconds } from '../policy/time.js';
import { batchGetAll } from './batch-get.js';
import { heldBucket } from './expiry-index.js';
import { expiringAttributes } from './keys.js';
import { isLive, liveCondition } from './live.js';
import {
  type ItemKey,
  type MessageRef,
  messageKey,
  ownerAttributes,
  ownerIndexQuery,
} from './personal-keys.js';
import { queryAllPages } from './query-pages.js';

/**
 * D2 chat messages in the `personal` table (layout in personal-keys.ts). A message is written once:
 * a retried after-send callback finds it already there (conditional put) and writes nothing.
 */
export interface NewMessage {
  readonly app: string;
  /** The sender (From_Account): whose data the message is, for export and deletion. */
  readonly account: string;
  readonly ref: MessageRef;
  readonly to?: string | undefined;
  readonly groupType?: string | undefined;
  readonly msgRandom?: number | undefined;
  readonly msgId?: string | undefined;
  readonly msgTime: Date;
  readonly msgBody: readonly MessageElement[];
  readonly cloudCustomData?: string | undefined;
  /** D5: what the guard found and did when the message was stored. */
  readonly sensitive?: { readonly kinds: readonly SensitiveKind[]; readonly handling: 'flagged' | 'masked' };
  readonly expiresAt: Date;
}

export interface StoredMessage {
  readonly app: string;
  readonly account: string;
  readonly kind: 'c2c' | 'group';
  readonly msgKey?: string;
  readonly to?: string;
  readonly groupId?: string;
  readonly groupType?: string;
  readonly msgSeq?: number;
  readonly msgRandom?: number;
  readonly msgId?: string;
  /** ISO-8601. */
  readonly msgTime: string;
  readonly msgBody: MessageElement[];
  readonly cloudCustomData?: string;
  readonly sensitive?: { kinds: SensitiveKind[]; handling: 'flagged' | 'masked' };
  /** ISO-8601. */
  readonly storedAt: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface StoreCallOptions {
  /** Aborts the DynamoDB call (the callback's answer budget). */
  readonly signal?: AbortSignal | undefined;
}

export interface MessageStore {
  /** Writes the message unless it is already stored: 'duplicate' for a retried callback. One write. */
  put(message: NewMessage, now: Date, opts?: StoreCallOptions): Promise<'stored' | 'duplicate'>;
  /** The stored, unexpired message, or undefined. */
  get(app: string, ref: MessageRef, now: Date, opts?: StoreCallOptions): Promise<StoredMessage | undefined>;
  /** The sender of a stored message, expired or not (a legal hold may keep an expired one). */
  senderOf(app: string, ref: MessageRef, opts?: StoreCallOptions): Promise<string | undefined>;
  /** Deletes the message; false when it was not stored. */
  delete(app: string, ref: MessageRef, opts?: StoreCallOptions): Promise<boolean>;
  /**
   * Moves the message's expiry to `at` (a recall of a held message: hidden at once, removed by the expiry
   * job when the hold is released). False when it was not stored.
   */
  expireAt(app: string, ref: MessageRef, at: Date, opts?: StoreCallOptions): Promise<boolean>;
  /**
   * A recalled message a legal hold covers: hidden from `at` on and parked in the app's held bucket
   * with a negated expiry (out of DynamoDB TTL's reach) until `expire` sees its holds end.
   */
  holdRecalled(app: string, ref: MessageRef, at: Date, opts?: StoreCallOptions): Promise<boolean>;
  /** Every unexpired message `account` sent in `app`, oldest first: Query on byOwner, then BatchGetItem. */
  listForAccount(app: string, account: string, now: Date): Promise<StoredMessage[]>;
}

const STORED_FIELDS = [
  'app',
  'account',
  'kind',
  'msgKey',
  'to',
  'groupId',
  'groupType',
  'msgSeq',
  'msgRandom',
  'msgId',
  'msgTime',
  'msgBody',
  'cloudCustomData',
  'sensitive',
  'storedAt',
  'expiresAt',
] as const;

/** A stored item as the message it holds: no key or index attribute. */
export function toStoredMessage(item: Record<string, unknown>): StoredMessage {
  const message: Record<string, unknown> = {};
  for (const field of STORED_FIELDS) if (item[field] !== undefined) message[field] = item[field];
  return message as unknown as StoredMessage;
}

/** Translates an SDK failure where it happens: callers see a StoreError, never SDK internals. */
export function storeFailure(action: string, cause: unknown): StoreError {
  const name = cause instanceof Error ? cause.name : 'unknown';
  const reason = name === 'AbortError' || name === 'TimeoutError' ? 'timed out' : 'failed';
  return new StoreError(`${action} ${reason}`, { cause });
}

/**
 * The owner-index Query for the unexpired messages an account sent: its own shard and ownerSort
 * prefix, so no other account's or app's item can come back. The index holds keys, not messages:
 * read those with BatchGetItem (batch-get.ts).
 */
export function ownedMessagesQuery(tableName: string, app: string, account: string, now: Date) {
  const live = liveCondition(now);
  const query = ownerIndexQuery(tableName, app, account, 'messages');
  return {
    ...query,
    FilterExpression: live.expression,
    ExpressionAttributeNames: live.names,
    ExpressionAttributeValues: { ...live.values, ...query.ExpressionAttributeValues },
  } satisfies QueryCommandInput;
}

export function createMessageStore(opts: { doc: DynamoDBDocumentClient; tableName: string }): MessageStore {
  const { doc, tableName } = opts;

  async function put(message: NewMessage, now: Date, call: StoreCallOptions = {}) {
    const { pk, sk } = messageKey(message.app, message.ref);
    const expiresAt = toEpochSeconds(message.expiresAt);
    const ref = message.ref;
    const item = {
      pk,
      sk,
      ...expiringAttributes('messages', message.app, expiresAt, pk),
      ...ownerAttributes(message.app, message.account, 'messages', message.msgTime, pk),
      kind: ref.kind,
      msgKey: ref.kind === 'c2c' ? ref.msgKey : undefined,
      groupId: ref.kind === 'group' ? ref.groupId : undefined,
      msgSeq: ref.kind === 'group' ? ref.msgSeq : undefined,
      to: message.to,
      groupType: message.groupType,
      msgRandom: message.msgRandom,
      msgId: message.msgId,
      msgTime: message.msgTime.toISOString(),
      msgBody: message.msgBody,
      cloudCustomData: message.cloudCustomData,
      sensitive: message.sensitive,
      storedAt: now.toISOString(),
    };
    try {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
        { abortSignal: call.signal },
      );
      return 'stored' as const;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate' as const;
      throw storeFailure('message write', error);
    }
  }

  async function get(app: string, ref: MessageRef, now: Date, call: StoreCallOptions = {}) {
    try {
      const result = await doc.send(
        new GetCommand({ TableName: tableName, Key: messageKey(app, ref), ConsistentRead: true }),
        { abortSignal: call.signal },
      );
      return result.Item && isLive(result.Item, now) ? toStoredMessage(result.Item) : undefined;
    } catch (error) {
      throw storeFailure('message read', error);
    }
  }

  async function senderOf(app: string, ref: MessageRef, call: StoreCallOptions = {}) {
    try {
      const result = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: messageKey(app, ref),
          ProjectionExpression: 'account',
          ConsistentRead: true,
        }),
        { abortSignal: call.signal },
      );
      return typeof result.Item?.account === 'string' ? result.Item.account : undefined;
    } catch (error) {
      throw storeFailure('message read', error);
    }
  }

  async function remove(app: string, ref: MessageRef, call: StoreCallOptions = {}) {
    try {
      await doc.send(
        new DeleteCommand({
          TableName: tableName,
          Key: messageKey(app, ref),
          ConditionExpression: 'attribute_exists(pk)',
        }),
        { abortSignal: call.signal },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw storeFailure('message delete', error);
    }
  }

  async function expireAt(app: string, ref: MessageRef, at: Date, call: StoreCallOptions = {}) {
    const key = messageKey(app, ref);
    // Rounded down (unlike a retention expiry): the message must be hidden from `at` on.
    const expiresAt = Math.floor(at.getTime() / 1000);
    const { expiryBucket } = expiringAttributes('messages', app, expiresAt, key.pk);
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: 'SET expiresAt = :expiresAt, expiryBucket = :bucket, recalledAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':expiresAt': expiresAt,
            ':bucket': expiryBucket,
            ':at': at.toISOString(),
          },
        }),
        { abortSignal: call.signal },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw storeFailure('message expiry update', error);
    }
  }

  async function holdRecalled(app: string, ref: MessageRef, at: Date, call: StoreCallOptions = {}) {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: messageKey(app, ref),
          UpdateExpression: 'SET expiresAt = :expiresAt, expiryBucket = :bucket, recalledAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':expiresAt': heldExpiresAt(Math.floor(at.getTime() / 1000)),
            ':bucket': heldBucket('messages', app),
            ':at': at.toISOString(),
          },
        }),
        { abortSignal: call.signal },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw storeFailure('message hold on recall', error);
    }
  }

  async function ownedKeys(app: string, account: string, now: Date): Promise<ItemKey[]> {
    const items = await queryAllPages(doc, ownedMessagesQuery(tableName, app, account, now));
    return items.map((item) => ({ pk: item.pk as string, sk: item.sk as string }));
  }

  async function listForAccount(app: string, account: string, now: Date) {
    try {
      const items = await batchGetAll(
        doc,
        tableName,
        await ownedKeys(app, account, now),
        'message batch read',
      );
      return items
        .filter((item) => isLive(item, now))
        .map(toStoredMessage)
        .sort((a, b) => a.msgTime.localeCompare(b.msgTime));
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw storeFailure('message listing', error);
    }
  }

  return { put, get, senderOf, delete: remove, expireAt, holdRecalled, listForAccount };
}
