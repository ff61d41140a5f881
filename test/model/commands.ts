import fc from 'fast-check';
import { expect } from 'vitest';
import { type SignedReceipt, verifyReceipt } from '../../lib/evidence/receipt-signature.js';
import { SETTLE_MARGIN_MS } from '../../lib/http/settle.js';
import {
  ACCOUNTS,
  type Account,
  APP_NAMES,
  type AppName,
  afterSend,
  beforeSendAnswer,
  type Category,
  callbackStatus,
  changeSettings,
  consentId,
  covering,
  edit,
  fileRequest,
  GROUP,
  grantConsent,
  isPurged,
  type Model,
  type ModelApp,
  messageText,
  placeHold,
  portraitSet,
  purgeApp,
  recall,
  releaseHold,
  reregister,
  runExpire,
  runWorker,
  type SentMessage,
  type Setting,
  TOPICS,
  withdrawConsent,
} from './model.js';
import { ADMIN, CACHE_SECONDS, SECRET_KEY, type System } from './system.js';
import { verify } from './verify.js';

/**
 * The operations of the model-based test, each driven through the real handlers and applied to the
 * model. A command that changes state in force for callbacks (settings, termination, holds) probes the
 * callback path right before and right after it, so a cache serving the state before the change shows.
 */
export interface World {
  model: Model;
  sys: System;
  ids: Record<AppName, string>;
  /** fast-check's clock is the model's: every command sets it before it acts. */
  setClock(seconds: number): void;
  /** How often each command ran, for the run's summary. */
  stats: Map<string, number>;
}

type Command = fc.AsyncCommand<Model, World>;

abstract class Base implements Command {
  abstract check(model: Readonly<Model>): boolean;
  abstract act(world: World): Promise<void>;
  abstract toString(): string;
  async run(_model: Model, world: World): Promise<void> {
    world.setClock(world.model.now);
    world.stats.set(this.constructor.name, (world.stats.get(this.constructor.name) ?? 0) + 1);
    await this.act(world);
    await verify(world);
  }
}

const isLive = (model: Readonly<Model>, app: AppName) => model.apps[app].status === 'active';
const text = (content: Record<string, unknown> | undefined) =>
  (content?.MsgBody as Array<{ MsgContent?: { Text?: string } }> | undefined)?.[0]?.MsgContent?.Text;

