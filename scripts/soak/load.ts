import { randomUUID } from 'node:crypto';
import { resolvePrivacySettings } from '../../lib/policy/privacy-settings.js';
import { decidePersonalStorage } from '../../lib/policy/retention.js';
import { textBody } from '../tencent-client.js';
import { ACCOUNTS, type SoakApp } from './apps.js';
import { type Stats, sendCallback } from './client.js';
import type { Ledger, SentMessage } from './ledger.js';

/**
 * The callback mix: new C2C and group messages (some sent twice at once), before-send checks (some with
 * sensitive data), profile changes, re-deliveries of an already acknowledged MsgKey, recalls, replays of
 * recalled messages, and commands the service only logs. Every outcome lands in the ledger.
 */
const DAY_MS = 86_400_000;
/** A write held up by a hung connection may land this long after its caller gave up. */
export const ZOMBIE_WRITE_MS = 5000;

const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)] as T;
const SENSITIVE_SAMPLES = ['my id 11010519491231002X', 'card 4111 1111 1111 1111', 'nothing to see'];

export interface LoadContext {
  readonly httpUrl: string;
  readonly stats: Stats;
  readonly ledger: Ledger;
  readonly apps: readonly SoakApp[];
}

let sequence = 0;
const groupSeqs = new Map<string, number>();

function newMessage(context: LoadContext, kind: 'c2c' | 'group'): SentMessage {
  const app = pick(context.apps);
  const account = pick(ACCOUNTS);
  const now = Date.now();
  const n = ++sequence;
  // Short-lived app: a third of its messages were sent about a day ago, so they expire during the run.
  const sentAtMs =
    app.shortLived && Math.random() < 0.33
      ? now - DAY_MS + 15_000 + Math.floor(Math.random() * 150_000)
      : now;
  const msgTime = Math.floor(sentAtMs / 1000);
  const msgId = `soak-${n}-${randomUUID().slice(0, 8)}`;
  // The setting the soak last asked for (a change may still be on its way: verify.ts judges by the times).
  const asked = context.ledger.lastAskedChange(app.sdkAppId);
  const privacy = asked ? { ...app.config.privacy, ...asked.privacy } : app.config.privacy;
  const decision = decidePersonalStorage(
    'messages',
    resolvePrivacySettings(privacy),
    new Date(msgTime * 1000),
    new Date(now),
  );
  const expiresAtMs = decision.store ? decision.expiresAt.getTime() : undefined;
  const text = `message ${n} from ${account}: ${Math.random() < 0.1 ? pick(SENSITIVE_SAMPLES) : 'hello'}`;
  if (kind === 'c2c') {
    const msgKey = `${n}_${Math.floor(Math.random() * 2 ** 31)}_${msgTime}`;
    return {
      app: app.sdkAppId,
      account,
      ref: { kind: 'c2c', msgKey },
      msgId,
      command: 'C2C.CallbackAfterSendMsg',
      expiresAtMs,
      deliveries: 0,
      body: {
        CallbackCommand: 'C2C.CallbackAfterSendMsg',
        From_Account: account,
        To_Account: pick(ACCOUNTS),
        MsgSeq: n,
        MsgRandom: Math.floor(Math.random() * 2 ** 31),
        MsgTime: msgTime,
        MsgKey: msgKey,
        MsgId: msgId,
        OnlineOnlyFlag: 0,
        SendMsgResult: 0,
        ErrorInfo: 'send msg succeed',
        MsgBody: textBody(text),
        CloudCustomData: '',
        EventTime: now,
      },
    };
  }
  const groupId = `@TGS#2soak${Math.floor(Math.random() * 20)}`;
  const msgSeq = (groupSeqs.get(`${app.sdkAppId}/${groupId}`) ?? 0) + 1;
  groupSeqs.set(`${app.sdkAppId}/${groupId}`, msgSeq);
  return {
    app: app.sdkAppId,
    account,
    ref: { kind: 'group', groupId, msgSeq },
    msgId,
    command: 'Group.CallbackAfterSendMsg',
    expiresAtMs,
    deliveries: 0,
    body: {
      CallbackCommand: 'Group.CallbackAfterSendMsg',
      GroupId: groupId,
      Type: 'Public',
      From_Account: account,
      Operator_Account: account,
      Random: Math.floor(Math.random() * 2 ** 31),
      MsgSeq: msgSeq,
      MsgTime: msgTime,
      MsgId: msgId,
      OnlineOnlyFlag: 0,
      MsgBody: textBody(text),
      CloudCustomData: '',
      EventTime: now,
    },
  };
}

