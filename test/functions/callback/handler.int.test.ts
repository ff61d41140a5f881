import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../../lib/policy/app-config.js';
import { addDays } from '../../../lib/policy/time.js';
import { type AppStore, createAppStore } from '../../../lib/store/apps.js';
import { createLegalHoldStore } from '../../../lib/store/legal-holds.js';
import { messageKey } from '../../../lib/store/personal-keys.js';
import { createUserInfoStore, type UserInfoStore } from '../../../lib/store/user-info.js';
import {
  type CallbackHandler,
  c2cMessage,
  callCallback,
  groupMessage,
  registerCallbackApp,
} from '../../support/callback-client.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { exportedMessages } from '../../support/personal.js';
import { ALL_ELEMENT_TYPES, type CallbackRequest } from '../../support/tencent.js';

let db: TestDatabase;
let handler: CallbackHandler;
let apps: AppStore;
let userInfo: UserInfoStore;

const registerApp = (overrides: Partial<AppConfig> = {}) => registerCallbackApp(apps, overrides);

async function call(request: Omit<CallbackRequest, 'token'> & { token?: string }) {
  return callCallback(handler, request);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

const OK = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' };

beforeAll(async () => {
  db = await createTestDatabase();
  apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
  userInfo = createUserInfoStore({ doc: db.doc, tableName: db.tables.personal });
  ({ handler } = (await import('../../../functions/callback/handler.js')) as unknown as {
    handler: typeof handler;
  });
});

afterAll(async () => {
  await db.drop();
});

describe('authentication failures store nothing', () => {
  it.each([
    ['a missing Sign', { sign: null }, 401],
    ['a wrong Sign', { sign: 'a'.repeat(64) }, 401],
    ['a Sign made with another token', { token: 'another-token-0123456789abcdef' }, 401],
    ['a stale RequestTime', { requestTime: Math.floor(Date.now() / 1000) - 120 }, 401],
  ])('answers %s with FAIL', async (_, overrides, status) => {
    const app = await registerApp();
    const response = await call({
      sdkAppId: app,
      command: 'C2C.CallbackAfterSendMsg',
      body: c2cMessage(),
      ...overrides,
    });
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ ActionStatus: 'FAIL' });
    expect(response.body.ErrorCode).not.toBe(0);
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date())).toEqual([]);
  });

  it('refuses an unknown app', async () => {
    const response = await call({
      sdkAppId: '1999999999',
      command: 'C2C.CallbackAfterSendMsg',
      body: c2cMessage(),
    });
    expect(response.status).toBe(401);
    expect(response.body.ActionStatus).toBe('FAIL');
  });

  it('refuses a terminated app (403) and a purged one (401)', async () => {
    const terminated = await registerApp();
    await apps.terminate(terminated, new Date(), new Date());
    const purged = await registerApp();
    await apps.terminate(purged, addDays(new Date(), -70), new Date());
    for (const [app, status] of [
      [terminated, 403],
      [purged, 401],
    ] as const) {
      const response = await call({ sdkAppId: app, command: 'C2C.CallbackAfterSendMsg', body: c2cMessage() });
      expect(response.status).toBe(status);
      expect(response.body.ActionStatus).toBe('FAIL');
      expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date())).toEqual([]);
    }
  });
});