export function appConfig(app: ModelApp) {
  return {
    appName: 'model app',
    secretKey: SECRET_KEY,
    adminAccount: ADMIN,
    callback: {
      enabled: true,
      url: 'https://im.example.com/cb',
      token: 'callback-token-for-tests-0123456789',
    },
    dataCenter: 'local',
    privacy: {
      messages: { mode: app.messages.mode, retentionDays: app.messages.days },
      userInfo: { mode: app.userInfo.mode, retentionDays: app.userInfo.days },
      sensitiveData: app.sensitiveData,
      consent: app.consent,
      publishDisclosure: true,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Messages

function sendBody(message: SentMessage, now: number): { command: string; body: Record<string, unknown> } {
  const MsgBody = [{ MsgType: 'TIMTextElem', MsgContent: { Text: message.text } }];
  if (message.kind === 'c2c') {
    return {
      command: 'C2C.CallbackAfterSendMsg',
      body: {
        From_Account: message.sender,
        To_Account: message.sender === 'alice' ? 'bob' : 'alice',
        MsgSeq: message.msgSeq,
        MsgRandom: 7,
        MsgTime: message.msgTime,
        MsgKey: message.msgKey,
        MsgBody,
        SendMsgResult: message.delivered ? 0 : 20_006,
        UnreadMsgNum: message.delivered ? 1 : -1,
        EventTime: now * 1000,
      },
    };
  }
  return {
    command: 'Group.CallbackAfterSendMsg',
    body: {
      GroupId: GROUP,
      Type: message.topicId ? 'Community' : 'Public',
      From_Account: message.sender,
      MsgSeq: message.msgSeq,
      MsgTime: message.msgTime,
      Random: 7,
      ...(message.topicId ? { TopicId: message.topicId } : {}),
      MsgBody,
      SendMsgResult: message.delivered ? 0 : 10_007,
      EventTime: String(now * 1000),
    },
  };
}

function newMessage(
  model: Model,
  spec: {
    app: AppName;
    kind: 'c2c' | 'group';
    sender: Account;
    topic: number;
    sensitive: boolean;
    age: number;
    delivered: boolean;
  },
): SentMessage {
  model.seq += 1;
  const topicId = spec.kind === 'group' ? TOPICS[spec.topic % TOPICS.length] : undefined;
  // Group messages count per topic, so two topics reuse sequence numbers (the collision Tencent allows).
  const msgSeq =
    spec.kind === 'group'
      ? model.sent.filter((m) => m.app === spec.app && m.kind === 'group' && m.topicId === topicId).length + 1
      : model.seq;
  const msgTime = model.now - spec.age;
  return {
    id: `m${model.seq}`,
    app: spec.app,
    kind: spec.kind,
    sender: spec.sender,
    msgTime,
    text: messageText(model.seq, spec.sensitive),
    sentAt: model.now,
    topicId,
    msgSeq,
    msgKey: `${msgSeq}_7_${msgTime}`,
    delivered: spec.delivered,
  };
}

async function send(world: World, message: SentMessage): Promise<void> {
  const { command, body } = sendBody(message, world.model.now);
  const answer = await world.sys.callback(world.ids[message.app], command, body);
  expect(answer.status, `${command} answer`).toBe(callbackStatus(world.model, message.app));
  afterSend(world.model, message);
}

export class Send extends Base {
  constructor(readonly spec: Parameters<typeof newMessage>[1]) {
    super();
  }
  check = () => true;
  async act(world: World) {
    const message = newMessage(world.model, this.spec);
    world.model.sent.push(message);
    await send(world, message);
  }
  toString = () => `Send(${JSON.stringify(this.spec)})`;
}

/** A retried or replayed after-send: Tencent retries, and a signed URL can be replayed for 60 s. */
export class Replay extends Base {
  constructor(readonly index: number) {
    super();
  }
  private pick(model: Readonly<Model>) {
    const recent = model.sent.filter((m) => model.now - m.sentAt <= 50);
    return recent[this.index % Math.max(1, recent.length)];
  }
  check = (model: Readonly<Model>) => this.pick(model) !== undefined;
  async act(world: World) {
    await send(world, this.pick(world.model) as SentMessage);
  }
  toString = () => `Replay(${this.index})`;
}

function recallBody(message: SentMessage): { command: string; body: Record<string, unknown> } {
  return message.kind === 'c2c'
    ? {
        command: 'C2C.CallbackAfterMsgWithDraw',
        body: { From_Account: message.sender, To_Account: 'bob', MsgKey: message.msgKey, UnreadMsgNum: 0 },
      }
    : {
        command: 'Group.CallbackAfterRecallMsg',
        body: {
          GroupId: GROUP,
          Type: 'Public',
          Operator_Account: message.sender,
          MsgSeqList: [{ MsgSeq: message.msgSeq }],
          ...(message.topicId ? { TopicId: message.topicId } : {}),
        },
      };
}

async function recallIt(world: World, message: SentMessage) {
  const { command, body } = recallBody(message);
  const answer = await world.sys.callback(world.ids[message.app], command, {
    ...body,
    EventTime: world.model.now * 1000,
  });
  expect(answer.status, `${command} answer`).toBe(callbackStatus(world.model, message.app));
  recall(world.model, message);
}

export class Recall extends Base {
  constructor(readonly index: number) {
    super();
  }
  check = (model: Readonly<Model>) => model.sent.length > 0;
  async act(world: World) {
    await recallIt(world, world.model.sent[this.index % world.model.sent.length] as SentMessage);
  }
  toString = () => `Recall(${this.index})`;
}

/** The recall arrives before its message's after-send (callbacks are not ordered). */
export class RecallBeforeSend extends Base {
  constructor(readonly spec: Parameters<typeof newMessage>[1]) {
    super();
  }
  check = () => true;
  async act(world: World) {
    const message = newMessage(world.model, this.spec);
    world.model.sent.push(message);
    await recallIt(world, message);
    await send(world, message);
  }
  toString = () => `RecallBeforeSend(${JSON.stringify(this.spec)})`;
}

export class Edit extends Base {
  constructor(
    readonly index: number,
    readonly sensitive: boolean,
  ) {
    super();
  }
  check = (model: Readonly<Model>) => model.sent.length > 0;
  async act(world: World) {
    const message = world.model.sent[this.index % world.model.sent.length] as SentMessage;
    const newText = `${messageText(world.model.seq + 1000, this.sensitive)} edited`;
    const MsgBody = [{ MsgType: 'TIMTextElem', MsgContent: { Text: newText } }];
    const { command, body } =
      message.kind === 'c2c'
        ? {
            command: 'C2C.CallbackAfterModifyMsg',
            body: {
              From_Account: message.sender,
              To_Account: 'bob',
              MsgKey: message.msgKey,
              MsgSeq: message.msgSeq,
              MsgTime: message.msgTime,
              MsgBody,
            },
          }
        : {
            command: 'Group.CallbackAfterModifyMsg',
            body: {
              GroupId: GROUP,
              From_Account: message.sender,
              MsgSeq: message.msgSeq,
              ...(message.topicId ? { TopicId: message.topicId } : {}),
              MsgBody,
            },
          };
    const answer = await world.sys.callback(world.ids[message.app], command, {
      ...body,
      EventTime: world.model.now * 1000,
    });
    expect(answer.status).toBe(callbackStatus(world.model, message.app));
    edit(world.model, message, newText);
  }
  toString = () => `Edit(${this.index}, ${this.sensitive})`;
}

export class GroupDestroyed extends Base {
  constructor(readonly app: AppName) {
    super();
  }
  check = () => true;
  async act(world: World) {
    const answer = await world.sys.callback(world.ids[this.app], 'Group.CallbackAfterGroupDestroyed', {
      GroupId: GROUP,
      Type: 'Public',
      Owner_Account: 'alice',
      EventTime: world.model.now * 1000,
    });
    expect(answer.status).toBe(callbackStatus(world.model, this.app));
    if (isLive(world.model, this.app)) {
      fileRequest(world.model, {
        app: this.app,
        subject: { kind: 'group' },
        categories: ['messages'],
        visible: false,
      });
      runWorker(world.model);
    }
    await world.sys.drainWorker();
  }
  toString = () => `GroupDestroyed(${this.app})`;
}

// ---------------------------------------------------------------------------------------------------
// Profiles and before-send

async function profile(
  world: World,
  app: AppName,
  account: Account,
  values: { nickname?: string; signature?: string },
) {
  const ProfileItem = [
    ...(values.nickname !== undefined ? [{ Tag: 'Tag_Profile_IM_Nick', Value: values.nickname }] : []),
    ...(values.signature !== undefined
      ? [{ Tag: 'Tag_Profile_IM_SelfSignature', Value: values.signature }]
      : []),
  ];
  const answer = await world.sys.callback(world.ids[app], 'Profile.CallbackPortraitSet', {
    From_Account: account,
    ProfileItem,
    EventTime: world.model.now * 1000,
  });
  expect(answer.status).toBe(callbackStatus(world.model, app));
  portraitSet(world.model, app, account, values);
}

export class Profile extends Base {
  constructor(
    readonly app: AppName,
    readonly account: Account,
    readonly fields: 'nickname' | 'signature' | 'both',
  ) {
    super();
  }
  check = () => true;
  async act(world: World) {
    world.model.seq += 1;
    const n = world.model.seq;
    await profile(world, this.app, this.account, {
      ...(this.fields !== 'signature' ? { nickname: `nick ${n}` } : {}),
      ...(this.fields !== 'nickname' ? { signature: messageText(n, n % 3 === 0) } : {}),
    });
  }
  toString = () => `Profile(${this.app}, ${this.account}, ${this.fields})`;
}

async function beforeSend(world: World, app: AppName, sensitive: boolean) {
  const messageTextValue = messageText(world.model.seq, sensitive);
  const answer = await world.sys.callback(world.ids[app], 'C2C.CallbackBeforeSendMsg', {
    From_Account: 'alice',
    To_Account: 'bob',
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: messageTextValue } }],
  });
  if (!isLive(world.model, app)) {
    expect(answer.status).toBe(callbackStatus(world.model, app));
    return;
  }
  const expected = beforeSendAnswer(world.model, app, messageTextValue);
  expect(answer.body.ErrorCode, 'before-send ErrorCode').toBe(expected.errorCode);
  expect(text(answer.body), 'before-send replacement').toBe(expected.text);
}