const appOf = (context: LoadContext, sdkAppId: string) =>
  context.apps.find((app) => app.sdkAppId === sdkAppId) as SoakApp;

async function deliver(context: LoadContext, message: SentMessage): Promise<void> {
  message.deliveries += 1;
  const outcome = await sendCallback(
    context.httpUrl,
    context.stats,
    appOf(context, message.app),
    message.command,
    message.body,
    {
      onAttempt: (at) => {
        message.firstAttemptAt ??= at;
        message.lastAttemptAt = Math.max(message.lastAttemptAt ?? 0, at);
      },
    },
  );
  if (outcome.ok && outcome.ackedAt) message.lastAckAt = Math.max(message.lastAckAt ?? 0, outcome.ackedAt);
}

async function sendNewMessage(context: LoadContext, kind: 'c2c' | 'group'): Promise<number> {
  const message = newMessage(context, kind);
  context.ledger.messages.push(message);
  message.busy = true;
  // One in twenty is delivered twice at the same moment (a retry racing the original).
  const racing = Math.random() < 0.05;
  await Promise.all(
    racing ? [deliver(context, message), deliver(context, message)] : [deliver(context, message)],
  );
  message.busy = false;
  return racing ? 2 : 1;
}

/** A random message of the ledger that `accept`s and nothing else is touching (20 tries), if any. */
function pickIdle(context: LoadContext, accept: (message: SentMessage) => boolean): SentMessage | undefined {
  const { messages } = context.ledger;
  for (let tries = 0; tries < 20 && messages.length > 0; tries++) {
    const message = messages[Math.floor(Math.random() * messages.length)] as SentMessage;
    if (!message.busy && accept(message)) return message;
  }
  return undefined;
}

/** An acknowledged message nothing else is touching, acknowledged long enough ago that no write of it is in flight. */
function idleAcked(context: LoadContext): SentMessage | undefined {
  const cutoff = Date.now() - ZOMBIE_WRITE_MS;
  return pickIdle(
    context,
    (message) =>
      message.lastAckAt !== undefined &&
      message.lastAckAt < cutoff &&
      message.recalledAt === undefined &&
      !message.recallUnknown,
  );
}

async function redeliver(context: LoadContext): Promise<number> {
  const message = idleAcked(context);
  if (!message) return sendNewMessage(context, 'c2c');
  message.busy = true;
  await deliver(context, message);
  message.busy = false;
  return 1;
}

async function recall(context: LoadContext): Promise<number> {
  const message = idleAcked(context);
  if (!message) return sendNewMessage(context, 'c2c');
  message.busy = true;
  const now = Date.now();
  const body =
    message.ref.kind === 'c2c'
      ? {
          CallbackCommand: 'C2C.CallbackAfterMsgWithDraw',
          From_Account: message.account,
          To_Account: (message.body as { To_Account: string }).To_Account,
          MsgKey: message.ref.msgKey,
          UnreadMsgNum: 0,
          EventTime: now,
        }
      : {
          CallbackCommand: 'Group.CallbackAfterRecallMsg',
          Type: 'Public',
          GroupId: message.ref.groupId,
          Operator_Account: message.account,
          MsgSeqList: [{ MsgSeq: message.ref.msgSeq }],
          EventTime: now,
        };
  const outcome = await sendCallback(
    context.httpUrl,
    context.stats,
    appOf(context, message.app),
    body.CallbackCommand,
    body,
  );
  if (outcome.ok) message.recalledAt = now;
  else message.recallUnknown = true;
  message.busy = false;
  return 1;
}

/**
 * A recall is final: Tencent may retry (or an attacker replay, inside the signature window) the
 * after-send of a message whose recall was acknowledged. The replay does not count as a delivery in the
 * ledger, so the verdict still expects the message gone (verify.ts: `notErased` fails the soak).
 */
async function replayRecalled(context: LoadContext): Promise<number> {
  const cutoff = Date.now() - ZOMBIE_WRITE_MS;
  const message = pickIdle(
    context,
    (candidate) =>
      !candidate.recallUnknown && candidate.recalledAt !== undefined && candidate.recalledAt <= cutoff,
  );
  if (!message) return sendNewMessage(context, 'c2c');
  message.busy = true;
  await sendCallback(
    context.httpUrl,
    context.stats,
    appOf(context, message.app),
    message.command,
    message.body,
  );
  context.stats.recalledReplays += 1;
  message.busy = false;
  return 1;
}