describe('malformed bodies and unknown commands', () => {
  it.each([
    ['not JSON', '{"From_Account":'],
    ['an empty body', ''],
    ['a missing MsgKey', c2cMessage({ MsgKey: undefined })],
    ['a MsgBody that is not a list', c2cMessage({ MsgBody: 'hello' })],
    ['a text element without Text', c2cMessage({ MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: {} }] })],
    ['a body naming another command', c2cMessage({ CallbackCommand: 'Group.CallbackAfterSendMsg' })],
  ])('answers 400 FAIL for %s and stores nothing', async (_, body) => {
    const app = await registerApp();
    const response = await call({ sdkAppId: app, command: 'C2C.CallbackAfterSendMsg', body });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ ActionStatus: 'FAIL' });
    expect(response.body.ErrorCode).not.toBe(0);
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date())).toEqual([]);
  });

  it('answers an unknown command OK with ErrorCode 0, whatever its body', async () => {
    const app = await registerApp();
    const response = await call({
      sdkAppId: app,
      command: 'Group.CallbackAfterNewMemberJoin',
      body: 'not json',
    });
    expect(response).toEqual({ status: 200, body: OK });
  });

  it('answers State.StateChange OK', async () => {
    const app = await registerApp();
    const body = {
      CallbackCommand: 'State.StateChange',
      EventTime: '1629883332497',
      Info: { Action: 'Login', To_Account: 'alice', Reason: 'Register' },
      KickedDevice: [{ Platform: 'Windows' }],
    };
    expect(await call({ sdkAppId: app, command: 'State.StateChange', body })).toEqual({
      status: 200,
      body: OK,
    });
  });
});

describe('after-send stores messages under D2', () => {
  it('stores a C2C message with every element type as sent, until MsgTime + retention', async () => {
    const app = await registerApp({ privacy: { messages: { mode: 'stored', retentionDays: 3 } } });
    const body = c2cMessage({ MsgBody: ALL_ELEMENT_TYPES, MsgTime: nowSeconds() - 3600 });
    const response = await call({
      sdkAppId: app,
      command: 'C2C.CallbackAfterSendMsg',
      body: JSON.stringify(body),
      contentType: 'text/plain',
    });
    expect(response).toEqual({ status: 200, body: OK });
    const stored = await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date());
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      app,
      account: 'alice',
      kind: 'c2c',
      msgKey: body.MsgKey,
      to: 'bob',
      msgBody: ALL_ELEMENT_TYPES,
      cloudCustomData: 'custom',
      msgTime: new Date((body.MsgTime as number) * 1000).toISOString(),
      expiresAt: (body.MsgTime as number) + 3 * 86_400,
    });
    expect(stored[0]?.sensitive).toBeUndefined();
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'bob', new Date())).toEqual([]);
  });

  it('stores a group message, counting from EventTime (a numeric string) when MsgTime is absent', async () => {
    const app = await registerApp();
    const eventTime = Date.now() - 86_400_000;
    const body = groupMessage({ MsgTime: undefined, EventTime: String(eventTime) });
    expect(await call({ sdkAppId: app, command: 'Group.CallbackAfterSendMsg', body })).toEqual({
      status: 200,
      body: OK,
    });
    const [stored] = await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date());
    expect(stored).toMatchObject({
      kind: 'group',
      groupId: '@TGS#2J4SZEAEL',
      msgSeq: body.MsgSeq,
      groupType: 'Public',
    });
    expect(stored?.expiresAt).toBe(Math.ceil(eventTime / 1000) + 7 * 86_400);
  });

  it('stores a retried callback exactly once', async () => {
    const app = await registerApp();
    const c2c = c2cMessage();
    const group = groupMessage();
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await call({ sdkAppId: app, command: 'C2C.CallbackAfterSendMsg', body: c2c })).body).toEqual(
        OK,
      );
      expect(
        (await call({ sdkAppId: app, command: 'Group.CallbackAfterSendMsg', body: group })).body,
      ).toEqual(OK);
    }
    const stored = await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date());
    expect(stored.map((m) => m.kind).sort()).toEqual(['c2c', 'group']);
  });

  it.each([
    ['the app does not store messages', { privacy: { messages: { mode: 'notStored' as const } } }, 0],
    ['the app lives in another data centre (P1)', { dataCenter: 'ap-singapore' }, 0],
    [
      'the message is older than the retention',
      { privacy: { messages: { mode: 'stored' as const, retentionDays: 1 } } },
      2,
    ],
  ])('stores nothing when %s', async (_, overrides, ageDays) => {
    const app = await registerApp(overrides);
    const time = nowSeconds() - ageDays * 86_400;
    const c2c = c2cMessage({ MsgTime: time });
    const group = groupMessage({ MsgTime: time });
    expect((await call({ sdkAppId: app, command: 'C2C.CallbackAfterSendMsg', body: c2c })).body).toEqual(OK);
    expect((await call({ sdkAppId: app, command: 'Group.CallbackAfterSendMsg', body: group })).body).toEqual(
      OK,
    );
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date())).toEqual([]);
    const raw = await db.doc.send(
      new GetCommand({
        TableName: db.tables.personal,
        Key: messageKey(app, { kind: 'c2c', msgKey: c2c.MsgKey }),
      }),
    );
    expect(raw.Item).toBeUndefined();
  });

  it('clamps a MsgTime in the future to now', async () => {
    const app = await registerApp();
    const before = nowSeconds();
    await call({
      sdkAppId: app,
      command: 'C2C.CallbackAfterSendMsg',
      body: c2cMessage({ MsgTime: before + 30 * 86_400 }),
    });
    const [stored] = await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date());
    expect(stored?.expiresAt).toBeLessThanOrEqual(nowSeconds() + 7 * 86_400 + 1);
  });

  it('flags a sensitive message in flag mode and masks it in mask mode', async () => {
    const text = 'card 4111 1111 1111 1111';
    const flagApp = await registerApp({ privacy: { sensitiveData: 'flag' } });
    const maskApp = await registerApp({ privacy: { sensitiveData: 'mask' } });
    const body = c2cMessage({ MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] });
    await call({ sdkAppId: flagApp, command: 'C2C.CallbackAfterSendMsg', body });
    await call({ sdkAppId: maskApp, command: 'C2C.CallbackAfterSendMsg', body });
    const [flagged] = await exportedMessages(db.doc, db.tables.personal, flagApp, 'alice', new Date());
    expect(flagged?.msgBody[0]?.MsgContent.Text).toBe(text);
    expect(flagged?.sensitive).toEqual({ kinds: ['paymentCard'], handling: 'flagged' });
    const [masked] = await exportedMessages(db.doc, db.tables.personal, maskApp, 'alice', new Date());
    expect(masked?.msgBody[0]?.MsgContent.Text).toBe('card ***************1111');
    expect(masked?.sensitive).toEqual({ kinds: ['paymentCard'], handling: 'masked' });
  });
});