export class BeforeSend extends Base {
  constructor(
    readonly app: AppName,
    readonly sensitive: boolean,
  ) {
    super();
  }
  check = () => true;
  act = (world: World) => beforeSend(world, this.app, this.sensitive);
  toString = () => `BeforeSend(${this.app}, ${this.sensitive})`;
}

// ---------------------------------------------------------------------------------------------------
// Settings and lifecycle

export class ChangePrivacy extends Base {
  constructor(
    readonly app: AppName,
    readonly change: Partial<Pick<ModelApp, 'messages' | 'userInfo' | 'sensitiveData' | 'consent'>>,
    readonly viaPut: boolean,
  ) {
    super();
  }
  check = (model: Readonly<Model>) => isLive(model, this.app) && Object.keys(this.change).length > 0;
  async act(world: World) {
    // Warm the callback's cache, change, and probe at once: the answer must already be in force.
    await beforeSend(world, this.app, true);
    const id = world.ids[this.app];
    if (this.viaPut) {
      const next = { ...world.model.apps[this.app], ...this.change };
      expect(
        (await world.sys.operator('PUT', '/apps/{sdkAppId}', { sdkAppId: id }, appConfig(next))).status,
      ).toBe(200);
    } else {
      const body = {
        ...(this.change.messages
          ? { messages: { mode: this.change.messages.mode, retentionDays: this.change.messages.days } }
          : {}),
        ...(this.change.userInfo
          ? { userInfo: { mode: this.change.userInfo.mode, retentionDays: this.change.userInfo.days } }
          : {}),
        ...(this.change.sensitiveData ? { sensitiveData: this.change.sensitiveData } : {}),
        ...(this.change.consent ? { consent: this.change.consent } : {}),
      };
      expect(
        (await world.sys.admin('PATCH', '/apps/{sdkAppId}/privacy', { sdkAppId: id }, body)).status,
      ).toBe(200);
    }
    changeSettings(world.model, this.app, this.change, 2 * CACHE_SECONDS + SETTLE_MARGIN_MS / 1000);
    await beforeSend(world, this.app, true);
    const probe = newMessage(world.model, {
      app: this.app,
      kind: 'c2c',
      sender: 'carol',
      topic: 0,
      sensitive: true,
      age: 0,
      delivered: true,
    });
    world.model.sent.push(probe);
    await send(world, probe);
  }
  toString = () =>
    `ChangePrivacy(${this.app}, ${JSON.stringify(this.change)}, ${this.viaPut ? 'PUT' : 'PATCH'})`;
}

