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
 * the expiry of the event that set it and is hidden once that passes. No field may outlive its own
 * retention, so the item expires with its EARLIEST live field (a field set later goes with it, early,
 * rather than the older one staying late), and a write removes fields already past their expiry.
 * An event older than the one already stored (a late retry) changes nothing.
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
   * Sets the given fields as of `setAt`, each expiring at `expiresAt`: one consistent read, one
   * conditional write. 'stale' when a newer profile event is already stored.
   */
  put(
    input: { app: string; account: string; values: UserInfoValues; setAt: Date; expiresAt: Date; now?: Date },
    opts?: StoreCallOptions,
  ): Promise<'stored' | 'stale'>;
  /** The account's unexpired profile fields, or undefined when none is live. */
  get(app: string, account: string, now: Date): Promise<StoredUserInfo | undefined>;
  /** The same as `get`, as a list (zero or one item), for export. One GetItem: the key is the account's. */
  listForAccount(app: string, account: string, now: Date): Promise<StoredUserInfo[]>;
}

const fieldExpiry = (field: UserInfoField) => `${field}ExpiresAt`;
const MAX_WRITE_ATTEMPTS = 3;

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

  async function readItem(key: ReturnType<typeof userInfoKey>, call: StoreCallOptions) {
    try {
      const result = await doc.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
        {
          abortSignal: call.signal,
        },
      );
      return result.Item;
    } catch (error) {
      throw storeFailure('profile read', error);
    }
  }

  const put: UserInfoStore['put'] = async ({ app, account, values, setAt, expiresAt, now }, call = {}) => {
    const key = userInfoKey(app, account);
    const expiresAtSeconds = toEpochSeconds(expiresAt);
    const nowSeconds = Math.floor((now ?? new Date()).getTime() / 1000);
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const existing = await readItem(key, call);
      if (existing && Number(existing.eventTimeMs) > setAt.getTime()) return 'stale';
      const set: Record<string, unknown> = {};
      const remove: string[] = [];
      let itemExpiry = Number.POSITIVE_INFINITY;
      for (const field of USER_INFO_FIELDS) {
        if (values[field] !== undefined) {
          set[field] = values[field];
          set[fieldExpiry(field)] = expiresAtSeconds;
          itemExpiry = Math.min(itemExpiry, expiresAtSeconds);
          continue;
        }
        const kept = Number(existing?.[fieldExpiry(field)]);
        if (existing?.[field] !== undefined && kept > nowSeconds) itemExpiry = Math.min(itemExpiry, kept);
        else if (existing?.[field] !== undefined) remove.push(field, fieldExpiry(field));
      }
      if (itemExpiry === Number.POSITIVE_INFINITY) return 'stored';
      Object.assign(set, {
        ...expiringAttributes('userInfo', app, itemExpiry, key.pk),
        ...ownerAttributes(app, account, 'userInfo', setAt, key.pk),
        app,
        updatedAt: setAt.toISOString(),
        eventTimeMs: setAt.getTime(),
      });
      const names: Record<string, string> = {};
      const attributeValues: Record<string, unknown> = {};
      const assignments = Object.entries(set).map(([name, value], index) => {
        names[`#a${index}`] = name;
        attributeValues[`:v${index}`] = value;
        return `#a${index} = :v${index}`;
      });
      const removals = remove.map((name, index) => {
        names[`#r${index}`] = name;
        return `#r${index}`;
      });
      if (existing) attributeValues[':seen'] = existing.eventTimeMs;
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
            // Optimistic: the item is as read (or still absent), so no concurrent event is lost.
            ConditionExpression: existing ? 'eventTimeMs = :seen' : 'attribute_not_exists(pk)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: attributeValues,
          }),
          { abortSignal: call.signal },
        );
        return 'stored';
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw storeFailure('profile write', error);
      }
    }
    throw storeFailure('profile write', new Error('concurrent profile events kept changing the item'));
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