async function beforeSend(context: LoadContext): Promise<number> {
  const app = pick(context.apps);
  const group = Math.random() < 0.3;
  const account = pick(ACCOUNTS);
  const text = Math.random() < 0.5 ? pick(SENSITIVE_SAMPLES) : 'just chatting';
  const body = group
    ? {
        CallbackCommand: 'Group.CallbackBeforeSendMsg',
        GroupId: '@TGS#2soak0',
        Type: 'Public',
        From_Account: account,
        Operator_Account: account,
        Random: 1,
        MsgBody: textBody(text),
        EventTime: Date.now(),
      }
    : {
        CallbackCommand: 'C2C.CallbackBeforeSendMsg',
        From_Account: account,
        To_Account: pick(ACCOUNTS),
        MsgRandom: 1,
        MsgBody: textBody(text),
        EventTime: Date.now(),
      };
  await sendCallback(context.httpUrl, context.stats, app, body.CallbackCommand, body);
  return 1;
}

async function portraitSet(context: LoadContext): Promise<number> {
  const app = pick(context.apps);
  const account = pick(ACCOUNTS);
  const profile = context.ledger.profile(app.sdkAppId, account);
  const body = {
    CallbackCommand: 'Profile.CallbackPortraitSet',
    Operator_Account: account,
    From_Account: account,
    ProfileItem: [
      { Tag: 'Tag_Profile_IM_Nick', Value: `nick ${sequence}` },
      { Tag: 'Tag_Profile_IM_Image', Value: 'https://example.com/avatar.png' },
      { Tag: 'Tag_Profile_IM_SelfSignature', Value: 'hi there' },
      { Tag: 'Tag_Profile_IM_Gender', Value: 'Gender_Type_Female' },
    ],
    EventTime: Date.now(),
  };
  const outcome = await sendCallback(context.httpUrl, context.stats, app, body.CallbackCommand, body, {
    onAttempt: (at) => {
      profile.lastAttemptAt = Math.max(profile.lastAttemptAt ?? 0, at);
    },
  });
  if (outcome.ok && outcome.ackedAt) profile.lastAckAt = Math.max(profile.lastAckAt ?? 0, outcome.ackedAt);
  return 1;
}

async function loggedOnly(context: LoadContext): Promise<number> {
  const app = pick(context.apps);
  const unknown = Math.random() < 0.5;
  const command = unknown ? 'Sns.CallbackFriendAdd' : 'State.StateChange';
  const body = unknown
    ? { CallbackCommand: command, PairList: [{ From_Account: 'user-1', To_Account: 'user-2' }] }
    : {
        CallbackCommand: command,
        Info: { Action: 'Login', To_Account: pick(ACCOUNTS), Reason: 'Register' },
        EventTime: Date.now(),
      };
  await sendCallback(context.httpUrl, context.stats, app, command, body);
  return 1;
}

/** One unit of load; answers how many callbacks it sent (a racing double delivery counts two). */
export function nextTask(context: LoadContext): () => Promise<number> {
  const roll = Math.random();
  if (roll < 0.48) return () => sendNewMessage(context, 'c2c');
  if (roll < 0.58) return () => sendNewMessage(context, 'group');
  if (roll < 0.68) return () => beforeSend(context);
  if (roll < 0.76) return () => portraitSet(context);
  if (roll < 0.86) return () => redeliver(context);
  if (roll < 0.94) return () => recall(context);
  if (roll < 0.97) return () => replayRecalled(context);
  return () => loggedOnly(context);
}

/** Runs tasks with `concurrency` in flight until `callbacks` callbacks were sent; `onProgress` sees the fraction done. */
export async function runLoad(
  context: LoadContext,
  callbacks: number,
  concurrency: number,
  onProgress: (fraction: number) => void,
  rampMs = 0,
): Promise<void> {
  let sent = 0;
  let started = 0;
  // Workers join one by one over `rampMs`, so the local Lambda runtime starts its instances gradually.
  const worker = async (index: number) => {
    await new Promise((r) => setTimeout(r, (rampMs * index) / concurrency));
    while (started < callbacks) {
      started += 1;
      const task = nextTask(context);
      const count = await task();
      sent += count;
      onProgress(Math.min(1, sent / callbacks));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
}