export class Terminate extends Base {
  constructor(readonly app: AppName) {
    super();
  }
  check = (model: Readonly<Model>) => isLive(model, this.app);
  async act(world: World) {
    await beforeSend(world, this.app, false);
    expect(
      (await world.sys.operator('POST', '/apps/{sdkAppId}/termination', { sdkAppId: world.ids[this.app] }))
        .status,
    ).toBe(200);
    world.model.apps[this.app].status = 'terminated';
    world.model.apps[this.app].terminatedAt = world.model.now;
    const probe = newMessage(world.model, {
      app: this.app,
      kind: 'c2c',
      sender: 'alice',
      topic: 0,
      sensitive: false,
      age: 0,
      delivered: true,
    });
    world.model.sent.push(probe);
    await send(world, probe);
  }
  toString = () => `Terminate(${this.app})`;
}

export class Reactivate extends Base {
  constructor(readonly app: AppName) {
    super();
  }
  check = (model: Readonly<Model>) => !isLive(model, this.app) && !isPurged(model, this.app);
  async act(world: World) {
    await beforeSend(world, this.app, false);
    expect(
      (await world.sys.operator('DELETE', '/apps/{sdkAppId}/termination', { sdkAppId: world.ids[this.app] }))
        .status,
    ).toBe(200);
    world.model.apps[this.app].status = 'active';
    delete world.model.apps[this.app].terminatedAt;
    await beforeSend(world, this.app, false);
  }
  toString = () => `Reactivate(${this.app})`;
}

