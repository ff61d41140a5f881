import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { heldExpiresAt, originalExpiresAt } from '../policy/expiry.js';
import { expiryUnderCuts, type RetentionCut } from '../policy/retention-cuts.js';
import type { MessageElement, SensitiveKind } from '../policy/sensitive-data.js';
import { epochSeconds, expirySeconds, isLiveItem } from '../policy/time.js';
import { heldBucket } from './expiry-index.js';
import { expiringAttributes, itemIdOf } from './keys.js';
import { liveCondition } from './live.js';
import {
  heldSnapshotKey,
  type ItemKey,
  type MessageRef,
  messageKey,
  ownerAttributes,
  ownerIndexQueries,
} from './personal-keys.js';
import { isAnyConditionFailure, isConditionFailure, storeFailure } from './sdk-errors.js';
import { isTombstone, type TombstoneReason, tombstoneItem } from './tombstones.js';

/**
 * D2 chat messages in the `personal` table (layout in personal-keys.ts). A message is written once:
 * the put is conditional on its key being free, so a retried after-send finds it (or the tombstone a
 * recall or erasure left, tombstones.ts) and writes nothing. An edit replaces the content of a stored,
 * live message in place, keeping its expiry; under a legal hold the superseded content is kept first,
 * as a held snapshot.
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
  readonly sensitive?: StoredSensitivity | undefined;
  readonly expiresAt: Date;
}

export interface StoredSensitivity {
  readonly kinds: readonly SensitiveKind[];
  readonly handling: 'flagged' | 'masked';
}

/** A message's new content (an edit), already guarded at rest. */
export interface MessageContent {
  readonly msgBody: readonly MessageElement[];
  readonly cloudCustomData?: string | undefined;
  readonly sensitive?: StoredSensitivity | undefined;
}

