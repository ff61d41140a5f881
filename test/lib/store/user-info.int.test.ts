import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../../lib/policy/time.js';
import { ownerShard } from '../../../lib/store/keys.js';
import { createUserInfoStore, type UserInfoStore } from '../../../lib/store/user-info.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
let store: UserInfoStore;
// Real time: DynamoDB Local's TTL sweeper deletes items whose expiresAt has passed on the real clock.
const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);

beforeAll(async () => {
  db = await createTestDatabase();
  store = createUserInfoStore({ doc: db.doc, tableName: db.tables.personal });
});

afterAll(async () => {
  await db.drop();
});

describe('user-info store', () => {
  it('writes the pinned item layout', async () => {
    const values = { nickname: 'Carol', avatarUrl: 'https://x/c.png', signature: 'hi' };
    expect(
      await store.put({ app: '1400', account: 'carol', values, setAt: t0, expiresAt: addDays(t0, 7) }),
    ).toBe('stored');
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.tables.personal, Key: { pk: '1400#user#carol', sk: 'userInfo' } }),
    );
    expect(Item).toMatchObject({
      ...values,
      category: 'userInfo',
      app: '1400',
      account: 'carol',
      expiresAt: t0.getTime() / 1000 + 7 * 86_400,
      ownerShard: ownerShard('1400', 'carol'),
      ownerSort: `carol#userInfo#${String(t0.getTime() / 1000).padStart(12, '0')}#1400#user#carol`,
    });
    expect(await store.listForAccount('1400', 'carol', t0)).toEqual([
      { app: '1400', account: 'carol', ...values, updatedAt: t0.toISOString(), expiresAt: Item?.expiresAt },
    ]);
  });

  it('hides each field after its own expiry, and never keeps a field past it (D1)', async () => {
    const t1 = addDays(t0, 5);
    await store.put({
      app: '1401',
      account: 'dan',
      values: { nickname: 'Dan' },
      setAt: t0,
      expiresAt: addDays(t0, 7),
    });
    await store.put({
      app: '1401',
      account: 'dan',
      values: { signature: 'later' },
      setAt: t1,
      expiresAt: addDays(t1, 7),
      now: t1,
    });
    expect(await store.get('1401', 'dan', addDays(t0, 6))).toMatchObject({
      nickname: 'Dan',
      signature: 'later',
    });
    // The item expires with its earliest field: the nickname is not stored a day past its retention.
    const raw = await db.doc.send(
      new GetCommand({ TableName: db.tables.personal, Key: { pk: '1401#user#dan', sk: 'userInfo' } }),
    );
    expect(raw.Item?.expiresAt).toBe(addDays(t0, 7).getTime() / 1000);
    expect(await store.get('1401', 'dan', addDays(t0, 8))).toBeUndefined();
  });

  it('removes fields already past their expiry when a later event writes the item', async () => {
    const later = addDays(t0, 8);
    await store.put({
      app: '1403',
      account: 'fay',
      values: { nickname: 'Fay' },
      setAt: t0,
      expiresAt: addDays(t0, 7),
    });
    await store.put({
      app: '1403',
      account: 'fay',
      values: { avatarUrl: 'https://x/f.png' },
      setAt: later,
      expiresAt: addDays(later, 7),
      now: later,
    });
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.tables.personal, Key: { pk: '1403#user#fay', sk: 'userInfo' } }),
    );
    expect(Item?.nickname).toBeUndefined();
    expect(Item?.nicknameExpiresAt).toBeUndefined();
    expect(Item).toMatchObject({
      avatarUrl: 'https://x/f.png',
      expiresAt: addDays(later, 7).getTime() / 1000,
    });
  });

  it('ignores an event older than the stored one', async () => {
    const later = addDays(t0, 1);
    await store.put({
      app: '1402',
      account: 'eve',
      values: { nickname: 'New' },
      setAt: later,
      expiresAt: addDays(later, 7),
    });
    expect(
      await store.put({
        app: '1402',
        account: 'eve',
        values: { nickname: 'Old' },
        setAt: t0,
        expiresAt: addDays(t0, 7),
      }),
    ).toBe('stale');
    expect((await store.get('1402', 'eve', later))?.nickname).toBe('New');
  });
});