/**
 * Termination back-dated past the two months, then the purge run (the end of service): everything of
 * the app's end users goes but what a hold covers, then the configuration.
 */
export class TerminateAndPurge extends Base {
  constructor(readonly app: AppName) {
    super();
  }
  check = (model: Readonly<Model>) => isLive(model, this.app);
  async act(world: World) {
    const { model } = world;
    const terminatedAt = model.now - 62 * 86_400;
    const answer = await world.sys.operator(
      'POST',
      '/apps/{sdkAppId}/termination',
      { sdkAppId: world.ids[this.app] },
      { terminatedAt: new Date(terminatedAt * 1000).toISOString() },
    );
    expect(answer.status).toBe(200);
    model.apps[this.app].status = 'terminated';
    model.apps[this.app].terminatedAt = terminatedAt;
    const report = await world.sys.runPurge();
    expect(report.purged, 'purge report').toContain(world.ids[this.app]);
    purgeApp(model, this.app);
    expect(isPurged(model, this.app)).toBe(true);
    // The purge's signed receipt: of this purge (its time), verifiable, naming no account.
    const receipt = await world.sys.operator('GET', '/apps/{sdkAppId}/purge-receipt', {
      sdkAppId: world.ids[this.app],
    });
    expect(receipt.status, 'purge receipt').toBe(200);
    expect(verifyReceipt(receipt.body as unknown as SignedReceipt<unknown>)).toMatchObject({ valid: true });
    expect(receipt.body.body).toMatchObject({
      type: 'purgeReceipt',
      sdkAppId: world.ids[this.app],
      purgedAt: new Date(model.now * 1000).toISOString(),
    });
    expect(JSON.stringify(receipt.body)).not.toMatch(/"(alice|bob|carol)"/);
  }
  toString = () => `TerminateAndPurge(${this.app})`;
}

/** `PUT` of a purged SdkAppid: a new registration that must see nothing of the old one. */
export class Reregister extends Base {
  constructor(readonly app: AppName) {
    super();
  }
  check = (model: Readonly<Model>) => isPurged(model, this.app);
  async act(world: World) {
    const answer = await world.sys.operator(
      'PUT',
      '/apps/{sdkAppId}',
      { sdkAppId: world.ids[this.app] },
      appConfig(world.model.apps[this.app]),
    );
    expect(answer.status).toBe(200);
    reregister(world.model, this.app);
  }
  toString = () => `Reregister(${this.app})`;
}

// ---------------------------------------------------------------------------------------------------
// Holds and deletion

export class PlaceHold extends Base {
  constructor(
    readonly app: AppName,
    readonly account: Account | undefined,
    readonly categories: Category[],
  ) {
    super();
  }
  check = (model: Readonly<Model>) => !isPurged(model, this.app);
  async act(world: World) {
    const target = this.account ?? 'alice';
    // Warm the callback's view of the app's holds, place the hold, and write the held profile at once.
    await profile(world, this.app, target, { nickname: `before hold ${world.model.seq}` });
    const answer = await world.sys.operator(
      'POST',
      '/apps/{sdkAppId}/legal-holds',
      { sdkAppId: world.ids[this.app] },
      {
        ...(this.account ? { account: this.account } : {}),
        categories: this.categories,
        reason: 'model test',
      },
    );
    expect(answer.status).toBe(201);
    placeHold(world.model, {
      id: String(answer.body.id),
      app: this.app,
      ...(this.account ? { account: this.account } : {}),
      categories: this.categories,
      active: true,
    });
    await profile(world, this.app, target, { nickname: `after hold ${world.model.seq}` });
  }
  toString = () => `PlaceHold(${this.app}, ${this.account ?? '*'}, ${this.categories.join('+')})`;
}

export class ReleaseHold extends Base {
  constructor(readonly index: number) {
    super();
  }
  private pick = (model: Readonly<Model>) => {
    const active = model.holds.filter((hold) => hold.active);
    return active[this.index % Math.max(1, active.length)];
  };
  check = (model: Readonly<Model>) => this.pick(model) !== undefined;
  async act(world: World) {
    const hold = this.pick(world.model);
    if (!hold) return;
    const answer = await world.sys.operator('DELETE', '/apps/{sdkAppId}/legal-holds/{id}', {
      sdkAppId: world.ids[hold.app],
      id: hold.id,
    });
    expect(answer.status).toBe(200);
    releaseHold(world.model, hold.id);
    runWorker(world.model);
    await world.sys.drainWorker();
  }
  toString = () => `ReleaseHold(${this.index})`;
}

