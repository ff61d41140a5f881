import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppStore, createAppStore } from '../../../lib/store/apps.js';
import {
  type CallbackHandler,
  c2cMessage,
  callCallback,
  groupMessage,
  registerCallbackApp,
} from '../../support/callback-client.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';
import { exportedMessages } from '../../support/personal.js';

/**
 * docs/tencent-im.md and "accepted means processable" (docs/api.md, "Answers and errors"), each through
 * the real callback handler on DynamoDB Local: topics, undelivered sends, edits, destroyed groups,
 * merged-forward messages, retried sends after a recall, and bounded identifiers and times.
 */
let db: TestDatabase;
let handler: CallbackHandler;
let worker: (event: unknown, context: Context) => Promise<unknown>;
let apps: AppStore;

const OK = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' };
const CARD = 'card 4111 1111 1111 1111';

beforeAll(async () => {
  db = await createTestDatabase();
  apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
  handler = (await import('../../../functions/callback/handler.js')).handler as unknown as CallbackHandler;
  worker = (await import('../../../functions/deletion-worker/handler.js')).handler as never;
});
afterAll(async () => {
  await db?.drop();
});

const send = (sdkAppId: string, body: { CallbackCommand: string } & Record<string, unknown>) =>
  callCallback(handler, { sdkAppId, command: body.CallbackCommand, body });
const exported = (app: string, account = 'alice') =>
  exportedMessages(db.doc, db.tables.personal, app, account);
const texts = async (app: string) => (await exported(app)).map((m) => m.msgBody[0]?.MsgContent.Text);

describe('community topics', () => {
  it('keeps two topics’ messages with the same GroupId and MsgSeq apart, and a topic recall removes only its own', async () => {
    const app = await registerCallbackApp(apps);
    const inTopic = (topic: string, text: string) =>
      groupMessage({
        GroupId: '@TGS#_community',
        TopicId: `@TGS#_community@TOPIC#_${topic}`,
        MsgSeq: 42,
        MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
      });
    expect((await send(app, inTopic('a', 'in topic a'))).body).toEqual(OK);
    expect((await send(app, inTopic('b', 'in topic b'))).body).toEqual(OK);
    expect((await texts(app)).sort()).toEqual(['in topic a', 'in topic b']);

    const recall = {
      CallbackCommand: 'Group.CallbackAfterRecallMsg',
      Type: 'Community',
      GroupId: '@TGS#_community',
      TopicId: '@TGS#_community@TOPIC#_a',
      Operator_Account: 'alice',
      MsgSeqList: [{ MsgSeq: 42 }],
      EventTime: Date.now(),
    };
    expect((await send(app, recall)).body).toEqual(OK);
    expect(await texts(app)).toEqual(['in topic b']);
  });
});

describe('undelivered and retried sends', () => {
  it('answers OK and stores nothing for an after-send that was not delivered (SendMsgResult ≠ 0)', async () => {
    const app = await registerCallbackApp(apps);
    const failed = c2cMessage({ SendMsgResult: 20006, ErrorInfo: 'blocked', UnreadMsgNum: -1 });
    expect((await send(app, failed)).body).toEqual(OK);
    expect(await exported(app)).toEqual([]);
  });

  it('stores nothing from a retried after-send of a recalled message', async () => {
    const app = await registerCallbackApp(apps);
    const message = c2cMessage();
    await send(app, message);
    const recall = {
      CallbackCommand: 'C2C.CallbackAfterMsgWithDraw',
      From_Account: 'alice',
      To_Account: 'bob',
      MsgKey: message.MsgKey,
      EventTime: Date.now(),
    };
    expect((await send(app, recall)).body).toEqual(OK);
    expect((await send(app, message)).body).toEqual(OK);
    expect(await exported(app)).toEqual([]);
  });
});

describe('edits (C2C.CallbackAfterModifyMsg, Group.CallbackAfterModifyMsg)', () => {
  const edit = (message: ReturnType<typeof c2cMessage>, text: string) => ({
    ...message,
    CallbackCommand: 'C2C.CallbackAfterModifyMsg',
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
    EventTime: Date.now(),
  });

  it('replaces the stored content, keeps the expiry, and masks at rest in mask mode', async () => {
    const app = await registerCallbackApp(apps, { privacy: { sensitiveData: 'mask' } });
    const message = c2cMessage();
    await send(app, message);
    const [before] = await exported(app);
    expect((await send(app, edit(message, `edited ${CARD}`))).body).toEqual(OK);
    const [after] = await exported(app);
    expect(after?.msgBody[0]?.MsgContent.Text).toBe('edited card ***************1111');
    expect(after?.sensitive).toEqual({ kinds: ['paymentCard'], handling: 'masked' });
    expect(after?.expiresAt).toBe(before?.expiresAt);
    expect(after?.editedAt).toBeDefined();
    expect(JSON.stringify(await exported(app))).not.toContain('hi bob');
  });

  it('stores nothing for an edit of a message that is not stored, or was recalled', async () => {
    const app = await registerCallbackApp(apps);
    expect((await send(app, edit(c2cMessage(), 'never sent'))).body).toEqual(OK);
    const recalled = c2cMessage();
    await send(app, recalled);
    await send(app, {
      CallbackCommand: 'C2C.CallbackAfterMsgWithDraw',
      From_Account: 'alice',
      To_Account: 'bob',
      MsgKey: recalled.MsgKey,
      EventTime: Date.now(),
    });
    expect((await send(app, edit(recalled, 'edited after recall'))).body).toEqual(OK);
    expect(await exported(app)).toEqual([]);
  });

  it('replaces a group message’s content', async () => {
    const app = await registerCallbackApp(apps);
    const message = groupMessage();
    await send(app, message);
    const groupEdit = {
      ...message,
      CallbackCommand: 'Group.CallbackAfterModifyMsg',
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'group edited' } }],
    };
    expect((await send(app, groupEdit)).body).toEqual(OK);
    expect(await texts(app)).toEqual(['group edited']);
  });
});