export interface StoredMessage {
  readonly app: string;
  readonly account: string;
  readonly kind: 'c2c' | 'group';
  readonly msgKey?: string;
  readonly to?: string;
  readonly groupId?: string;
  readonly topicId?: string;
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
  /** ISO-8601, when the content was last replaced by an edit. */
  readonly editedAt?: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** What a recall or an edit needs to know of the item at a message's key, whatever it is. */
export interface MessageState {
  readonly tombstone: boolean;
  /** The sender; absent on a tombstone. */
  readonly account?: string;
  /** As stored: negative while parked in a held bucket. */
  readonly expiresAt: number;
  readonly recalled: boolean;
  readonly item: Record<string, unknown>;
}

export interface StoreCallOptions {
  /** Aborts the DynamoDB call (the callback's answer budget). */
  readonly signal?: AbortSignal | undefined;
}

export type EditOutcome = 'edited' | 'notStored';

export interface MessageStore {
  /** Writes the message unless its key is taken (stored, or a tombstone): 'duplicate' then. One write. */
  put(message: NewMessage, now: Date, opts?: StoreCallOptions): Promise<'stored' | 'duplicate'>;
  /** The item at the message's key as stored (consistent read), message or tombstone; undefined when absent. */
  peek(app: string, ref: MessageRef, opts?: StoreCallOptions): Promise<MessageState | undefined>;
  /**
   * Replaces the message (or its absence) by a tombstone expiring at `expiresAt`. `seen` is the
   * expiresAt peek returned, or undefined when peek found nothing; false when the item changed meanwhile.
   */
  tombstone(
    app: string,
    ref: MessageRef,
    input: { expiresAt: number; seen: number | undefined; reason: TombstoneReason; at: Date },
    opts?: StoreCallOptions,
  ): Promise<boolean>;
  /**
   * A recalled message a legal hold covers: hidden from `at` on and parked in the app's held bucket,
   * with its expiry negated and no TTL attribute, until `expire` sees its holds end. False when the
   * item changed since `seen`.
   */
  holdRecalled(
    app: string,
    ref: MessageRef,
    input: { at: Date; seen: number },
    opts?: StoreCallOptions,
  ): Promise<boolean>;
  /**
   * Replaces the content of a stored, unexpired message (cuts applied), keeping its expiry:
   * 'notStored' when there is none (never stored, expired, recalled or erased). With `held`, the
   * superseded content is first kept as a held snapshot (read, then one transaction).
   */
  edit(
    app: string,
    ref: MessageRef,
    content: MessageContent,
    input: { now: Date; cuts?: readonly RetentionCut[] | undefined; held: boolean },
    opts?: StoreCallOptions,
  ): Promise<EditOutcome>;
}

const STORED_FIELDS = [
  'app',
  'account',
  'kind',
  'msgKey',
  'to',
  'groupId',
  'topicId',
  'groupType',
  'msgSeq',
  'msgRandom',
  'msgId',
  'msgTime',
  'msgBody',
  'cloudCustomData',
  'sensitive',
  'storedAt',
  'editedAt',
  'expiresAt',
] as const;

/** A stored item as the message it holds: no key or index attribute. */
export function toStoredMessage(item: Record<string, unknown>): StoredMessage {
  const message: Record<string, unknown> = {};
  for (const field of STORED_FIELDS) if (item[field] !== undefined) message[field] = item[field];
  return message as unknown as StoredMessage;
}

/** Whether a stored message item is served at `now`: a live message (no tombstone), its cuts applied. */
export function isServedMessage(
  item: Record<string, unknown>,
  now: Date,
  cuts: readonly RetentionCut[] | undefined,
): boolean {
  if (isTombstone(item) || !isLiveItem(item, now)) return false;
  if (!cuts?.length) return true;
  const expiry = expiryUnderCuts(Number(item.expiresAt), new Date(String(item.msgTime)), cuts);
  return expiry > epochSeconds(now);
}

/**
 * The owner-index Queries for the unexpired messages an account sent, one per partition that can hold
 * them: its own shards and ownerSort prefix, so no other account's or app's item can come back. The
 * index holds keys, not messages: read those with BatchGetItem (batch-get.ts).
 */
export function ownedMessagesQueries(tableName: string, app: string, account: string, now: Date) {
  const live = liveCondition(now);
  return ownerIndexQueries(tableName, app, account, 'messages').map(
    (query) =>
      ({
        ...query,
        FilterExpression: live.expression,
        ExpressionAttributeNames: live.names,
        ExpressionAttributeValues: { ...live.values, ...query.ExpressionAttributeValues },
      }) satisfies QueryCommandInput,
  );
}

const CONTENT_ATTRIBUTES = ['msgBody', 'cloudCustomData', 'sensitive'] as const;

export function createMessageStore(opts: { doc: DynamoDBDocumentClient; tableName: string }): MessageStore {
  const { doc, tableName } = opts;

  async function put(message: NewMessage, now: Date, call: StoreCallOptions = {}) {
    const key = messageKey(message.app, message.ref);
    const ref = message.ref;
    const item = {
      ...key,
      ...expiringAttributes('messages', message.app, expirySeconds(message.expiresAt), itemIdOf(key)),
      ...ownerAttributes(message.app, message.account, 'messages', message.msgTime, key),
      kind: ref.kind,
      msgKey: ref.kind === 'c2c' ? ref.msgKey : undefined,
      groupId: ref.kind === 'group' ? ref.groupId : undefined,
      topicId: ref.kind === 'group' ? ref.topicId : undefined,
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
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
        { abortSignal: call.signal },
      );
      return 'stored' as const;
    } catch (error) {
      if (isConditionFailure(error)) return 'duplicate' as const;
      throw storeFailure('message write', error);
    }
  }

