import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../policy/time.js';
import { expiringAttributes } from './keys.js';
import { isLive } from './live.js';
import { type StoreCallOptions, storeFailure } from './messages.js';
import { ownerAttributes, userInfoKey } from './personal-keys.js';

/**
 * D1 end-user profile data (nickname, avatar URL, signature) in the `personal` table, one item per
 * account (layout in personal-keys.ts). A profile callback may carry only some fields: each field keeps
 * the expiry of the event that set it and is hidden once that passes; the item expires with its newest
 * field. An event older than the one already stored (a late retry) changes nothing.
 */
export const USER_INFO_FIELDS = ['nickname', 'avatarUrl', 'signature'] as const;
export type UserInfoField = (typeof USER_INFO_FIELDS)[number];
export type UserInfoValues = Partial<Record<UserInfoField, string>>;

export interface StoredUserInfo extends UserInfoValues {
  readonly app: string;
  readonly account: string;
  /** ISO-8601: when the newest stored field was set. */
  readonly updatedAt: string;
  /** Epoch seconds: when the newest field expires. */
  readonly expiresAt: number;
}

export interface UserInfoStore {
  /**
   * Sets the given fields as of `setAt`, each expiring at `expiresAt`. One write. 'stale' when a newer
   * profile event is already stored.
   */
  put(
    input: { app: string; account: string; values: UserInfoValues; setAt: Date; expiresAt: Date },
    opts?: StoreCallOptions,
  ): Promise<'stored' | 'stale'>;
  /** The account's unexpired profile fields, or undefined when none is live. */
  get(app: string, account: string, now: Date): Promise<StoredUserInfo | undefined>;
  /** The same as `get`, as a list (zero or one item), for export. One GetItem: the key is the account's. */
  listForAccount(app: string, account: string, now: Date): Promise<StoredUserInfo[]>;
}

const fieldExpiry = (field: UserInfoField) => `${field}ExpiresAt`;

function toUserInfo(item: Record<string, unknown>, now: Date): StoredUserInfo | undefined {
  if (!isLive(item, now)) return undefined;
  const values: UserInfoValues = {};
  for (const field of USER_INFO_FIELDS) {
    const value = item[field];
    if (typeof value === 'string' && isLive({ expiresAt: item[fieldExpiry(field)] }, now))
      values[field] = value;
  }
  if (Object.keys(values).length === 0) return undefined;
  return {
    app: item.app as string,
    account: item.account as string,
    ...values,
    updatedAt: item.updatedAt as string,
    expiresAt: item.expiresAt as number,
  };
}

export function createUserInfoStore(opts: { doc: DynamoDBDocumentClient; tableName: string }): UserInfoStore {
  const { doc, tableName } = opts;

  const put: UserInfoStore['put'] = async ({ app, account, values, setAt, expiresAt }, call = {}) => {
    const key = userInfoKey(app, account);
    const expiresAtSeconds = toEpochSeconds(expiresAt);
    const common: Record<string, unknown> = {
      ...expiringAttributes('userInfo', app, expiresAtSeconds, key.pk),
      ...ownerAttributes(app, account, 'userInfo', setAt, key.pk),
      app,
      updatedAt: setAt.toISOString(),
      eventTimeMs: setAt.getTime(),
    };
    for (const field of USER_INFO_FIELDS) {
      const value = values[field];
      if (value === undefined) continue;
      common[field] = value;
      common[fieldExpiry(field)] = expiresAtSeconds;
    }
    const names: Record<string, string> = {};
    const attributeValues: Record<string, unknown> = { ':eventTimeMs': setAt.getTime() };
    const assignments = Object.entries(common).map(([name, value], index) => {
      names[`#a${index}`] = name;
      attributeValues[`:v${index}`] = value;
      return `#a${index} = :v${index}`;
    });
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(pk) OR eventTimeMs <= :eventTimeMs',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: attributeValues,
        }),
        { abortSignal: call.signal },
      );
      return 'stored';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw storeFailure('profile write', error);
    }
  };

  const get: UserInfoStore['get'] = async (app, account, now) => {
    try {
      const result = await doc.send(
        new GetCommand({ TableName: tableName, Key: userInfoKey(app, account), ConsistentRead: true }),
      );
      return result.Item ? toUserInfo(result.Item, now) : undefined;
    } catch (error) {
      throw storeFailure('profile read', error);
    }
  };

  return {
    put,
    get,
    async listForAccount(app, account, now) {
      const info = await get(app, account, now);
      return info ? [info] : [];
    },
  };
}
