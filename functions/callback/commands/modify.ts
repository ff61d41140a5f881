import { tencentOk } from '../../../lib/http/tencent-answer.js';
import { dependsOnConsent } from '../../../lib/policy/retention-cuts.js';
import { type GuardedMessage, guardAtRest } from '../../../lib/policy/sensitive-data.js';
import type { MessageRef } from '../../../lib/store/personal-keys.js';
import { c2cModifySchema, groupModifySchema } from '../schemas.js';
import { consentGiven, cutsFor } from './consent.js';
import { holdsOn, registerCoveringHolds } from './holds.js';
import { type CommandContext, defineCommand } from './types.js';

/**
 * Message edits (`C2C.CallbackAfterModifyMsg`, `Group.CallbackAfterModifyMsg`): the stored copy's content
 * is replaced, keeping its expiry, and guarded at rest like an after-send (flag flags; mask and reject
 * store the masked form). An edit of a message that is not stored (never stored, expired, recalled or
 * erased, hidden by a retention cut, or the app no longer stores messages) stores nothing. Under a legal
 * hold the superseded content is kept first, as a held snapshot: held data is never overwritten. D6:
 * under `privacy.consent: "required"` an edit is applied only while the sender has a consent for messages.
 */
async function edit(
  command: string,
  ref: MessageRef,
  message: GuardedMessage,
  sender: string | undefined,
  context: CommandContext,
) {
  const { app, settings, now, deps, signal } = context;
  const log = (outcome: string) => deps.logger.info('edit callback', { command, app: app.sdkAppId, outcome });
  if (settings.messages.mode === 'notStored' || !context.resident) {
    log('notStored');
    return tencentOk();
  }
  // D6: the sender's consent (for the check, and for cuts that spare consented accounts); a group edit
  // that does not name the sender looks it up on the stored copy.
  const consentMatters = settings.consent === 'required' || dependsOnConsent(app.retentionCuts?.messages);
  const account = consentMatters
    ? (sender ?? (await deps.messages.peek(app.sdkAppId, ref, { signal }))?.account)
    : sender;
  if (!(await consentGiven(context, 'messages', account))) {
    log('noConsent');
    return tencentOk();
  }
  // Only when a hold names messages is the sender looked up: otherwise an edit is one conditional write.
  let held = false;
  if ((await holdsOn(context, 'messages')).length > 0) {
    const state = await deps.messages.peek(app.sdkAppId, ref, { signal });
    held =
      state?.account !== undefined &&
      (await registerCoveringHolds(context, 'messages', state.account)).length > 0;
  }
  const atRest = guardAtRest(message, settings.sensitiveData);
  const outcome = await deps.messages.edit(
    app.sdkAppId,
    ref,
    {
      msgBody: atRest.message.msgBody,
      cloudCustomData: atRest.message.cloudCustomData,
      sensitive: atRest.sensitive,
    },
    { now, cuts: await cutsFor(context, 'messages', account), held },
    { signal },
  );
  log(outcome);
  return tencentOk();
}

export const c2cModify = defineCommand({
  name: 'C2C.CallbackAfterModifyMsg',
  phase: 'after',
  schema: c2cModifySchema,
  run: (body, context) =>
    edit(
      'C2C.CallbackAfterModifyMsg',
      { kind: 'c2c', msgKey: body.MsgKey },
      { msgBody: body.MsgBody, cloudCustomData: body.CloudCustomData },
      body.From_Account,
      context,
    ),
});

export const groupModify = defineCommand({
  name: 'Group.CallbackAfterModifyMsg',
  phase: 'after',
  schema: groupModifySchema,
  run: (body, context) =>
    edit(
      'Group.CallbackAfterModifyMsg',
      { kind: 'group', groupId: body.GroupId, topicId: body.TopicId, msgSeq: body.MsgSeq },
      { msgBody: body.MsgBody, cloudCustomData: body.CloudCustomData },
      body.From_Account,
      context,
    ),
});