describe('recall deletes the recalled messages', () => {
  it('deletes a recalled C2C message and the recalled group messages only', async () => {
    const app = await registerApp();
    const c2c = c2cMessage();
    const groupA = groupMessage();
    const groupB = groupMessage();
    const groupC = groupMessage();
    for (const body of [groupA, groupB, groupC])
      await call({ sdkAppId: app, command: 'Group.CallbackAfterSendMsg', body });
    await call({ sdkAppId: app, command: 'C2C.CallbackAfterSendMsg', body: c2c });
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date())).toHaveLength(4);

    const c2cRecall = {
      CallbackCommand: 'C2C.CallbackAfterMsgWithDraw',
      From_Account: 'alice',
      To_Account: 'bob',
      MsgKey: c2c.MsgKey,
      UnreadMsgNum: 0,
      EventTime: Date.now(),
    };
    const groupRecall = {
      CallbackCommand: 'Group.CallbackAfterRecallMsg',
      Type: 'Public',
      GroupId: groupA.GroupId,
      Operator_Account: 'admin',
      MsgSeqList: [{ MsgSeq: groupA.MsgSeq }, { MsgSeq: groupC.MsgSeq }, { MsgSeq: 999_999 }],
      EventTime: Date.now(),
    };
    expect(await call({ sdkAppId: app, command: 'C2C.CallbackAfterMsgWithDraw', body: c2cRecall })).toEqual({
      status: 200,
      body: OK,
    });
    expect(await call({ sdkAppId: app, command: 'Group.CallbackAfterRecallMsg', body: groupRecall })).toEqual(
      { status: 200, body: OK },
    );
    const left = await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date());
    expect(left.map((m) => m.msgSeq)).toEqual([groupB.MsgSeq]);
  });

  it('hides a recalled message under a legal hold instead of deleting it', async () => {
    const app = await registerApp();
    const holds = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
    await holds.create({ app, account: 'alice', categories: ['messages'], reason: 'litigation' }, new Date());
    const c2c = c2cMessage();
    await call({ sdkAppId: app, command: 'C2C.CallbackAfterSendMsg', body: c2c });
    const recall = { From_Account: 'alice', To_Account: 'bob', MsgKey: c2c.MsgKey, EventTime: Date.now() };
    expect(
      (await call({ sdkAppId: app, command: 'C2C.CallbackAfterMsgWithDraw', body: recall })).body,
    ).toEqual(OK);
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date())).toEqual([]);
    const raw = await db.doc.send(
      new GetCommand({
        TableName: db.tables.personal,
        Key: messageKey(app, { kind: 'c2c', msgKey: c2c.MsgKey }),
      }),
    );
    expect(raw.Item?.recalledAt).toBeDefined();
    expect(raw.Item?.expiresAt).toBeLessThanOrEqual(nowSeconds());
  });
});