export class RequestDeletion extends Base {
  constructor(
    readonly app: AppName,
    readonly account: Account | undefined,
    readonly categories: Category[] | undefined,
  ) {
    super();
  }
  check = (model: Readonly<Model>) => !isPurged(model, this.app);
  async act(world: World) {
    const answer = await world.sys.admin(
      'POST',
      '/apps/{sdkAppId}/deletion-requests',
      { sdkAppId: world.ids[this.app] },
      {
        ...(this.account ? { account: this.account } : { allAccounts: true }),
        ...(this.categories ? { categories: this.categories } : {}),
      },
    );
    expect(answer.status).toBe(202);
    const request = fileRequest(world.model, {
      app: this.app,
      subject: this.account ? { kind: 'account', account: this.account } : { kind: 'allAccounts' },
      categories: this.categories ?? ['userInfo', 'messages'],
      visible: true,
    });
    if (request.realId) expect(answer.body.id, 'a request for an open subject joins it').toBe(request.realId);
    request.realId = String(answer.body.id);
    runWorker(world.model);
    await world.sys.drainWorker();
  }
  toString = () =>
    `RequestDeletion(${this.app}, ${this.account ?? 'allAccounts'}, ${this.categories?.join('+') ?? 'both'})`;
}

// ---------------------------------------------------------------------------------------------------
// Consent (D6 with D4)

const consentRoute = '/apps/{sdkAppId}/users/{account}/consent';

/** The D3 request a withdrawal files (joining the account's open one), run to its end on both sides. */
async function fileConsentErasure(
  world: World,
  app: AppName,
  account: Account,
  categories: Category[],
  deletionRequestId: unknown,
): Promise<void> {
  const request = fileRequest(world.model, {
    app,
    subject: { kind: 'account', account },
    categories,
    visible: true,
  });
  if (request.realId) expect(deletionRequestId, 'a withdrawal joins the open request').toBe(request.realId);
  request.realId = String(deletionRequestId);
  runWorker(world.model);
  await world.sys.drainWorker();
}

/**
 * A grant through `PUT …/consent`: in force for the very next callback (probed right after). A `minor`
 * grant is for a 14-year-old in DE without parental consent: refused (422) and nothing changes.
 */
export class GrantConsent extends Base {
  constructor(
    readonly app: AppName,
    readonly account: Account,
    readonly categories: Category[],
    readonly minor: boolean,
  ) {
    super();
  }
  check = () => true;
  async act(world: World) {
    const answer = await world.sys.admin(
      'PUT',
      consentRoute,
      { sdkAppId: world.ids[this.app], account: this.account },
      { categories: this.categories, jurisdiction: 'DE', age: this.minor ? 14 : 30 },
    );
    const expected = isPurged(world.model, this.app)
      ? 401
      : !isLive(world.model, this.app)
        ? 409
        : this.minor
          ? 422
          : 200;
    expect(answer.status, 'PUT consent').toBe(expected);
    if (expected !== 200) return;
    const dropped = grantConsent(world.model, this.app, this.account, this.categories);
    if (dropped.length > 0) {
      // A narrower grant withdraws what it leaves out: a D3 request erases those categories.
      await fileConsentErasure(world, this.app, this.account, dropped, answer.body.deletionRequestId);
    } else {
      expect(answer.body.deletionRequestId, 'a grant withdrawing nothing files nothing').toBeUndefined();
    }
    // In force at the answer: the next callback of the account is stored (or not) accordingly.
    const probe = newMessage(world.model, {
      app: this.app,
      kind: 'c2c',
      sender: this.account,
      topic: 0,
      sensitive: false,
      age: 0,
      delivered: true,
    });
    world.model.sent.push(probe);
    await send(world, probe);
  }
  toString = () =>
    `GrantConsent(${this.app}, ${this.account}, ${this.categories.join('+')}${this.minor ? ', minor' : ''})`;
}

