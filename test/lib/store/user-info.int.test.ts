import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TTL_MARGIN_SECONDS } from '../../../lib/policy/expiry.js';
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
      await store.put({
        app: '1400',
        account: 'carol',
        values,
        setAt: t0,
        expiresAt: addDays(t0, 7),
        now: t0,
      }),
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
      nicknameSetAt: t0.getTime(),
      ttlDeleteAt: t0.getTime() / 1000 + 7 * 86_400 + TTL_MARGIN_SECONDS,
    });
    expect(Item?.ownerSort).toMatch(
      new RegExp(`^carol#userInfo#${String(t0.getTime() / 1000).padStart(12, '0')}#[0-9a-f]{16}$`),
    );
    expect(await store.get('1400', 'carol', t0)).toEqual({
      app: '1400',
      account: 'carol',
      ...values,
      updatedAt: t0.toISOString(),
      expiresAt: Item?.expiresAt,
    });
  });

  it('hides each field after its own expiry, and never keeps a field past it (D1)', async () => {
    const t1 = addDays(t0, 5);
    await store.put({
      app: '1401',
      account: 'dan',
      values: { nickname: 'Dan' },
      setAt: t0,
      expiresAt: addDays(t0, 7),
      now: t0,
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
      now: t0,
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
      now: later,
    });
    expect(
      await store.put({
        app: '1402',
        account: 'eve',
        values: { nickname: 'Old' },
        setAt: t0,
        expiresAt: addDays(t0, 7),
        now: later,
      }),
    ).toBe('stale');
    expect((await store.get('1402', 'eve', later))?.nickname).toBe('New');
  });

  it('keeps every value a held profile write supersedes as a hidden snapshot, out of TTL reach', async () => {
    await store.put({
      app: '1404',
      account: 'gus',
      values: { nickname: 'Held' },
      setAt: t0,
      expiresAt: addDays(t0, 7),
      now: t0,
    });
    const t1 = new Date(t0.getTime() + 60_000);
    await store.put({
      app: '1404',
      account: 'gus',
      values: { nickname: 'New' },
      setAt: t1,
      expiresAt: addDays(t1, 7),
      now: t1,
      held: true,
    });
    expect((await store.get('1404', 'gus', t1))?.nickname).toBe('New');
    const [snapshot] =
      (
        await db.doc.send(
          new QueryCommand({
            TableName: db.tables.personal,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :held)',
            ExpressionAttributeValues: { ':pk': '1404#user#gus', ':held': `userInfo#@held#${t1.getTime()}#` },
          }),
        )
      ).Items ?? [];
    expect(snapshot).toMatchObject({ nickname: 'Held', account: 'gus', expiryBucket: 'userInfo#held#1404' });
    expect(snapshot?.expiresAt).toBeLessThan(0);
    expect(snapshot?.ttlDeleteAt).toBeUndefined();
  });

  it('hides a field a retention cut ended, and shortens the stored expiries to match', async () => {
    await store.put({
      app: '1405',
      account: 'hal',
      values: { nickname: 'Hal' },
      setAt: t0,
      expiresAt: addDays(t0, 30),
      now: t0,
    });
    const cut = { at: new Date(t0.getTime() + 1000).toISOString(), days: 2 };
    expect(await store.get('1405', 'hal', addDays(t0, 1), [cut])).toMatchObject({ nickname: 'Hal' });
    expect(await store.get('1405', 'hal', addDays(t0, 3), [cut])).toBeUndefined();
    expect(await store.shorten({ pk: '1405#user#hal', sk: 'userInfo' }, cut, { park: () => false })).toEqual({
      expiresAt: addDays(t0, 2).getTime() / 1000,
    });
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.tables.personal, Key: { pk: '1405#user#hal', sk: 'userInfo' } }),
    );
    expect(Item).toMatchObject({
      expiresAt: addDays(t0, 2).getTime() / 1000,
      nicknameExpiresAt: addDays(t0, 2).getTime() / 1000,
    });
    expect(await store.shorten({ pk: '1405#user#hal', sk: 'userInfo' }, cut, { park: () => false })).toBe(
      'unchanged',
    );
  });
});
