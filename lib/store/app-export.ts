import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError, StoreError } from '../errors.js';
import type { RetentionCuts } from '../policy/retention-cuts.js';
import { batchGetAll } from './batch-get.js';
import { itemIdOf, ownerShardsOfApp } from './keys.js';
import { isServedMessage, type StoredMessage, toStoredMessage } from './messages.js';
import type { ItemKey } from './personal-keys.js';
import { isHeldSnapshot } from './tombstones.js';
import { type StoredUserInfo, toUserInfo } from './user-info.js';

/**
 * End of service: the whole app's unexpired `userInfo` and `messages` (`GET /apps/{sdkAppId}/export`),
 * a page at a time: one Query on one owner-index shard of the app, then one BatchGetItem for the page,
 * so a page costs the same whatever the table holds. The cursor names the shard and the index position
 * and is checked on the way back in, so it cannot point outside the app.
 */
export interface AppExportPage {
  readonly userInfo: Array<StoredUserInfo & { account: string }>;
  readonly messages: StoredMessage[];
  readonly nextCursor: string | null;
}

export interface AppExportStore {
  page(
    app: string,
    now: Date,
    page: {
      limit: number;
      cursor?: string | undefined;
      cuts?: RetentionCuts;
      /** Per account cuts for the page's accounts (consent cuts spare some); default: `cuts` for all. */
      cutsOfAccounts?: (
        accounts: readonly string[],
      ) => Promise<(account: string) => RetentionCuts | undefined>;
    },
  ): Promise<AppExportPage>;
}

interface Position {
  readonly shard: number;
  readonly lastKey?: Record<string, unknown>;
}

const encode = (app: string, position: Position) =>
  Buffer.from(JSON.stringify({ app, ...position }), 'utf8').toString('base64url');

function decode(cursor: string, app: string, shards: readonly string[]): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new InvalidCursorError('cursor: not a cursor this route returned', { cause });
  }
  const fields = parsed as { app?: unknown; shard?: unknown; lastKey?: Record<string, unknown> } | null;
  const shard = fields?.shard;
  const lastKey = fields?.lastKey;
  const valid =
    typeof fields === 'object' &&
    fields !== null &&
    fields.app === app &&
    typeof shard === 'number' &&
    Number.isInteger(shard) &&
    shard >= 0 &&
    shard < shards.length &&
    (lastKey === undefined ||
      (typeof lastKey === 'object' &&
        lastKey !== null &&
        Object.keys(lastKey).length === 4 &&
        lastKey.ownerShard === shards[shard] &&
        ['ownerSort', 'pk', 'sk'].every((name) => typeof lastKey[name] === 'string')));
  if (!valid) throw new InvalidCursorError('cursor: not a cursor this route returned for this app');
  return { shard: shard as number, ...(lastKey ? { lastKey } : {}) };
}

export function createAppExportStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): AppExportStore {
  const { doc, tableName } = opts;
  return {
    async page(app, now, page) {
      const shards = ownerShardsOfApp(app);
      const position = page.cursor === undefined ? { shard: 0 } : decode(page.cursor, app, shards);
      try {
        const result = await doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: 'byOwner',
            KeyConditionExpression: 'ownerShard = :shard',
            ExpressionAttributeValues: { ':shard': shards[position.shard] },
            ExclusiveStartKey: position.lastKey,
            Limit: page.limit,
          }),
        );
        const keys = (result.Items ?? [])
          .map((item) => ({ pk: String(item.pk), sk: String(item.sk) }))
          .filter((key) => !isHeldSnapshot(key));
        const items = await batchGetAll(doc, tableName, keys as ItemKey[], 'app export read');
        const byId = new Map(items.map((item) => [itemIdOf(item as unknown as ItemKey), item]));
        const accounts = items.filter((item) => item.app === app).map((item) => String(item.account));
        const cutsOf = page.cutsOfAccounts ? await page.cutsOfAccounts(accounts) : () => page.cuts;
        const userInfo: AppExportPage['userInfo'] = [];
        const messages: StoredMessage[] = [];
        for (const key of keys) {
          const item = byId.get(itemIdOf(key));
          // The key layout guarantees the app; checked again so a layout bug cannot leak another app's data.
          if (!item || item.app !== app) continue;
          if (item.category === 'userInfo') {
            const profile = toUserInfo(item, now, cutsOf(String(item.account))?.userInfo);
            if (profile) userInfo.push({ ...profile, account: String(item.account) });
          } else if (
            item.category === 'messages' &&
            isServedMessage(item, now, cutsOf(String(item.account))?.messages)
          ) {
            messages.push(toStoredMessage(item));
          }
        }
        const next: Position | undefined = result.LastEvaluatedKey
          ? { shard: position.shard, lastKey: result.LastEvaluatedKey }
          : position.shard + 1 < shards.length
            ? { shard: position.shard + 1 }
            : undefined;
        return { userInfo, messages, nextCursor: next ? encode(app, next) : null };
      } catch (error) {
        if (error instanceof StoreError || error instanceof InvalidCursorError) throw error;
        throw new StoreError('app export read failed', { cause: error });
      }
    },
  };
}
