import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../../lib/policy/time.js';
import { ownerShard } from '../../../lib/store/keys.js';
import { createMessageStore, type MessageStore, type NewMessage } from '../../../lib/store/messages.js';
import { messageKey } from '../../../lib/store/personal-keys.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
let store: MessageStore;
// Real time: DynamoDB Local's TTL sweeper deletes items whose expiresAt has passed on the real clock.
const now = new Date(Math.floor(Date.now() / 1000) * 1000);

const message = (overrides: Partial<NewMessage> = {}): NewMessage => ({
  app: '1400000001',
  account: 'alice',
  ref: { kind: 'c2c', msgKey: `k_${Math.random()}` },
  to: 'bob',
  msgTime: now,
  msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }],
  expiresAt: addDays(now, 7),
  ...overrides,
});

beforeAll(async () => {
  db = await createTestDatabase();
  store = createMessageStore({ doc: db.doc, tableName: db.tables.personal });
});

afterAll(async () => {
  await db.drop();
});

describe('message store', () => {
  it('writes the pinned item layout once, and reports a retry as a duplicate', async () => {
    const input = message({ app: 'app#1', account: 'al#ice', ref: { kind: 'c2c', msgKey: '1_2_3' } });
    expect(await store.put(input, now)).toBe('stored');
    expect(await store.put({ ...input, msgBody: [] }, now)).toBe('duplicate');
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.tables.personal, Key: { pk: 'app%231#msg#c2c#1_2_3', sk: 'msg' } }),
    );
    const expiresAt = Math.ceil(addDays(now, 7).getTime() / 1000);
    expect(Item).toMatchObject({
      category: 'messages',
      app: 'app#1',
      account: 'al#ice',
      expiresAt,
      ownerShard: ownerShard('app#1', 'al#ice'),
      ownerSort: `al%23ice#messages#${String(now.getTime() / 1000).padStart(12, '0')}#app%231#msg#c2c#1_2_3`,
      msgBody: input.msgBody,
    });
    expect(Item?.expiryBucket).toMatch(
      new RegExp(`^messages#${addDays(now, 7).toISOString().slice(0, 7)}#\\d$`),
    );
  });

  it('keys group messages by GroupId and MsgSeq', () => {
    expect(messageKey('1400', { kind: 'group', groupId: '@TGS#2J4', msgSeq: 7 })).toEqual({
      pk: '1400#msg#group#%40TGS%232J4#7',
      sk: 'msg',
    });
  });

  it('lists exactly the unexpired messages an account sent, oldest first, across batch reads', async () => {
    const app = '1400000002';
    const sent = Array.from({ length: 130 }, (_, i) =>
      message({
        app,
        ref: { kind: 'group', groupId: 'g1', msgSeq: i },
        msgTime: new Date(now.getTime() - i * 1000),
      }),
    );
    const expired = message({ app, expiresAt: addDays(now, -1) });
    const otherAccount = message({ app, account: 'alice#x' });
    const otherApp = message({ app: '1400000003' });
    const all = [...sent, expired, otherAccount, otherApp];
    for (let i = 0; i < all.length; i += 10)
      await Promise.all(all.slice(i, i + 10).map((m) => store.put(m, now)));
    const listed = await store.listForAccount(app, 'alice', now);
    expect(listed).toHaveLength(130);
    expect(listed[0]?.msgSeq).toBe(129);
    expect(listed.at(-1)?.msgSeq).toBe(0);
    expect(new Set(listed.map((m) => m.account))).toEqual(new Set(['alice']));
    expect(await store.listForAccount(app, 'alice', addDays(now, 8))).toEqual([]);
  });

  it('deletes a message once, and hides a message whose expiry moved to now', async () => {
    const app = '1400000004';
    const a = message({ app });
    const b = message({ app });
    await store.put(a, now);
    await store.put(b, now);
    expect(await store.delete(app, a.ref)).toBe(true);
    expect(await store.delete(app, a.ref)).toBe(false);
    expect(await store.senderOf(app, b.ref)).toBe('alice');
    expect(await store.expireAt(app, b.ref, now)).toBe(true);
    expect(await store.get(app, b.ref, now)).toBeUndefined();
    expect(await store.listForAccount(app, 'alice', now)).toEqual([]);
    expect(await store.senderOf(app, b.ref)).toBe('alice');
    expect(await store.expireAt(app, a.ref, now)).toBe(false);
  });
});
