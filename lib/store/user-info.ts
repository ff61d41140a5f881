import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { heldExpiresAt } from '../policy/expiry.js';
import { expiryUnderCuts, type RetentionCut } from '../policy/retention-cuts.js';
import { epochSeconds, expirySeconds, isLiveItem } from '../policy/time.js';
import { heldBucket } from './expiry-index.js';
import { expiringAttributes, itemIdOf } from './keys.js';
import type { StoreCallOptions } from './messages.js';
import { heldSnapshotKey, ownerAttributes, userInfoKey } from './personal-keys.js';
import { isAnyConditionFailure, storeFailure } from './sdk-errors.js';

/**
 * D1 end-user profile data (nickname, avatar URL, signature) in the `personal` table, one item per
 * account (layout in personal-keys.ts). A profile callback may carry only some fields: each field keeps
 * the time it was set and the expiry of the event that set it, and is hidden once that passes (or a
 * retention cut ends it earlier). No field may outlive its own retention, so the item expires with its
 * EARLIEST live field (a field set later goes with it, early, rather than the older one staying late),
 * and a write removes fields already past their expiry. An event older than the one already stored (a
 * late retry) changes nothing. Under a legal hold the values a write supersedes are first kept as a
 * held snapshot, in the same transaction, so nothing held is overwritten or removed.
 */
export const USER_INFO_FIELDS = ['nickname', 'avatarUrl', 'signature'] as const;
export type UserInfoField = (typeof USER_INFO_FIELDS)[number];
export type UserInfoValues = Partial<Record<UserInfoField, string>>;

export interface StoredUserInfo extends UserInfoValues {
  readonly app: string;
  readonly account: string;
  /** ISO-8601: when the newest stored field was set. */
  readonly updatedAt: string;
  /** Epoch seconds: when the item expires (its earliest live field). */
  readonly expiresAt: number;
}

export interface UserInfoWrite {
  readonly app: string;
  readonly account: string;
  readonly values: UserInfoValues;
  readonly setAt: Date;
  readonly expiresAt: Date;
  readonly now: Date;
  /** A legal hold covers the account's userInfo: superseded values are kept as a held snapshot. */
  readonly held?: boolean;
}

export interface UserInfoStore {
  /**
   * Sets the given fields as of `setAt`, each expiring at `expiresAt`: one consistent read, one
   * conditional write (a transaction with the snapshot when held). 'stale' when a newer event is stored.
   */
  put(input: UserInfoWrite, opts?: StoreCallOptions): Promise<'stored' | 'stale'>;
  /**
   * Applies a retention cut to one stored profile item (or held snapshot): every field set before the
   * cut expires no later than its set time + the cut's days, and the item with its earliest field.
   * With `park`, an item a hold covers whose new expiry is near is moved out of TTL's reach at once.
   * Answers the new expiry, 'parked' when it is held, 'unchanged' when nothing moves, 'changed' when the
   * item changed meanwhile (the next run retries).
   */
  shorten(
    key: { pk: string; sk: string },
    cut: RetentionCut,
    input: { park: (expiresAt: number) => boolean },
  ): Promise<{ expiresAt: number } | 'parked' | 'unchanged' | 'changed' | 'gone'>;
  /** The account's unexpired profile fields (cuts applied), or undefined when none is live. */
  get(
    app: string,
    account: string,
    now: Date,
    cuts?: readonly RetentionCut[] | undefined,
  ): Promise<StoredUserInfo | undefined>;
}

export const fieldExpiry = (field: UserInfoField) => `${field}ExpiresAt`;
export const fieldSetAt = (field: UserInfoField) => `${field}SetAt`;
const MAX_WRITE_ATTEMPTS = 3;

/** When a stored field was set (epoch ms); items written before fields kept their own time use the item's. */
function setAtOf(item: Record<string, unknown>, field: UserInfoField): Date {
  const own = item[fieldSetAt(field)];
  return new Date(typeof own === 'number' ? own : Number(item.eventTimeMs ?? 0));
}

/** A field's expiry (epoch seconds) with the cuts applied. */
export function fieldExpiryUnderCuts(
  item: Record<string, unknown>,
  field: UserInfoField,
  cuts: readonly RetentionCut[] | undefined,
): number {
  return expiryUnderCuts(Number(item[fieldExpiry(field)]), setAtOf(item, field), cuts);
}

