import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../../lib/errors.js';
import { isLiveItem } from '../../../lib/policy/time.js';
import { createDocumentClient, createDynamoClient } from '../../../lib/store/dynamo.js';
import {
  createExpiryIndex,
  createLimiter,
  type DeleteControl,
  heldBucket,
  type IndexEntry,
} from '../../../lib/store/expiry-index.js';
import { must, readItem, writeItems } from '../../functions/expire/items.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());

const NOW = 1_760_000_000; // 2025-10-09
const quickRetry = { baseDelayMs: 1, maxDelayMs: 4 };
const neverStop: DeleteControl = { shouldStop: () => false, limit: createLimiter(4) };

/** A client whose BatchWriteItem calls go through `fault` first: the way faults are injected here. */
function faultyIndex(
  fault: (
    attempt: number,
    input: { RequestItems: Record<string, unknown[]> },
  ) => 'unprocessHalf' | 'throttle' | 'invalid' | 'pass',
) {
  const client = createDynamoClient({ endpoint: db.endpoint, region: 'us-east-1', requestTimeoutMs: 5000 });
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      calls += 1;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const input = args.input as { RequestItems: Record<string, unknown[]> };
        const action = fault(calls, input);
        if (action === 'throttle')
          throw new ProvisionedThroughputExceededException({ message: 'injected', $metadata: {} });
        if (action === 'invalid') throw Object.assign(new Error('injected'), { name: 'ValidationException' });
        if (action === 'unprocessHalf') {
          const [table, requests] = Object.entries(input.RequestItems)[0] as [string, unknown[]];
          const half = Math.ceil(requests.length / 2);
          const result = await next({
            ...args,
            input: { RequestItems: { [table]: requests.slice(0, half) } },
          });
          (result.output as { UnprocessedItems?: unknown }).UnprocessedItems = {
            [table]: requests.slice(half),
          };
          return result;
        }
        return await next(args);
      } finally {
        inFlight -= 1;
      }
    },
    { step: 'initialize', name: 'injectBatchWriteFaults' },
  );
  const index = createExpiryIndex({
    doc: createDocumentClient(client),
    tableName: db.tables.personal,
    table: 'personal',
    retry: quickRetry,
  });
  return { index, stats: () => ({ calls, maxInFlight }), close: () => client.destroy() };
}

async function dueMessages(count: number, app = `app-${Math.random()}`) {
  return writeItems(
    db.doc,
    db.tables,
    Array.from({ length: count }, (_, i) => ({
      category: 'messages' as const,
      app,
      account: `u${i % 5}`,
      expiresAt: NOW - 100 - i,
    })),
  );
}

const present = async (items: Awaited<ReturnType<typeof dueMessages>>) =>
  (await Promise.all(items.map((item) => readItem(db.doc, db.tables, item)))).filter(Boolean).length;

let closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers) close();
  closers = [];
});

describe('deleteKeys', () => {
  it('retries UnprocessedItems with backoff until every key is deleted', async () => {
    const items = await dueMessages(60);
    // Every batch comes back half unprocessed on its first three attempts.
    const f = faultyIndex((call) => (call <= 9 ? 'unprocessHalf' : 'pass'));
    closers.push(f.close);
    const outcome = await f.index.deleteKeys(
      items.map((i) => i.key),
      neverStop,
    );
    expect(outcome).toEqual({ deleted: 60, remaining: [] });
    expect(await present(items)).toBe(0);
    expect(f.stats().calls).toBeGreaterThan(3);
  });

  it('retries ProvisionedThroughputExceededException until done, within the concurrency bound', async () => {
    const items = await dueMessages(130);
    const f = faultyIndex((call) => (call % 2 === 1 ? 'throttle' : 'pass'));
    closers.push(f.close);
    const outcome = await f.index.deleteKeys(
      items.map((i) => i.key),
      { shouldStop: () => false, limit: createLimiter(3) },
    );
    expect(outcome.deleted).toBe(130);
    expect(await present(items)).toBe(0);
    expect(f.stats().calls).toBeGreaterThanOrEqual(12); // 6 batches, about half of the attempts throttled
    expect(f.stats().maxInFlight).toBeLessThanOrEqual(3);
    expect(f.stats().maxInFlight).toBeGreaterThan(1);
  });

  it('stops retrying when told to stop and hands back what is left', async () => {
    const items = await dueMessages(30);
    const f = faultyIndex(() => 'unprocessHalf');
    closers.push(f.close);
    let attempts = 0;
    const outcome = await f.index.deleteKeys(
      items.map((i) => i.key),
      { shouldStop: () => ++attempts > 2, limit: createLimiter(1) },
    );
    expect(outcome.deleted + outcome.remaining.length).toBe(30);
    expect(outcome.remaining.length).toBeGreaterThan(0);
    expect(await present(items)).toBe(outcome.remaining.length);
  });

  it('fails loudly (StoreError) on an error that retrying cannot fix', async () => {
    const items = await dueMessages(3);
    const f = faultyIndex(() => 'invalid');
    closers.push(f.close);
    await expect(
      f.index.deleteKeys(
        items.map((i) => i.key),
        neverStop,
      ),
    ).rejects.toBeInstanceOf(StoreError);
    expect(await present(items)).toBe(3);
  });

  it('counts a key deleted twice (already gone) once, and accepts duplicates', async () => {
    const items = await dueMessages(5);
    const index = createExpiryIndex({ doc: db.doc, tableName: db.tables.personal, table: 'personal' });
    const keys = items.map((i) => i.key);
    expect((await index.deleteKeys([...keys, ...keys], neverStop)).deleted).toBe(5);
    expect(await present(items)).toBe(0);
  });
});