describe('Profile.CallbackPortraitSet stores userInfo under D1', () => {
  const portrait = (
    items: Array<{ Tag: string; Value: unknown }>,
    eventTime: number | string = Date.now(),
  ) => ({
    CallbackCommand: 'Profile.CallbackPortraitSet',
    Operator_Account: 'carol',
    From_Account: 'carol',
    ProfileItem: items,
    EventTime: eventTime,
  });

  it('stores the nickname, avatar and signature, and nothing else of the profile', async () => {
    const app = await registerApp({ privacy: { userInfo: { mode: 'stored', retentionDays: 10 } } });
    const eventTime = Date.now() - 60_000;
    const body = portrait(
      [
        { Tag: 'Tag_Profile_IM_Nick', Value: 'Carol' },
        { Tag: 'Tag_Profile_IM_Image', Value: 'https://example.com/carol.png' },
        { Tag: 'Tag_Profile_IM_SelfSignature', Value: 'hello world' },
        { Tag: 'Tag_Profile_IM_BirthDay', Value: 19900307 },
        { Tag: 'Tag_Profile_IM_Location', Value: 'Shenzhen' },
      ],
      String(eventTime),
    );
    expect(await call({ sdkAppId: app, command: 'Profile.CallbackPortraitSet', body })).toEqual({
      status: 200,
      body: OK,
    });
    const info = await userInfo.get(app, 'carol', new Date());
    expect(info).toEqual({
      app,
      account: 'carol',
      nickname: 'Carol',
      avatarUrl: 'https://example.com/carol.png',
      signature: 'hello world',
      updatedAt: new Date(eventTime).toISOString(),
      expiresAt: Math.ceil(eventTime / 1000) + 10 * 86_400,
    });
  });

  it('keeps older fields when a later event sets one, and ignores a late retry of an older event', async () => {
    const app = await registerApp();
    const first = Date.now() - 120_000;
    const second = Date.now() - 60_000;
    await call({
      sdkAppId: app,
      command: 'Profile.CallbackPortraitSet',
      body: portrait([{ Tag: 'Tag_Profile_IM_Nick', Value: 'Old' }], first),
    });
    await call({
      sdkAppId: app,
      command: 'Profile.CallbackPortraitSet',
      body: portrait([{ Tag: 'Tag_Profile_IM_Image', Value: 'https://x/a.png' }], second),
    });
    await call({
      sdkAppId: app,
      command: 'Profile.CallbackPortraitSet',
      body: portrait([{ Tag: 'Tag_Profile_IM_Nick', Value: 'Stale' }], first - 1),
    });
    expect(await userInfo.get(app, 'carol', new Date())).toMatchObject({
      nickname: 'Old',
      avatarUrl: 'https://x/a.png',
    });
  });

  it.each([
    ['the app does not store userInfo', { privacy: { userInfo: { mode: 'notStored' as const } } }, 0],
    ['the app lives in another data centre', { dataCenter: 'eu-frankfurt' }, 0],
    [
      'the event is older than the retention',
      { privacy: { userInfo: { mode: 'stored' as const, retentionDays: 1 } } },
      2,
    ],
  ])('stores nothing when %s', async (_, overrides, ageDays) => {
    const app = await registerApp(overrides);
    const body = portrait(
      [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Carol' }],
      Date.now() - ageDays * 86_400_000,
    );
    expect(await call({ sdkAppId: app, command: 'Profile.CallbackPortraitSet', body })).toEqual({
      status: 200,
      body: OK,
    });
    expect(await userInfo.get(app, 'carol', new Date())).toBeUndefined();
  });
});

describe('before-send D5 guard', () => {
  const sensitiveText = '我的身份证 11010519491231002X 卡号 6222 0212 3456 7890 128';
  const c2cBefore = () => ({
    CallbackCommand: 'C2C.CallbackBeforeSendMsg',
    From_Account: 'alice',
    To_Account: 'bob',
    MsgSeq: 48374,
    MsgRandom: 2837546,
    MsgTime: nowSeconds(),
    MsgKey: '48374_2837546_1557481126',
    OnlineOnlyFlag: 0,
    MsgBody: [
      { MsgType: 'TIMTextElem', MsgContent: { Text: sensitiveText } },
      { MsgType: 'TIMFaceElem', MsgContent: { Index: 1, Data: 'smile' } },
    ],
    EventTime: String(Date.now()),
  });
  const groupBefore = () => ({
    CallbackCommand: 'Group.CallbackBeforeSendMsg',
    GroupId: '@TGS#2J4SZEAEL',
    Type: 'Public',
    From_Account: 'alice',
    Operator_Account: 'alice',
    Random: 123456,
    OnlineOnlyFlag: 0,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: sensitiveText } }],
    EventTime: Date.now(),
  });
  const commands = [
    ['C2C.CallbackBeforeSendMsg', c2cBefore, 120001],
    ['Group.CallbackBeforeSendMsg', groupBefore, 10100],
  ] as const;

  it.each(commands)('%s passes in off and flag modes', async (command, body) => {
    for (const mode of ['off', 'flag'] as const) {
      const app = await registerApp({ privacy: { sensitiveData: mode } });
      expect(await call({ sdkAppId: app, command, body: body() })).toEqual({ status: 200, body: OK });
    }
  });

  it.each(commands)('%s answers a masked MsgBody in mask mode', async (command, body) => {
    const app = await registerApp({ privacy: { sensitiveData: 'mask' } });
    const response = await call({ sdkAppId: app, command, body: body() });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject(OK);
    const msgBody = response.body.MsgBody as Array<{ MsgType: string; MsgContent: Record<string, unknown> }>;
    expect(msgBody[0]?.MsgContent.Text).toBe('我的身份证 **************002X 卡号 ******************0 128');
    expect(JSON.stringify(msgBody)).not.toMatch(/11010519491231|6222 0212/);
    expect(msgBody.slice(1)).toEqual(body().MsgBody.slice(1));
  });

  it.each(commands)(
    '%s answers without MsgBody in mask mode when nothing is sensitive',
    async (command, body) => {
      const app = await registerApp();
      const harmless = {
        ...body(),
        MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'see you at 10' } }],
      };
      expect(await call({ sdkAppId: app, command, body: harmless })).toEqual({ status: 200, body: OK });
    },
  );

  it.each(commands)('%s refuses in reject mode with code %#', async (command, body, code) => {
    const app = await registerApp({ privacy: { sensitiveData: 'reject' } });
    const response = await call({ sdkAppId: app, command, body: body() });
    expect(response.status).toBe(200);
    expect(response.body.ErrorCode).toBe(code);
    expect(response.body.ActionStatus).toBe('OK');
    expect(response.body.ErrorInfo).toMatch(/resident identity card number.*payment card number/);
    expect(response.body.ErrorInfo).not.toMatch(/\d{4}/);
  });

  it('stores nothing from a before-send callback', async () => {
    const app = await registerApp({ privacy: { sensitiveData: 'flag' } });
    await call({ sdkAppId: app, command: 'C2C.CallbackBeforeSendMsg', body: c2cBefore() });
    expect(await exportedMessages(db.doc, db.tables.personal, app, 'alice', new Date())).toEqual([]);
  });
});
