import { tencentOk } from '../../../lib/http/tencent-answer.js';
import { decidePersonalStorage } from '../../../lib/policy/retention.js';
import { type GuardedMessage, maskMessage, scanMessage } from '../../../lib/policy/sensitive-data.js';
import type { NewMessage } from '../../../lib/store/messages.js';
import type { MessageRef } from '../../../lib/store/personal-keys.js';
import { c2cAfterSendSchema, groupAfterSendSchema } from '../schemas.js';
import { createdAt } from './message-time.js';
import { type CommandContext, defineCommand } from './types.js';

/**
 * D2: an after-send callback stores the message when the app stores messages and is resident here (P1),
 * until MsgTime + the app's retention; a message already past that is not stored. At rest D5 still
 * applies: flag stores it with the kinds found; mask and reject store it masked (the before-send guard
 * normally masked or refused it already, so this only matters when that callback is not enabled).
 */
interface AfterSend {
  readonly command: string;
  readonly account: string;
  readonly ref: MessageRef;
  readonly message: GuardedMessage;
  readonly sentAt: Date;
  readonly extra: Pick<NewMessage, 'to' | 'groupType' | 'msgRandom' | 'msgId'>;
}

function atRest(
  message: GuardedMessage,
  context: CommandContext,
): Pick<NewMessage, 'msgBody' | 'cloudCustomData' | 'sensitive'> {
  const mode = context.settings.sensitiveData;
  const asSent = { msgBody: message.msgBody, cloudCustomData: message.cloudCustomData };
  if (mode === 'off') return asSent;
  if (mode === 'flag') {
    const kinds = scanMessage(message);
    return kinds.length === 0 ? asSent : { ...asSent, sensitive: { kinds, handling: 'flagged' } };
  }
  const masked = maskMessage(message);
  return masked.kinds.length === 0
    ? asSent
    : {
        msgBody: masked.message.msgBody,
        cloudCustomData: masked.message.cloudCustomData,
        sensitive: { kinds: masked.kinds, handling: 'masked' },
      };
}

async function storeMessage(input: AfterSend, context: CommandContext) {
  const { app, settings, now, deps } = context;
  const log = (outcome: string) =>
    deps.logger.info('message callback', { command: input.command, app: app.sdkAppId, outcome });
  if (!context.resident) {
    log('notResident');
    return tencentOk();
  }
  const decision = decidePersonalStorage('messages', settings, input.sentAt, now);
  if (!decision.store) {
    log(decision.reason);
    return tencentOk();
  }
  const outcome = await deps.messages.put(
    {
      app: app.sdkAppId,
      account: input.account,
      ref: input.ref,
      msgTime: input.sentAt,
      expiresAt: decision.expiresAt,
      ...input.extra,
      ...atRest(input.message, context),
    },
    now,
    { signal: context.signal },
  );
  log(outcome);
  return tencentOk();
}

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
        sentAt: createdAt(context.now, body.MsgTime, body.EventTime),
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
        ref: { kind: 'group', groupId: body.GroupId, msgSeq: body.MsgSeq },
        message: { msgBody: body.MsgBody, cloudCustomData: body.CloudCustomData },
        sentAt: createdAt(context.now, body.MsgTime, body.EventTime),
        extra: { groupType: body.Type, msgRandom: body.Random, msgId: body.MsgId },
      },
      context,
    ),
});