describe('queries on byExpiry', () => {
  it('pages, counts and finds the earliest entry of a bucket, bounded by upTo', async () => {
    const app = 'count-app';
    const items = await writeItems(
      db.doc,
      db.tables,
      Array.from({ length: 40 }, (_, i) => ({ category: 'log' as const, app, expiresAt: NOW + i * 60 })),
    );
    const index = createExpiryIndex({ doc: db.doc, tableName: db.tables.telemetry, table: 'telemetry' });
    const buckets = [...new Set(items.map(() => 'log#2025-10#'))];
    let total = 0;
    let upToNow = 0;
    let earliest = Number.POSITIVE_INFINITY;
    for (let shard = 0; shard < 8; shard += 1) {
      const bucket = `${buckets[0]}${shard}`;
      total += await index.count(bucket);
      upToNow += await index.count(bucket, { upTo: NOW + 600 });
      const first = await index.earliest(bucket, NOW + 600);
      if (first !== undefined) earliest = Math.min(earliest, first);
      const paged = [];
      for await (const page of index.pages(bucket, { pageSize: 3 })) paged.push(...page);
      expect(paged.map((e) => e.expiresAt)).toEqual([...paged.map((e) => e.expiresAt)].sort((a, b) => a - b));
      for (const entry of paged) expect(entry).toMatchObject({ category: 'log', app });
    }
    expect(total).toBe(40);
    expect(upToNow).toBe(11);
    expect(earliest).toBe(NOW);
  });
});

describe('hold and restore', () => {
  it('moves a held item to its held bucket with expiresAt negated (hidden from reads), and back', async () => {
    const [item] = await writeItems(db.doc, db.tables, [
      { category: 'userInfo', app: 'hold#app', account: 'alice', expiresAt: NOW - 10 },
    ]);
    const index = createExpiryIndex({ doc: db.doc, tableName: db.tables.personal, table: 'personal' });
    const entry = await findEntry(index, must(item).key, 'userInfo#2025-10');
    expect(await index.hold(entry)).toBe(true);
    const held = await readItem(db.doc, db.tables, must(item));
    expect(held).toMatchObject({ expiresAt: -(NOW - 10), expiryBucket: heldBucket('userInfo', 'hold#app') });
    expect(held?.expiryBucket).toBe('userInfo#held#hold%23app');
    expect(isLiveItem(held as { expiresAt: number }, new Date(NOW * 1000 - 3_600_000))).toBe(false);
    // A second mover finds the item already changed: nothing happens.
    expect(await index.hold(entry)).toBe(false);

    const [heldEntry] = await collect(index, heldBucket('userInfo', 'hold#app'));
    expect(heldEntry?.expiresAt).toBe(-(NOW - 10));
    expect(await index.restore(must(heldEntry))).toBe(true);
    const restored = await readItem(db.doc, db.tables, must(item));
    expect(restored?.expiresAt).toBe(NOW - 10);
    expect(String(restored?.expiryBucket)).toMatch(/^userInfo#2025-10#[0-7]$/);
    // Everything else on the item is untouched.
    expect(restored).toMatchObject({ account: 'alice', text: 'hello', ownerShard: held?.ownerShard });
  });

  it('never recreates an item that is gone', async () => {
    const [item] = await writeItems(db.doc, db.tables, [
      { category: 'config', app: 'gone', expiresAt: NOW - 5 },
    ]);
    const index = createExpiryIndex({ doc: db.doc, tableName: db.tables.apps, table: 'apps' });
    const entry = await findEntry(index, must(item).key, 'config#2025-10');
    await index.deleteKeys([entry.key], neverStop);
    expect(await index.hold(entry)).toBe(false);
    const { Item } = await db.doc.send(new GetCommand({ TableName: db.tables.apps, Key: must(item).key }));
    expect(Item).toBeUndefined();
  });
});

async function collect(index: ReturnType<typeof createExpiryIndex>, bucket: string) {
  const entries: IndexEntry[] = [];
  for await (const page of index.pages(bucket)) entries.push(...page);
  return entries;
}

async function findEntry(
  index: ReturnType<typeof createExpiryIndex>,
  key: Record<string, string>,
  month: string,
) {
  for (let shard = 0; shard < 8; shard += 1) {
    const found = (await collect(index, `${month}#${shard}`)).find(
      (e) => JSON.stringify(e.key) === JSON.stringify(key),
    );
    if (found) return found;
  }
  throw new Error('entry not on the index');
}
