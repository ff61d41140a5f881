import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TTL_MARGIN_SECONDS } from '../../../lib/policy/expiry.js';
import { addDays, epochSeconds } from '../../../lib/policy/time.js';
import { ownerShard } from '../../../lib/store/keys.js';
import { createMessageStore, type MessageStore, type NewMessage } from '../../../lib/store/messages.js';
import { messageKey } from '../../../lib/store/personal-keys.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { exportedMessages } from '../../support/personal.js';

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

const raw = async (app: string, ref: NewMessage['ref']) =>
  (await db.doc.send(new GetCommand({ TableName: db.tables.personal, Key: messageKey(app, ref) }))).Item;

beforeAll(async () => {
  db = await createTestDatabase();
  store = createMessageStore({ doc: db.doc, tableName: db.tables.personal });
});

afterAll(async () => {
  await db.drop();
});

describe('message store', () => {
  it('writes the pinned item layout once, with TTL a fixed margin behind the expiry, and reports a retry as a duplicate', async () => {
    const input = message({ app: 'app#1', account: 'al#ice', ref: { kind: 'c2c', msgKey: '1_2_3' } });
    expect(await store.put(input, now)).toBe('stored');
    expect(await store.put({ ...input, msgBody: [] }, now)).toBe('duplicate');
    const Item = await raw('app#1', input.ref);
    const expiresAt = Math.ceil(addDays(now, 7).getTime() / 1000);
    const keyHash = createHash('sha256').update('app%231#msg#c2c#1_2_3#msg').digest('hex').slice(0, 16);
    expect(Item).toMatchObject({
      pk: 'app%231#msg#c2c#1_2_3',
      sk: 'msg',
      category: 'messages',
      app: 'app#1',
      account: 'al#ice',
      expiresAt,
      ttlDeleteAt: expiresAt + TTL_MARGIN_SECONDS,
      ownerShard: ownerShard('app#1', 'al#ice'),
      ownerSort: `al%23ice#messages#${String(now.getTime() / 1000).padStart(12, '0')}#${keyHash}`,
      msgBody: input.msgBody,
    });
    expect(Item?.expiryBucket).toMatch(
      new RegExp(`^messages#${addDays(now, 7).toISOString().slice(0, 7)}#\\d$`),
    );
  });

  it('keeps a group in one partition, its topics and sequence numbers apart', () => {
    expect(messageKey('1400', { kind: 'group', groupId: '@TGS#2J4', msgSeq: 7 })).toEqual({
      pk: '1400#msg#group#%40TGS%232J4',
      sk: 'msg##7',
    });
    expect(
      messageKey('1400', { kind: 'group', groupId: '@TGS#2J4', topicId: '@TOPIC#a', msgSeq: 7 }),
    ).toEqual({
      pk: '1400#msg#group#%40TGS%232J4',
      sk: 'msg#%40TOPIC%23a#7',
    });
  });

  it('stores the same MsgSeq in two topics of one community as two messages', async () => {
    const app = '1400000005';
    const a = message({ app, ref: { kind: 'group', groupId: 'c1', topicId: 't1', msgSeq: 1 } });
    const b = message({ app, ref: { kind: 'group', groupId: 'c1', topicId: 't2', msgSeq: 1 } });
    expect(await store.put(a, now)).toBe('stored');
    expect(await store.put(b, now)).toBe('stored');
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', now)).toHaveLength(2);
  });

  it('exports exactly the unexpired messages an account sent, oldest first, across pages', async () => {
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
    const listed = await exportedMessages(db.doc, db.tables.personal, app, 'alice', now);
    expect(listed).toHaveLength(130);
    expect(listed[0]?.msgSeq).toBe(129);
    expect(listed.at(-1)?.msgSeq).toBe(0);
    expect(new Set(listed.map((m) => m.account))).toEqual(new Set(['alice']));
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', addDays(now, 8))).toEqual([]);
  });

  it('turns a recalled message into a content-free tombstone keeping its expiry, which refuses a replay', async () => {
    const app = '1400000004';
    const a = message({ app });
    await store.put(a, now);
    const state = await store.peek(app, a.ref);
    expect(state).toMatchObject({ tombstone: false, account: 'alice' });
    const expiresAt = state?.expiresAt as number;
    expect(
      await store.tombstone(app, a.ref, { expiresAt, seen: expiresAt, reason: 'recalled', at: now }),
    ).toBe(true);
    const item = await raw(app, a.ref);
    expect(item).toMatchObject({ category: 'tombstone', tombstone: 'recalled', expiresAt });
    for (const field of ['account', 'msgBody', 'ownerShard', 'ownerSort', 'msgTime', 'to'])
      expect(item?.[field]).toBeUndefined();
    expect(await store.put(a, now)).toBe('duplicate');
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', now)).toEqual([]);
    // Stale: the item changed since it was read.
    expect(
      await store.tombstone(app, a.ref, { expiresAt, seen: expiresAt - 1, reason: 'recalled', at: now }),
    ).toBe(false);
  });

  it('leaves a tombstone for a message recalled before it was ever stored', async () => {
    const app = '1400000006';
    const later = message({ app });
    const expiresAt = epochSeconds(addDays(now, 7));
    expect(
      await store.tombstone(app, later.ref, { expiresAt, seen: undefined, reason: 'recalled', at: now }),
    ).toBe(true);
    expect(await store.put(later, now)).toBe('duplicate');
  });

  it('parks a held recalled message out of reads and out of TTL reach, content kept', async () => {
    const app = '1400000007';
    const a = message({ app });
    await store.put(a, now);
    const seen = (await store.peek(app, a.ref))?.expiresAt as number;
    expect(await store.holdRecalled(app, a.ref, { at: now, seen })).toBe(true);
    const item = await raw(app, a.ref);
    expect(item?.expiresAt).toBe(-epochSeconds(now));
    expect(item?.ttlDeleteAt).toBeUndefined();
    expect(item?.expiryBucket).toBe(`messages#held#${app}`);
    expect(item?.msgBody).toEqual(a.msgBody);
    expect(await store.put(a, now)).toBe('duplicate');
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', now)).toEqual([]);
  });

  it('edits a live message in place, keeping its expiry, and refuses to edit what is not stored', async () => {
    const app = '1400000008';
    const a = message({ app });
    await store.put(a, now);
    const edited = { msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'edited' } }] };
    expect(await store.edit(app, a.ref, edited, { now, held: false })).toBe('edited');
    const [stored] = await exportedMessages(db.doc, db.tables.personal, app, 'alice', now);
    expect(stored?.msgBody).toEqual(edited.msgBody);
    expect(stored?.expiresAt).toBe(Math.ceil(addDays(now, 7).getTime() / 1000));
    expect(await store.edit(app, message({ app }).ref, edited, { now, held: false })).toBe('notStored');
    expect(await store.edit(app, a.ref, edited, { now: addDays(now, 8), held: false })).toBe('notStored');
    // A cut that ended the message (notStored since a moment after it) hides it from edits too.
    const cut = { at: new Date(now.getTime() + 1000).toISOString(), days: 0 };
    expect(await store.edit(app, a.ref, edited, { now, cuts: [cut], held: false })).toBe('notStored');
  });

  it('keeps the superseded content of a held message as a hidden snapshot when it is edited', async () => {
    const app = '1400000009';
    const a = message({ app });
    await store.put(a, now);
    const edited = { msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'rewritten' } }] };
    expect(await store.edit(app, a.ref, edited, { now, held: true })).toBe('edited');
    const [served] = await exportedMessages(db.doc, db.tables.personal, app, 'alice', now);
    expect(served?.msgBody).toEqual(edited.msgBody);
    const key = messageKey(app, a.ref);
    const [snapshot] =
      (
        await db.doc.send(
          new QueryCommand({
            TableName: db.tables.personal,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :held)',
            ExpressionAttributeValues: { ':pk': key.pk, ':held': `${key.sk}#@held#${now.getTime()}#` },
          }),
        )
      ).Items ?? [];
    expect(snapshot).toMatchObject({
      msgBody: a.msgBody,
      account: 'alice',
      expiryBucket: `messages#held#${app}`,
    });
    expect(snapshot?.expiresAt).toBeLessThan(0);
    expect(snapshot?.ttlDeleteAt).toBeUndefined();
  });
});