  async function read(key: ItemKey, call: StoreCallOptions): Promise<Record<string, unknown> | undefined> {
    try {
      const result = await doc.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
        {
          abortSignal: call.signal,
        },
      );
      return result.Item;
    } catch (error) {
      throw storeFailure('message read', error);
    }
  }

  async function peek(app: string, ref: MessageRef, call: StoreCallOptions = {}) {
    const item = await read(messageKey(app, ref), call);
    if (!item) return undefined;
    return {
      tombstone: isTombstone(item),
      ...(typeof item.account === 'string' ? { account: item.account } : {}),
      expiresAt: Number(item.expiresAt),
      recalled: item.recalledAt !== undefined,
      item,
    };
  }

  /** A conditional write that may find its condition failed: false then. */
  async function conditional(action: string, write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (isAnyConditionFailure(error)) return false;
      throw storeFailure(action, error);
    }
  }

  const tombstone: MessageStore['tombstone'] = (app, ref, input, call = {}) => {
    const key = messageKey(app, ref);
    return conditional('message tombstone', () =>
      doc.send(
        new PutCommand({
          TableName: tableName,
          Item: tombstoneItem(key, app, input.expiresAt, input.reason, input.at),
          ...(input.seen === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'expiresAt = :seen',
                ExpressionAttributeValues: { ':seen': input.seen },
              }),
        }),
        { abortSignal: call.signal },
      ),
    );
  };

  const holdRecalled: MessageStore['holdRecalled'] = (app, ref, input, call = {}) => {
    // Hidden from the recall on: the held expiry is the earlier of its own and the recall's.
    const hiddenFrom = Math.min(originalExpiresAt(input.seen), epochSeconds(input.at));
    return conditional('message hold on recall', () =>
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: messageKey(app, ref),
          UpdateExpression:
            'SET expiresAt = :expiresAt, expiryBucket = :bucket, recalledAt = :at REMOVE ttlDeleteAt',
          ConditionExpression: 'expiresAt = :seen AND attribute_not_exists(tombstone)',
          ExpressionAttributeValues: {
            ':expiresAt': heldExpiresAt(hiddenFrom),
            ':bucket': heldBucket('messages', app),
            ':at': input.at.toISOString(),
            ':seen': input.seen,
          },
        }),
        { abortSignal: call.signal },
      ),
    );
  };

  function contentUpdate(content: MessageContent, now: Date) {
    const set: string[] = ['editedAt = :editedAt'];
    const remove: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':editedAt': now.toISOString() };
    for (const attribute of CONTENT_ATTRIBUTES) {
      // Named: `sensitive` is a DynamoDB reserved word.
      names[`#${attribute}`] = attribute;
      const value = content[attribute];
      if (value === undefined) remove.push(`#${attribute}`);
      else {
        set.push(`#${attribute} = :${attribute}`);
        values[`:${attribute}`] = value;
      }
    }
    return {
      expression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
      names,
      values,
    };
  }

  /** Conditions an edit needs: the message is there, live, not recalled, and no cut hides it. */
  function editableCondition(now: Date, cuts: readonly RetentionCut[] | undefined) {
    const parts = ['attribute_exists(pk)', 'attribute_not_exists(tombstone)', 'expiresAt > :now'];
    const values: Record<string, unknown> = { ':now': epochSeconds(now) };
    (cuts ?? []).forEach((cut, index) => {
      // Created at or after the cut, or still within the cut's period (ISO-8601 strings compare in time order).
      parts.push(`(msgTime >= :cutAt${index} OR msgTime > :cutLimit${index})`);
      values[`:cutAt${index}`] = cut.at;
      values[`:cutLimit${index}`] = new Date(now.getTime() - cut.days * 86_400_000).toISOString();
    });
    return { expression: parts.join(' AND '), values };
  }

  const edit: MessageStore['edit'] = async (app, ref, content, input, call = {}) => {
    const key = messageKey(app, ref);
    const update = contentUpdate(content, input.now);
    const editable = editableCondition(input.now, input.cuts);
    if (!input.held) {
      const edited = await conditional('message edit', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: update.expression,
            ConditionExpression: editable.expression,
            ExpressionAttributeNames: update.names,
            ExpressionAttributeValues: { ...update.values, ...editable.values },
          }),
          { abortSignal: call.signal },
        ),
      );
      return edited ? 'edited' : 'notStored';
    }
    const existing = await read(key, call);
    if (!existing || !isServedMessage(existing, input.now, input.cuts)) return 'notStored';
    const snapshot = heldSnapshot(existing, key, app, input.now);
    const edited = await conditional('message edit under hold', () =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: { TableName: tableName, Item: snapshot, ConditionExpression: 'attribute_not_exists(pk)' },
            },
            {
              Update: {
                TableName: tableName,
                Key: key,
                UpdateExpression: update.expression,
                ExpressionAttributeNames: update.names,
                // Unchanged since read: the snapshot holds exactly what the edit replaces.
                ConditionExpression: `${editable.expression} AND storedAt = :storedAt AND ${
                  existing.editedAt === undefined ? 'attribute_not_exists(editedAt)' : 'editedAt = :seenEdit'
                }`,
                ExpressionAttributeValues: {
                  ...update.values,
                  ...editable.values,
                  ':storedAt': existing.storedAt,
                  ...(existing.editedAt === undefined ? {} : { ':seenEdit': existing.editedAt }),
                },
              },
            },
          ],
        }),
        { abortSignal: call.signal },
      ),
    );
    return edited ? 'edited' : 'notStored';
  };

  return { put, peek, tombstone, holdRecalled, edit };
}

/**
 * The superseded content of a held message, kept under its own key: hidden (negated expiry, held
 * bucket, no TTL attribute) and still on the owner index, so deletion requests count it as withheld.
 */
function heldSnapshot(
  item: Record<string, unknown>,
  key: ItemKey,
  app: string,
  at: Date,
): Record<string, unknown> {
  const snapshotKey = heldSnapshotKey(key, at);
  const account = String(item.account);
  const { ttlDeleteAt: _ttl, ...kept } = item;
  return {
    ...kept,
    ...snapshotKey,
    ...ownerAttributes(app, account, 'messages', new Date(String(item.msgTime)), snapshotKey),
    expiresAt: heldExpiresAt(Number(item.expiresAt)),
    expiryBucket: heldBucket('messages', app),
    supersededAt: at.toISOString(),
  };
}