/** A withdrawal through `DELETE …/consent`: storage stops at the answer, and a D3 request erases the account. */
export class WithdrawConsent extends Base {
  constructor(
    readonly app: AppName,
    readonly account: Account,
  ) {
    super();
  }
  check = () => true;
  async act(world: World) {
    const answer = await world.sys.admin('DELETE', consentRoute, {
      sdkAppId: world.ids[this.app],
      account: this.account,
    });
    const known = world.model.consents.has(consentId(this.app, this.account));
    const expected = isPurged(world.model, this.app) ? 401 : known ? 200 : 404;
    expect(answer.status, 'DELETE consent').toBe(expected);
    if (expected !== 200) return;
    withdrawConsent(world.model, this.app, this.account);
    await fileConsentErasure(
      world,
      this.app,
      this.account,
      ['userInfo', 'messages'],
      answer.body.deletionRequestId,
    );
    const probe = newMessage(world.model, {
      app: this.app,
      kind: 'group',
      sender: this.account,
      topic: 0,
      sensitive: false,
      age: 0,
      delivered: true,
    });
    world.model.sent.push(probe);
    await send(world, probe);
  }
  toString = () => `WithdrawConsent(${this.app}, ${this.account})`;
}

// ---------------------------------------------------------------------------------------------------
// Time

export class AdvanceClock extends Base {
  constructor(readonly seconds: number) {
    super();
  }
  check = () => true;
  async act(world: World) {
    world.model.now += this.seconds;
    world.setClock(world.model.now);
  }
  toString = () => `AdvanceClock(${this.seconds})`;
}

export class RunExpire extends Base {
  check = () => true;
  async act(world: World) {
    const report = await world.sys.runExpire();
    expect(report.stoppedEarly).toBe(false);
    runExpire(world.model);
    await expectConformance(world);
    await expectHistoryOf(world, report);
  }
  toString = () => 'RunExpire';
}

/**
 * GET /conformance right after an expire run, as an auditor reads it: it counts exactly what the model
 * says is stored; nothing of a personal category is overdue (past its expiry with no hold covering it)
 * but what is left of an app past its purgeAt whose purge has not run (end of service: overdue from
 * purgeAt on, unless a hold covers it).
 */
async function expectConformance(world: World): Promise<void> {
  const { model } = world;
  const answer = await world.sys.operator('GET', '/conformance', {});
  expect(answer.status, 'GET /conformance').toBe(200);
  const reported = answer.body.categories as Record<Category, { stored: number; overdue: number }>;
  const purgeNotRun = (app: AppName) => {
    const { purgedAt, terminatedAt } = model.apps[app];
    return (
      isPurged(model, app) &&
      !(purgedAt !== undefined && terminatedAt !== undefined && purgedAt >= terminatedAt)
    );
  };
  for (const category of ['messages', 'userInfo'] as const) {
    const items = [...model.items.values()].filter(
      (item) => item.category === category && item.kind !== 'tombstone',
    );
    const leftovers = items.filter(
      (item) =>
        purgeNotRun(item.app) && covering(model, item).length === 0 && Math.abs(item.expiresAt) > model.now,
    );
    expect(reported[category], `conformance of ${category} after expire`).toMatchObject({
      stored: items.length,
      overdue: leftovers.length,
    });
  }
  // D6 evidence: withdrawn records are on the expiry index (years from expiring); an app whose purge has
  // not run has every one of its records left over.
  const consents = [...model.consents.entries()];
  expect(
    (answer.body.categories as Record<string, unknown>).consent,
    'conformance of consent records after expire',
  ).toMatchObject({
    stored: consents.filter(([, record]) => record.active === null).length,
    overdue: consents.filter(([id]) => purgeNotRun(id.split('/')[0] as AppName)).length,
  });
}

