import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, createDynamoClient } from '../../../lib/store/dynamo.js';
import { ownerShard, ownerShardsOfApp } from '../../../lib/store/keys.js';
import { createPersonalErasureStore, erasureSteps } from '../../../lib/store/personal-erasure.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { seedMessages, seedUserInfo, storedFor } from './personal-fixtures.js';

type BatchInput = { RequestItems: Record<string, unknown[]> };
type BatchOutput = { response: unknown; output: { UnprocessedItems?: Record<string, unknown[]> } };

/** A client on which DynamoDB "throttles" the first `times` BatchWriteItem calls: half their items come back unprocessed. */
function throttlingDoc(endpoint: string, times: number) {
  const client = createDynamoClient({ endpoint, region: 'us-east-1', requestTimeoutMs: 5000 });
  const calls: number[] = [];
  client.middlewareStack.add(
    (next, context) =>
      async (args): Promise<never> => {
        if (context.commandName !== 'BatchWriteItemCommand') return next(args) as never;
        const input = args.input as BatchInput;
        const [table, requests] = Object.entries(input.RequestItems)[0] as [string, unknown[]];
        calls.push(requests.length);
        if (calls.length > times) return next(args) as never;
        const half = Math.floor(requests.length / 2);
        if (half === 0) return { response: {}, output: { UnprocessedItems: { [table]: requests } } } as never;
        const result = (await next({
          ...args,
          input: { ...input, RequestItems: { [table]: requests.slice(0, half) } },
        })) as BatchOutput;
        result.output.UnprocessedItems = { [table]: requests.slice(half) };
        return result as never;
      },
    { step: 'initialize', name: 'throttle' },
  );
  return { doc: createDocumentClient(client), calls, destroy: () => client.destroy() };
}

describe('personal erasure store', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("walks one account category by category on its own shard, or the app's 16 shards for every account", () => {
    expect(erasureSteps('1400000001', { kind: 'account', account: 'a#b' }, ['userInfo', 'messages'])).toEqual(
      [
        {
          ownerShard: ownerShard('1400000001', 'a#b'),
          sortPrefix: 'a%23b#userInfo#',
          categories: ['userInfo'],
        },
        {
          ownerShard: ownerShard('1400000001', 'a#b'),
          sortPrefix: 'a%23b#messages#',
          categories: ['messages'],
        },
      ],
    );
    const all = erasureSteps('1400000001', { kind: 'allAccounts' }, ['messages']);
    expect(all.map((step) => ('ownerShard' in step ? step.ownerShard : undefined))).toEqual(
      ownerShardsOfApp('1400000001'),
    );
    expect(all.every((step) => !('sortPrefix' in step) || step.sortPrefix === undefined)).toBe(true);
  });

  it('reads a page of the owner index with the projected attributes it decides on', async () => {
    await seedMessages(db.doc, db.tables.personal, { app: '1400000002', account: 'kim', count: 7 });
    await seedUserInfo(db.doc, db.tables.personal, { app: '1400000002', account: 'kim' });
    const store = createPersonalErasureStore({ doc: db.doc, tableName: db.tables.personal });
    const [userInfoStep, messagesStep] = erasureSteps('1400000002', { kind: 'account', account: 'kim' }, [
      'userInfo',
      'messages',
    ]);

    const first = await store.readPage(messagesStep as never, undefined, 5);
    const rest = await store.readPage(messagesStep as never, first.lastKey, 5);
    const profile = await store.readPage(userInfoStep as never, undefined, 5);

    expect(first.items).toHaveLength(5);
    expect(rest.items).toHaveLength(2);
    expect(first.items[0]).toMatchObject({ app: '1400000002', account: 'kim', category: 'messages' });
    expect(profile.items.map((item) => item.category)).toEqual(['userInfo']);
  });

  it('deletes in batches of 25 and retries UnprocessedItems until every item is gone', async () => {
    await seedMessages(db.doc, db.tables.personal, { app: '1400000003', account: 'lee', count: 60 });
    const throttled = throttlingDoc(db.endpoint, 4);
    const store = createPersonalErasureStore({
      doc: throttled.doc,
      tableName: db.tables.personal,
      sleep: async () => undefined,
    });
    const steps = erasureSteps('1400000003', { kind: 'account', account: 'lee' }, ['messages']);
    const page = await createPersonalErasureStore({ doc: db.doc, tableName: db.tables.personal }).readPage(
      steps[0] as never,
      undefined,
      100,
    );

    await store.apply({ deletes: page.items.map(({ pk, sk }) => ({ pk, sk })), tombstones: [] }, new Date());
    throttled.destroy();

    expect(Math.max(...throttled.calls)).toBe(25);
    expect(throttled.calls.length).toBeGreaterThan(3); // 3 batches plus the retries of what came back
    expect(await storedFor(db.doc, db.tables.personal, '1400000003', 'lee')).toEqual({
      userInfo: 0,
      messages: 0,
    });
  });

  it('gives up (StoreError) when DynamoDB keeps leaving items unprocessed', async () => {
    await seedMessages(db.doc, db.tables.personal, { app: '1400000004', account: 'max', count: 4 });
    const throttled = throttlingDoc(db.endpoint, Number.POSITIVE_INFINITY);
    const store = createPersonalErasureStore({
      doc: throttled.doc,
      tableName: db.tables.personal,
      retry: { maxAttempts: 3 },
      sleep: async () => undefined,
    });
    const steps = erasureSteps('1400000004', { kind: 'account', account: 'max' }, ['messages']);
    const page = await createPersonalErasureStore({ doc: db.doc, tableName: db.tables.personal }).readPage(
      steps[0] as never,
      undefined,
      10,
    );

    await expect(
      store.apply({ deletes: page.items.map(({ pk, sk }) => ({ pk, sk })), tombstones: [] }, new Date()),
    ).rejects.toThrow(/unprocessed after 3 attempts/);
    throttled.destroy();
  });
});
