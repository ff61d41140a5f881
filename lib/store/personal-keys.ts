import type { PersonalCategoryId } from '../policy/categories.js';
import { KEY_SEPARATOR, keyPart, ownerShard } from './keys.js';

/**
 * Key layout of the `personal` table (D1 userInfo, D2 messages), shared by the callback writers and the
 * deletion/export readers. Every caller-supplied part goes through keyPart(), so no part can forge a
 * separator.
 *
 * - C2C message:   pk `<app>#msg#c2c#<MsgKey>`, sk `msg`
 * - group message: pk `<app>#msg#group#<GroupId>#<MsgSeq>`, sk `msg`
 * - userInfo:      pk `<app>#user#<account>`, sk `userInfo`
 *
 * Owner index `byOwner`: ownerShard = ownerShard(app, account), ownerSort =
 * `<account>#<category>#<zero-padded epoch seconds>#<pk>`, so one Query with
 * begins_with(ownerSort, ownerSortPrefix(account)) finds everything stored for an account.
 */
export const MESSAGE_SK = 'msg';
export const USER_INFO_SK = 'userInfo';
export const OWNER_INDEX = 'byOwner';
const TIME_DIGITS = 12;

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export type MessageRef =
  | { readonly kind: 'c2c'; readonly msgKey: string }
  | { readonly kind: 'group'; readonly groupId: string; readonly msgSeq: number };

export function messageKey(app: string, ref: MessageRef): ItemKey {
  const parts =
    ref.kind === 'c2c'
      ? [keyPart(app), 'msg', 'c2c', keyPart(ref.msgKey)]
      : [keyPart(app), 'msg', 'group', keyPart(ref.groupId), String(ref.msgSeq)];
  return { pk: parts.join(KEY_SEPARATOR), sk: MESSAGE_SK };
}

export function userInfoKey(app: string, account: string): ItemKey {
  return { pk: [keyPart(app), 'user', keyPart(account)].join(KEY_SEPARATOR), sk: USER_INFO_SK };
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

/** The owner-index attributes of a personal item about `account`, dated `at`. */
export function ownerAttributes(
  app: string,
  account: string,
  category: PersonalCategoryId,
  at: Date,
  pk: string,
): OwnerAttributes {
  const seconds = String(Math.max(0, Math.floor(at.getTime() / 1000))).padStart(TIME_DIGITS, '0');
  return {
    account,
    ownerShard: ownerShard(app, account),
    ownerSort: [keyPart(account), category, seconds, pk].join(KEY_SEPARATOR),
  };
}

/**
 * The owner-index Query for everything physically stored for an account (optionally one category):
 * no live filter, so callers that must hide expired items add one (see ownedMessagesQuery).
 */
export function ownerIndexQuery(
  tableName: string,
  app: string,
  account: string,
  category?: PersonalCategoryId,
) {
  return {
    TableName: tableName,
    IndexName: OWNER_INDEX,
    KeyConditionExpression: 'ownerShard = :shard AND begins_with(ownerSort, :prefix)',
    ExpressionAttributeValues: {
      ':shard': ownerShard(app, account),
      ':prefix': ownerSortPrefix(account, category),
    } as Record<string, unknown>,
  };
}