/** The run's evidence is in GET /conformance/history, with the counts the run reported, and no account. */
async function expectHistoryOf(world: World, report: Record<string, unknown>): Promise<void> {
  const startedAt = String(report.startedAt);
  const answer = await world.sys.operator('GET', '/conformance/history', {}, undefined, {
    from: startedAt,
    to: startedAt,
  });
  expect(answer.status, 'GET /conformance/history').toBe(200);
  const runs = answer.body.runs as Array<{
    run: string;
    startedAt: string;
    categories: Record<string, unknown>;
  }>;
  // The model's clock stands still between steps: several runs may share a start time, in any order.
  const candidates = runs.filter((r) => r.run === 'expire' && r.startedAt === startedAt);
  const reported = report.categories as Record<string, { deleted: number; due: number }>;
  const counts = (categories: Record<string, unknown> | undefined) =>
    (['messages', 'userInfo'] as const).map((category) => {
      const c = (categories?.[category] ?? {}) as { deleted?: number; due?: number };
      return [c.deleted, c.due];
    });
  expect(
    candidates.map((r) => counts(r.categories)),
    'this run in GET /conformance/history',
  ).toContainEqual(counts(reported));
  expect(JSON.stringify(runs)).not.toMatch(/"(alice|bob|carol)"/);
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries

const app = fc.constantFrom<AppName>(...APP_NAMES);
const account = fc.constantFrom<Account>(...ACCOUNTS);
const setting: fc.Arbitrary<Setting> = fc.record({
  mode: fc.constantFrom('stored' as const, 'stored' as const, 'notStored' as const),
  days: fc.constantFrom(1, 2, 7, 30),
});
const categories = fc.constantFrom<Category[]>(['messages'], ['userInfo'], ['userInfo', 'messages']);
const messageSpec = fc.record({
  app,
  kind: fc.constantFrom('c2c' as const, 'group' as const),
  sender: account,
  topic: fc.nat(1),
  sensitive: fc.boolean(),
  age: fc.constantFrom(0, 0, 3600, 86_400 - 60, 3 * 86_400),
  delivered: fc.constantFrom(true, true, true, false),
});

export const COMMANDS: Array<fc.Arbitrary<Command>> = [
  messageSpec.map((spec) => new Send(spec)),
  messageSpec.map((spec) => new Send(spec)),
  fc.nat(20).map((index) => new Replay(index)),
  fc.nat(20).map((index) => new Recall(index)),
  messageSpec.map((spec) => new RecallBeforeSend(spec)),
  fc.tuple(fc.nat(20), fc.boolean()).map(([index, sensitive]) => new Edit(index, sensitive)),
  fc
    .tuple(app, account, fc.constantFrom('nickname' as const, 'signature' as const, 'both' as const))
    .map(([a, who, fields]) => new Profile(a, who, fields)),
  app.map((a) => new GroupDestroyed(a)),
  fc.tuple(app, fc.boolean()).map(([a, sensitive]) => new BeforeSend(a, sensitive)),
  fc
    .tuple(
      app,
      fc.record(
        {
          messages: setting,
          userInfo: setting,
          sensitiveData: fc.constantFrom('off' as const, 'flag' as const, 'mask' as const, 'reject' as const),
          consent: fc.constantFrom('notRequired' as const, 'required' as const),
        },
        { requiredKeys: [] },
      ),
      fc.boolean(),
    )
    .map(([a, change, viaPut]) => new ChangePrivacy(a, change, viaPut)),
  app.map((a) => new Terminate(a)),
  app.map((a) => new Reactivate(a)),
  app.map((a) => new TerminateAndPurge(a)),
  app.map((a) => new Reregister(a)),
  fc
    .tuple(app, fc.option(account, { nil: undefined }), categories)
    .map(([a, who, cats]) => new PlaceHold(a, who, cats)),
  fc.nat(5).map((index) => new ReleaseHold(index)),
  fc
    .tuple(app, fc.option(account, { nil: undefined }), fc.option(categories, { nil: undefined }))
    .map(([a, who, cats]) => new RequestDeletion(a, who, cats)),
  fc
    .tuple(app, account, categories, fc.constantFrom(false, false, false, true))
    .map(([a, who, cats, minor]) => new GrantConsent(a, who, cats, minor)),
  fc.tuple(app, account).map(([a, who]) => new WithdrawConsent(a, who)),
  fc.constantFrom(10, 600, 3600, 6 * 3600, 86_400, 3 * 86_400).map((seconds) => new AdvanceClock(seconds)),
  fc.constant(new RunExpire()),
];
