import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError, StoreError } from '../errors.js';
import type { RetentionCut } from '../policy/retention-cuts.js';
import { batchGetAll } from './batch-get.js';
import { itemIdOf, ownerShardsOfAccount } from './keys.js';
import { isServedMessage, ownedMessagesQueries, type StoredMessage, toStoredMessage } from './messages.js';
import { type ItemKey, ownerSortPrefix } from './personal-keys.js';

/**
 * D3 access/export of the messages an account sent, one page at a time: a Query on the owner index
 * (one of the account's own shards and its ownerSort prefix, so no other account's or app's item can
 * come back), then one BatchGetItem for the page. The account's shards (one per shard count ever used,
 * usually one) are read one after another. The cursor is the index's LastEvaluatedKey, or `{ownerShard}`
 * alone for the start of the next shard, checked on the way back in so it cannot point outside the account.
 */
export interface MessagePage {
  readonly messages: StoredMessage[];
  readonly nextCursor?: string;
}

export interface PersonalExportStore {
  messagesPage(
    app: string,
    account: string,
    now: Date,
    page: { limit: number; cursor?: string | undefined; cuts?: readonly RetentionCut[] | undefined },
  ): Promise<MessagePage>;
}

export const MAX_EXPORT_PAGE = 100;

export function encodeCursor(lastKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
}

/** Where a page starts: the index of one of the account's shards, and the key to continue after in it. */
export interface ExportPosition {
  readonly shard: number;
  readonly startKey?: Record<string, unknown>;
}

/** The cursor's position, if it is one this account's queries could have produced; 400 otherwise. */
export function decodeCursor(cursor: string, app: string, account: string): ExportPosition {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new InvalidCursorError('cursor: not a cursor this route returned', { cause });
  }
  const fields = key as Record<string, unknown> | null;
  const shard =
    typeof fields === 'object' && fields !== null
      ? ownerShardsOfAccount(app, account).indexOf(fields.ownerShard as string)
      : -1;
  const startOfShard = shard >= 0 && Object.keys(fields as object).length === 1;
  const withinShard =
    shard >= 0 &&
    Object.keys(fields as object).length === 4 &&
    typeof fields?.ownerSort === 'string' &&
    fields.ownerSort.startsWith(ownerSortPrefix(account, 'messages')) &&
    typeof fields.pk === 'string' &&
    typeof fields.sk === 'string';
  if (startOfShard) return { shard };
  if (withinShard) return { shard, startKey: fields as Record<string, unknown> };
  throw new InvalidCursorError('cursor: not a cursor this route returned');
}

export function createPersonalExportStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): PersonalExportStore {
  const { doc, tableName } = opts;

  async function batchGet(keys: readonly ItemKey[]): Promise<Map<string, Record<string, unknown>>> {
    const items = await batchGetAll(doc, tableName, keys, 'export read');
    return new Map(items.map((item) => [itemIdOf(item as unknown as ItemKey), item]));
  }

  return {
    async messagesPage(app, account, now, page) {
      const limit = Math.min(Math.max(1, page.limit), MAX_EXPORT_PAGE);
      const position = page.cursor === undefined ? { shard: 0 } : decodeCursor(page.cursor, app, account);
      const queries = ownedMessagesQueries(tableName, app, account, now);
      const shards = ownerShardsOfAccount(app, account);
      try {
        const result = await doc.send(
          new QueryCommand({
            ...queries[position.shard],
            ExclusiveStartKey: position.startKey,
            Limit: limit,
          } as QueryCommandInput),
        );
        const keys = (result.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
        const items = keys.length > 0 ? await batchGet(keys) : new Map();
        const messages = keys
          .map((key) => items.get(itemIdOf(key)))
          .filter(
            (item): item is Record<string, unknown> =>
              item !== undefined && isServedMessage(item, now, page.cuts),
          )
          // The key layout already guarantees both; checked again so a layout bug cannot leak data.
          .filter((item) => item.app === app && item.account === account)
          .map(toStoredMessage);
        const next = result.LastEvaluatedKey
          ? result.LastEvaluatedKey
          : position.shard + 1 < shards.length
            ? { ownerShard: shards[position.shard + 1] }
            : undefined;
        return { messages, ...(next ? { nextCursor: encodeCursor(next) } : {}) };
      } catch (error) {
        if (error instanceof StoreError) throw error;
        throw new StoreError('export read failed', { cause: error });
      }
    },
  };
}
