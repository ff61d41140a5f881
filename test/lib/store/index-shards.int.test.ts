import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../../functions/deletion-worker/run.js';
import { createExpiryDeps } from '../../../functions/expire/deps.js';
import { runExpiry } from '../../../functions/expire/run.js';
import type { IndexShards } from '../../../lib/config.js';
import { addMonths, epochSeconds, monthOf } from '../../../lib/policy/time.js';
import { CATEGORY_TABLES } from '../../../lib/store/expiry-index.js';
import { ownerShardsOfAccount, shardOf, useIndexShards } from '../../../lib/store/keys.js';
import { createPersonalExportStore } from '../../../lib/store/personal-export.js';
import { OWNER_INDEX } from '../../../lib/store/personal-keys.js';
import {
  accountRequest,
  contextWithBudget,
  requestStore,
  workerDeps,
} from '../../functions/deletion-worker/deps.js';
import { readItem, type StoredTestItem, writeItems } from '../../functions/expire/items.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { seedMessages, seedUserInfo, storedFor } from './personal-fixtures.js';

/**
 * A deployment raising its shard counts (EXPIRY_INDEX_SHARDS 8 -> 8,32, OWNER_INDEX_SHARDS 16 -> 16,64)
 * with data already stored: what was written before and after is still found by expire, export and
 * a D3 erasure by owner. Each part also shows what a reader covering only one count would miss.
 */
const BEFORE: IndexShards = { expiry: { write: 8, history: [8] }, owner: { write: 16, history: [16] } };
const RAISED: IndexShards = {
  expiry: { write: 32, history: [8, 32] },
  owner: { write: 64, history: [16, 64] },
};
const ONLY_NEW: IndexShards = { expiry: { write: 32, history: [32] }, owner: { write: 64, history: [64] } };

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());
afterEach(() => useIndexShards(undefined));

describe('raising the shard counts of a deployment with data', () => {
  it('expire deletes every due item, written under 8 expiry shards and under 32', async () => {
    const now = new Date('2025-03-20T12:00:00Z');
    const nowSeconds = epochSeconds(now);
    const due = (app: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        category: (i % 2 ? 'messages' : 'log') as 'messages' | 'log',
        app,
        account: `user${i}`,
        expiresAt: nowSeconds - 3600 - i,
      }));
    const walkFromLastMonth = async () => {
      for (const category of Object.keys(CATEGORY_TABLES))
        await db.doc.send(
          new PutCommand({
            TableName: db.tables.governance,
            Item: { pk: 'checkpoint', sk: `expire#${category}`, month: addMonths(monthOf(nowSeconds), -1) },
          }),
        );
    };
    const left = async (items: readonly StoredTestItem[]) => {
      const found = await Promise.all(items.map((item) => readItem(db.doc, db.tables, item)));
      return items.filter((_, i) => found[i] !== undefined);
    };
    const deps = createExpiryDeps(db.doc, db.tables, { baseDelayMs: 1, maxDelayMs: 5 });
    const run = () => runExpiry(deps, { now, graceSeconds: 0, dryRun: false, shouldStop: () => false });

    useIndexShards(BEFORE);
    const old = await writeItems(db.doc, db.tables, due('1400000101', 40));
    useIndexShards(RAISED);
    const recent = await writeItems(db.doc, db.tables, due('1400000101', 40));
    const bucketShard = (item: StoredTestItem) =>
      shardOf(Object.values(item.key).join('#'), RAISED.expiry.write);
    expect(recent.some((item) => bucketShard(item) >= 8)).toBe(true);

    // A reader that knew only the new count would still reach the old buckets (0-7 of 0-31); one that
    // knew only the old count misses what went to shards 8-31.
    useIndexShards(BEFORE);
    await walkFromLastMonth();
    await run();
    expect(await left(old)).toEqual([]);
    const missed = await left(recent);
    expect(missed.length).toBeGreaterThan(0);
    expect(missed.every((item) => bucketShard(item) >= 8)).toBe(true);

    useIndexShards(RAISED);
    await walkFromLastMonth();
    const report = await run();
    expect(await left(recent)).toEqual([]);
    expect((report.categories.messages?.deleted ?? 0) + (report.categories.log?.deleted ?? 0)).toBe(
      missed.length,
    );
  });

  it('export and a D3 erasure by owner find every item of the account, under 16 owner shards and under 64', async () => {
    const app = '1400000102';
    // An account whose shard under 64 is not its shard under 16 (3 accounts in 4).
    const account = ['ann', 'bea', 'cid', 'dov', 'eve'].find(
      (a) => ownerShardsOfAccount(app, a, RAISED.owner).length === 2,
    ) as string;
    useIndexShards(BEFORE);
    await seedMessages(db.doc, db.tables.personal, { app, account, count: 30, tag: 'old' });
    await seedMessages(db.doc, db.tables.personal, { app, account: 'bystander', count: 10, tag: 'old' });
    await seedUserInfo(db.doc, db.tables.personal, { app, account });
    useIndexShards(RAISED);
    await seedMessages(db.doc, db.tables.personal, { app, account, count: 30, tag: 'new' });
    await seedMessages(db.doc, db.tables.personal, { app, account: 'bystander', count: 10, tag: 'new' });

    // Both of the account's partitions hold some of its items.
    const [oldShard, newShard] = ownerShardsOfAccount(app, account);
    for (const shard of [oldShard, newShard]) {
      const page = await db.doc.send(
        new QueryCommand({
          TableName: db.tables.personal,
          IndexName: OWNER_INDEX,
          KeyConditionExpression: 'ownerShard = :shard',
          ExpressionAttributeValues: { ':shard': shard },
        }),
      );
      expect(page.Items?.some((item) => item.account === account)).toBe(true);
    }
    expect(await storedFor(db.doc, db.tables.personal, app, account)).toEqual({ userInfo: 1, messages: 60 });
    useIndexShards(ONLY_NEW);
    expect((await storedFor(db.doc, db.tables.personal, app, account)).messages).toBe(30);
    useIndexShards(RAISED);

    const exported: string[] = [];
    const store = createPersonalExportStore({ doc: db.doc, tableName: db.tables.personal });
    let cursor: string | undefined;
    do {
      const page = await store.messagesPage(app, account, new Date(), { limit: 7, cursor });
      exported.push(...page.messages.map((m) => String(m.msgKey)));
      cursor = page.nextCursor;
    } while (cursor);
    expect(exported).toHaveLength(60);
    expect(new Set(exported).size).toBe(60);

    const requests = requestStore(db.doc, db.tables.governance);
    const { request } = await requests.create(accountRequest(app, account), new Date());
    const report = await runWorker(
      { app, requestId: request.id },
      contextWithBudget(),
      workerDeps(db.doc, db.tables),
    );
    expect(report.outcomes.completed).toBe(1);
    expect((await requests.get(app, request.id))?.deleted).toEqual({ userInfo: 1, messages: 60 });
    expect(await storedFor(db.doc, db.tables.personal, app, account)).toEqual({ userInfo: 0, messages: 0 });
    expect(await storedFor(db.doc, db.tables.personal, app, 'bystander')).toEqual({
      userInfo: 0,
      messages: 20,
    });
  });
});
