import { tencentOk, tencentRefusal } from '../../../lib/http/tencent-answer.js';
import { guardMessage } from '../../../lib/policy/sensitive-data.js';
import { c2cBeforeSendSchema, groupBeforeSendSchema, type MsgBody } from '../schemas.js';
import { type CommandContext, defineCommand } from './types.js';

/**
 * D5 before-send guard (docs/tencent-im.md "Answers"): off/flag pass (ErrorCode 0); mask passes with a
 * replacement MsgBody when anything was masked; reject refuses with ErrorCode 120001 (C2C) or 10100
 * (group). Nothing is stored: the content is only used to answer.
 */
export const C2C_REJECT_CODE = 120001;
export const GROUP_REJECT_CODE = 10100;

function guard(
  command: string,
  body: { MsgBody: MsgBody; CloudCustomData?: string | undefined },
  rejectCode: number,
  context: CommandContext,
) {
  const decision = guardMessage(
    { msgBody: body.MsgBody, cloudCustomData: body.CloudCustomData },
    context.settings.sensitiveData,
  );
  context.deps.logger.info('sensitive-data guard', {
    command,
    app: context.app.sdkAppId,
    action: decision.action,
    kinds: decision.kinds,
  });
  switch (decision.action) {
    case 'pass':
    case 'flag':
      return tencentOk();
    case 'reject':
      return tencentRefusal(rejectCode, decision.reason);
    case 'mask': {
      const cloudChanged = decision.message.cloudCustomData !== body.CloudCustomData;
      return tencentOk({
        MsgBody: decision.message.msgBody,
        ...(cloudChanged && decision.message.cloudCustomData !== undefined
          ? { CloudCustomData: decision.message.cloudCustomData }
          : {}),
      });
    }
  }
}

export const c2cBeforeSend = defineCommand({
  name: 'C2C.CallbackBeforeSendMsg',
  phase: 'before',
  schema: c2cBeforeSendSchema,
  run: async (body, context) => guard('C2C.CallbackBeforeSendMsg', body, C2C_REJECT_CODE, context),
});

export const groupBeforeSend = defineCommand({
  name: 'Group.CallbackBeforeSendMsg',
  phase: 'before',
  schema: groupBeforeSendSchema,
  run: async (body, context) => guard('Group.CallbackBeforeSendMsg', body, GROUP_REJECT_CODE, context),
});
