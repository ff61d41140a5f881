import { createHash, randomBytes } from 'node:crypto';
import type { PersonalCategoryId } from '../policy/categories.js';
import { epochSeconds } from '../policy/time.js';
import { itemIdOf, KEY_SEPARATOR, keyPart, ownerShard, ownerShardsOfAccount } from './keys.js';

/**
 * Key layout of the `personal` table (D1 userInfo, D2 messages), shared by the callback writers and the
 * deletion/export readers. Every caller-supplied part goes through keyPart(), so no part can forge a
 * separator, and every part is bounded in bytes (lib/policy/identifiers.ts), so every key fits.
 *
 * - C2C message:   pk `<app>#msg#c2c#<MsgKey>`, sk `msg`
 * - group message: pk `<app>#msg#group#<GroupId>`, sk `msg#<TopicId or empty>#<MsgSeq>`: a group's
 *   messages are one item collection, so a destroyed group is one Query (Tencent limits a group to
 *   about 40 messages/s by default, far below a partition's 1,000 writes/s)
 * - userInfo:      pk `<app>#user#<account>`, sk `userInfo`
 * - held snapshot: the key of the item it was taken of, sk + `#@held#<ms>#<random>`: the values a legal hold keeps
 *   when an edit or a profile update supersedes them
 *
 * Owner index `byOwner`: ownerShard = ownerShard(app, account), ownerSort =
 * `<account>#<category>#<zero-padded epoch seconds>#<hash of the item key>`, so a Query with
 * begins_with(ownerSort, ownerSortPrefix(account)) on each of ownerShardsOfAccount (one per shard count
 * ever used, usually one) finds everything stored for an account.
 */
export const MESSAGE_SK = 'msg';
export const USER_INFO_SK = 'userInfo';
export const OWNER_INDEX = 'byOwner';
const TIME_DIGITS = 12;
/** Marks the sort key of a held snapshot: `<sk of the item>#@held#<ms>` (`@` never survives keyPart, so no id can forge it). */
export const HELD_SNAPSHOT_MARK = '#@held#';

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export type MessageRef =
  | { readonly kind: 'c2c'; readonly msgKey: string }
  | {
      readonly kind: 'group';
      readonly groupId: string;
      /** Community topics: `MsgSeq` counts per topic. */
      readonly topicId?: string | undefined;
      readonly msgSeq: number;
    };

/** The partition holding every message of a group (all its topics). */
export function groupPartition(app: string, groupId: string): string {
  return [keyPart(app), 'msg', 'group', keyPart(groupId)].join(KEY_SEPARATOR);
}

export function messageKey(app: string, ref: MessageRef): ItemKey {
  if (ref.kind === 'c2c') {
    return { pk: [keyPart(app), 'msg', 'c2c', keyPart(ref.msgKey)].join(KEY_SEPARATOR), sk: MESSAGE_SK };
  }
  return {
    pk: groupPartition(app, ref.groupId),
    sk: [MESSAGE_SK, keyPart(ref.topicId ?? ''), String(ref.msgSeq)].join(KEY_SEPARATOR),
  };
}

export function userInfoKey(app: string, account: string): ItemKey {
  return { pk: [keyPart(app), 'user', keyPart(account)].join(KEY_SEPARATOR), sk: USER_INFO_SK };
}

/** Where a legal hold keeps the superseded values of `key`, taken at `at`. */
export function heldSnapshotKey(key: ItemKey, at: Date): ItemKey {
  // Unique even for two writes within one millisecond: each keeps its own snapshot.
  return {
    pk: key.pk,
    sk: `${key.sk}${HELD_SNAPSHOT_MARK}${at.getTime()}#${randomBytes(4).toString('hex')}`,
  };
}

/** What begins every ownerSort of `account` (optionally of one category). */
export function ownerSortPrefix(account: string, category?: PersonalCategoryId): string {
  return category === undefined
    ? `${keyPart(account)}${KEY_SEPARATOR}`
    : [keyPart(account), category, ''].join(KEY_SEPARATOR);
}

export interface OwnerAttributes {
  readonly account: string;
  readonly ownerShard: string;
  readonly ownerSort: string;
}

/** 16 hex digits of the item key's SHA-256: keeps ownerSort short whatever the key's length. */
const keyHash = (key: ItemKey) => createHash('sha256').update(itemIdOf(key)).digest('hex').slice(0, 16);

/** The owner-index attributes of a personal item about `account`, dated `at`. */
export function ownerAttributes(
  app: string,
  account: string,
  category: PersonalCategoryId,
  at: Date,
  key: ItemKey,
): OwnerAttributes {
  const seconds = String(Math.max(0, epochSeconds(at))).padStart(TIME_DIGITS, '0');
  return {
    account,
    ownerShard: ownerShard(app, account),
    ownerSort: [keyPart(account), category, seconds, keyHash(key)].join(KEY_SEPARATOR),
  };
}

/** The epoch second an owner-index entry is dated (its item's message or event time). */
export function ownerSortSeconds(ownerSort: string): number {
  return Number(ownerSort.split(KEY_SEPARATOR)[2]);
}

/**
 * The owner-index Queries for everything physically stored for an account (optionally one category),
 * one per partition that can hold its items: no live filter, so callers that must hide expired items
 * add one (see ownedMessagesQueries).
 */
export function ownerIndexQueries(
  tableName: string,
  app: string,
  account: string,
  category?: PersonalCategoryId,
) {
  return ownerShardsOfAccount(app, account).map((shard) => ({
    TableName: tableName,
    IndexName: OWNER_INDEX,
    KeyConditionExpression: 'ownerShard = :shard AND begins_with(ownerSort, :prefix)',
    ExpressionAttributeValues: {
      ':shard': shard,
      ':prefix': ownerSortPrefix(account, category),
    } as Record<string, unknown>,
  }));
}
