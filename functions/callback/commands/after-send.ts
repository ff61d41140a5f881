import { tencentOk } from '../../../lib/http/tencent-answer.js';
import { retentionStart } from '../../../lib/policy/event-time.js';
import { decidePersonalStorage } from '../../../lib/policy/retention.js';
import { type GuardedMessage, guardAtRest } from '../../../lib/policy/sensitive-data.js';
import type { NewMessage } from '../../../lib/store/messages.js';
import type { MessageRef } from '../../../lib/store/personal-keys.js';
import { c2cAfterSendSchema, groupAfterSendSchema } from '../schemas.js';
import { consentGiven, cutsFor } from './consent.js';
import { type CommandContext, defineCommand } from './types.js';

/**
 * D2: an after-send callback stores the message when it was delivered (`SendMsgResult` 0 or absent),
 * the app stores messages and is resident here (P1), until MsgTime + the app's retention; a message
 * already past that is not stored. At rest D5 still applies (lib/policy/sensitive-data.ts guardAtRest).
 * A message whose key is taken (stored already, or recalled or erased: a tombstone) stores nothing.
 * D6: under `privacy.consent: "required"` only a sender with an active consent for messages is stored.
 */
interface AfterSend {
  readonly command: string;
  readonly account: string;
  readonly ref: MessageRef;
  readonly message: GuardedMessage;
  readonly sentAt: Date;
  readonly delivered: boolean;
  readonly extra: Pick<NewMessage, 'to' | 'groupType' | 'msgRandom' | 'msgId'>;
}

async function storeMessage(input: AfterSend, context: CommandContext) {
  const { app, settings, now, deps } = context;
  const log = (outcome: string) =>
    deps.logger.info('message callback', { command: input.command, app: app.sdkAppId, outcome });
  if (!input.delivered) {
    log('notDelivered');
    return tencentOk();
  }
  if (!context.resident) {
    log('notResident');
    return tencentOk();
  }
  const decision = decidePersonalStorage(
    'messages',
    settings,
    input.sentAt,
    now,
    await cutsFor(context, 'messages', input.account, input.sentAt),
  );
  if (!decision.store) {
    log(decision.reason);
    return tencentOk();
  }
  if (!(await consentGiven(context, 'messages', input.account))) {
    log('noConsent');
    return tencentOk();
  }
  const atRest = guardAtRest(input.message, settings.sensitiveData);
  const outcome = await deps.messages.put(
    {
      app: app.sdkAppId,
      account: input.account,
      ref: input.ref,
      msgTime: input.sentAt,
      expiresAt: decision.expiresAt,
      ...input.extra,
      msgBody: atRest.message.msgBody,
      cloudCustomData: atRest.message.cloudCustomData,
      sensitive: atRest.sensitive,
    },
    now,
    { signal: context.signal },
  );
  log(outcome);
  return tencentOk();
}

/** Tencent calls after-send for undelivered messages too (`SendMsgResult` non-zero, `UnreadMsgNum` -1). */
const delivered = (sendMsgResult: number | undefined) => sendMsgResult === undefined || sendMsgResult === 0;

export const c2cAfterSend = defineCommand({
  name: 'C2C.CallbackAfterSendMsg',
  phase: 'after',
  schema: c2cAfterSendSchema,
  run: (body, context) =>
    storeMessage(
      {
        command: 'C2C.CallbackAfterSendMsg',
        account: body.From_Account,
        ref: { kind: 'c2c', msgKey: body.MsgKey },
        message: { msgBody: body.MsgBody, cloudCustomData: body.CloudCustomData },
        sentAt: retentionStart(context.now, body.MsgTime, body.EventTime),
        delivered: delivered(body.SendMsgResult),
        extra: { to: body.To_Account, msgRandom: body.MsgRandom, msgId: body.MsgId },
      },
      context,
    ),
});

export const groupAfterSend = defineCommand({
  name: 'Group.CallbackAfterSendMsg',
  phase: 'after',
  schema: groupAfterSendSchema,
  run: (body, context) =>
    storeMessage(
      {
        command: 'Group.CallbackAfterSendMsg',
        account: body.From_Account,
        ref: { kind: 'group', groupId: body.GroupId, topicId: body.TopicId, msgSeq: body.MsgSeq },
        message: { msgBody: body.MsgBody, cloudCustomData: body.CloudCustomData },
        sentAt: retentionStart(context.now, body.MsgTime, body.EventTime),
        delivered: delivered(body.SendMsgResult),
        extra: { groupType: body.Type, msgRandom: body.Random, msgId: body.MsgId },
      },
      context,
    ),
});