describe('Group.CallbackAfterGroupDestroyed', () => {
  it('erases the group’s stored messages and no other group’s', async () => {
    const app = await registerCallbackApp(apps);
    await send(app, groupMessage({ GroupId: '@TGS#destroyed' }));
    await send(app, groupMessage({ GroupId: '@TGS#destroyed' }));
    await send(app, groupMessage({ GroupId: '@TGS#kept' }));
    const destroyed = {
      CallbackCommand: 'Group.CallbackAfterGroupDestroyed',
      GroupId: '@TGS#destroyed',
      Type: 'Public',
      Owner_Account: 'alice',
      EventTime: Date.now(),
    };
    expect((await send(app, destroyed)).body).toEqual(OK);
    await worker({}, lambdaContext({ getRemainingTimeInMillis: () => 60_000 }));
    expect((await exported(app)).map((m) => m.groupId)).toEqual(['@TGS#kept']);
  });
});

describe('merged-forward messages (TIMRelayElem) under the D5 guard', () => {
  const relay = (text: string) => ({
    MsgType: 'TIMRelayElem',
    MsgContent: {
      Title: 'Chat history',
      MsgNum: 1,
      CompatibleText: 'merged messages',
      AbstractList: [`carol: ${text}`],
      MsgList: [
        {
          From_Account: 'carol',
          GroupId: '',
          MsgSeq: 1,
          MsgRandom: 2,
          MsgTimeStamp: Math.floor(Date.now() / 1000),
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
        },
      ],
    },
  });

  it('rejects a before-send whose merged-forward content is sensitive, in reject mode', async () => {
    const app = await registerCallbackApp(apps, { privacy: { sensitiveData: 'reject' } });
    const beforeSend = {
      CallbackCommand: 'C2C.CallbackBeforeSendMsg',
      From_Account: 'alice',
      To_Account: 'bob',
      MsgBody: [relay(CARD)],
    };
    expect((await send(app, beforeSend)).body).toMatchObject({ ErrorCode: 120001 });
  });

  it('masks sensitive text nested in the abstract and in the nested messages at rest, in mask mode', async () => {
    const app = await registerCallbackApp(apps, { privacy: { sensitiveData: 'mask' } });
    await send(app, c2cMessage({ MsgBody: [relay(CARD)] }));
    const [stored] = await exported(app);
    expect(JSON.stringify(stored?.msgBody)).not.toContain('4111 1111 1111 1111');
    expect(stored?.sensitive).toEqual({ kinds: ['paymentCard'], handling: 'masked' });
  });
});

describe('accepted means processable', () => {
  it.each([
    ['an over-long SdkAppid', '1'.repeat(40)],
    ['an SdkAppid past DynamoDB’s key size', '1'.repeat(3000)],
    ['a non-ASCII SdkAppid', '١٤٠٠'],
    ['a malformed SdkAppid', '14000abc'],
    ['an empty SdkAppid', ''],
  ])('answers %s with 401, never a callback error', async (_, sdkAppId) => {
    const answer = await callCallback(handler, {
      sdkAppId,
      command: 'C2C.CallbackAfterSendMsg',
      body: c2cMessage(),
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ ActionStatus: 'FAIL' });
    expect(answer.body.ErrorCode).not.toBe(1);
  });

  it.each([
    ['a MsgTime of 1e20', { MsgTime: 1e20 }],
    ['an EventTime of 1e20', { EventTime: 1e20 }],
    ['a MsgSeq past 32 bits', { MsgSeq: 2 ** 32 }],
    ['a negative MsgRandom', { MsgRandom: -1 }],
    ['an account over 128 UTF-8 bytes', { From_Account: '\u4e2d'.repeat(200) }],
  ])('answers %s with 400, never a callback error, and stores nothing', async (_, overrides) => {
    const app = await registerCallbackApp(apps);
    const answer = await send(app, c2cMessage(overrides));
    expect(answer.status).toBe(400);
    expect(answer.body.ErrorCode).not.toBe(1);
    expect(await exported(app)).toEqual([]);
  });

  it('stores messages with the largest unsigned 32-bit MsgSeq and MsgRandom', async () => {
    const app = await registerCallbackApp(apps);
    const largest = 2 ** 32 - 1;
    expect((await send(app, c2cMessage({ MsgSeq: largest, MsgRandom: largest }))).body).toEqual(OK);
    expect((await send(app, groupMessage({ MsgSeq: largest }))).body).toEqual(OK);
    const stored = await exported(app);
    expect(stored.map((m) => m.msgRandom ?? null)).toContain(largest);
    expect(stored.map((m) => m.msgSeq ?? null)).toContain(largest);
  });
});
