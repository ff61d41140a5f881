import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import { PERSONAL_CATEGORY_IDS, type PersonalCategoryId } from '../policy/categories.js';
import type { IndexedItem } from '../policy/expiry.js';
import { ownerShardsOfApp } from './keys.js';
import { OWNER_INDEX } from './personal-keys.js';

/**
 * Every `userInfo` and `messages` entry of one app on the owner index (its shards one after another, a
 * page at a time), with what a hold check needs: category, account, expiry. Evidence of end of service
 * reads it only for apps past `purgeAt`, whose data must be gone; its cost follows what is left of them.
 */
export interface AppPersonalEntry extends IndexedItem {
  readonly category: PersonalCategoryId;
}

export interface AppPersonalEntries {
  pages(app: string): AsyncIterable<AppPersonalEntry[]>;
}

export function createAppPersonalEntries(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): AppPersonalEntries {
  const { doc, tableName } = opts;
  return {
    async *pages(app) {
      for (const shard of ownerShardsOfApp(app)) {
        let start: Record<string, unknown> | undefined;
        do {
          let page: QueryCommandOutput;
          try {
            page = await doc.send(
              new QueryCommand({
                TableName: tableName,
                IndexName: OWNER_INDEX,
                KeyConditionExpression: 'ownerShard = :shard',
                ExpressionAttributeValues: { ':shard': shard },
                ExclusiveStartKey: start,
              }),
            );
          } catch (cause) {
            throw new StoreError('owner index read failed', { cause });
          }
          yield (page.Items ?? [])
            .filter(
              (item) =>
                item.app === app && (PERSONAL_CATEGORY_IDS as readonly unknown[]).includes(item.category),
            )
            .map((item) => ({
              category: item.category as PersonalCategoryId,
              app,
              account: String(item.account),
              expiresAt: Number(item.expiresAt),
            }));
          start = page.LastEvaluatedKey;
        } while (start);
      }
    },
  };
}