/** The profile as served at `now`: live fields only (cuts applied); undefined when none is. */
export function toUserInfo(
  item: Record<string, unknown>,
  now: Date,
  cuts?: readonly RetentionCut[] | undefined,
): StoredUserInfo | undefined {
  if (!isLiveItem(item, now)) return undefined;
  const values: UserInfoValues = {};
  for (const field of USER_INFO_FIELDS) {
    const value = item[field];
    if (typeof value === 'string' && fieldExpiryUnderCuts(item, field, cuts) > epochSeconds(now))
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

/** The update expression setting `set` and removing `remove`, with generated placeholders. */
function updateExpression(set: Record<string, unknown>, remove: readonly string[]) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const assignments = Object.entries(set).map(([name, value], index) => {
    names[`#a${index}`] = name;
    values[`:v${index}`] = value;
    return `#a${index} = :v${index}`;
  });
  const removals = remove.map((name, index) => {
    names[`#r${index}`] = name;
    return `#r${index}`;
  });
  return {
    expression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
    names,
    values,
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

  const put: UserInfoStore['put'] = async (input, call = {}) => {
    const { app, account, values, setAt } = input;
    const key = userInfoKey(app, account);
    const expiresAtSeconds = expirySeconds(input.expiresAt);
    const nowSeconds = epochSeconds(input.now);
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
          set[fieldSetAt(field)] = setAt.getTime();
          itemExpiry = Math.min(itemExpiry, expiresAtSeconds);
          continue;
        }
        if (existing?.[field] === undefined) continue;
        const kept = Number(existing[fieldExpiry(field)]);
        if (kept > nowSeconds) itemExpiry = Math.min(itemExpiry, kept);
        else remove.push(field, fieldExpiry(field), fieldSetAt(field));
      }
      if (itemExpiry === Number.POSITIVE_INFINITY) return 'stored';
      Object.assign(set, {
        ...expiringAttributes('userInfo', app, itemExpiry, itemIdOf(key)),
        ...ownerAttributes(app, account, 'userInfo', setAt, key),
        updatedAt: setAt.toISOString(),
        eventTimeMs: setAt.getTime(),
      });
      const update = updateExpression(set, remove);
      // Optimistic: the item is as read (or still absent), so no concurrent event is lost.
      const condition = existing ? 'eventTimeMs = :seen' : 'attribute_not_exists(pk)';
      if (existing) update.values[':seen'] = existing.eventTimeMs;
      const main = {
        TableName: tableName,
        Key: key,
        UpdateExpression: update.expression,
        ConditionExpression: condition,
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: update.values,
      };
      const snapshot = input.held && existing ? heldSnapshot(existing, key, app, input.now) : undefined;
      try {
        if (snapshot) {
          await doc.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: tableName,
                    Item: snapshot,
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                { Update: main },
              ],
            }),
            { abortSignal: call.signal },
          );
        } else {
          await doc.send(new UpdateCommand(main), { abortSignal: call.signal });
        }
        return 'stored';
      } catch (error) {
        if (!isAnyConditionFailure(error)) throw storeFailure('profile write', error);
      }
    }
    throw storeFailure('profile write', new Error('concurrent profile events kept changing the item'));
  };

  const get: UserInfoStore['get'] = async (app, account, now, cuts) => {
    const item = await readItem(userInfoKey(app, account), {});
    return item ? toUserInfo(item, now, cuts) : undefined;
  };

  const shorten: UserInfoStore['shorten'] = async (key, cut, input) => {
    const item = await readItem(key, {});
    if (!item) return 'gone';
    const stored = Number(item.expiresAt);
    const held = stored < 0;
    const set: Record<string, unknown> = {};
    let itemExpiry = Number.POSITIVE_INFINITY;
    for (const field of USER_INFO_FIELDS) {
      if (item[field] === undefined) continue;
      const before = Number(item[fieldExpiry(field)]);
      const after = fieldExpiryUnderCuts(item, field, [cut]);
      if (after < before) set[fieldExpiry(field)] = after;
      itemExpiry = Math.min(itemExpiry, after);
    }
    const original = Math.abs(stored);
    if (!(itemExpiry < original)) return 'unchanged';
    const parkNow = !held && input.park(itemExpiry);
    const parked = held || parkNow;
    Object.assign(
      set,
      parked
        ? { expiresAt: heldExpiresAt(itemExpiry), expiryBucket: heldBucket('userInfo', String(item.app)) }
        : expiringAttributes('userInfo', String(item.app), itemExpiry, itemIdOf(key)),
    );
    const update = updateExpression(set, parked ? ['ttlDeleteAt'] : []);
    update.values[':seen'] = stored;
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: update.expression,
          ConditionExpression: 'expiresAt = :seen',
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: update.values,
        }),
      );
      return parked ? 'parked' : { expiresAt: itemExpiry };
    } catch (error) {
      if (isAnyConditionFailure(error)) return 'changed';
      throw storeFailure('profile retention cut', error);
    }
  };

  return { put, get, shorten };
}

/**
 * The values a held account's profile write supersedes, kept under their own key: every field as it
 * was (expired ones too), hidden (negated expiry, held bucket, no TTL attribute), on the owner index.
 */
function heldSnapshot(
  item: Record<string, unknown>,
  key: ReturnType<typeof userInfoKey>,
  app: string,
  at: Date,
): Record<string, unknown> {
  const snapshotKey = heldSnapshotKey(key, at);
  const { ttlDeleteAt: _ttl, ...kept } = item;
  return {
    ...kept,
    ...snapshotKey,
    ...ownerAttributes(
      app,
      String(item.account),
      'userInfo',
      new Date(Number(item.eventTimeMs ?? 0)),
      snapshotKey,
    ),
    expiresAt: heldExpiresAt(Number(item.expiresAt)),
    expiryBucket: heldBucket('userInfo', app),
    supersededAt: at.toISOString(),
  };
}
