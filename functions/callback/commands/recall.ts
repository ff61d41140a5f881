import { tencentOk } from '../../../lib/http/tencent-answer.js';
import { coveringHolds, type LegalHold } from '../../../lib/policy/legal-holds.js';
import type { MessageRef } from '../../../lib/store/personal-keys.js';
import { c2cRecallSchema, groupRecallSchema } from '../schemas.js';
import { type CommandContext, defineCommand } from './types.js';

/**
 * A recalled message is deleted. Under an active legal hold covering it (D3's exception) it is not
 * deleted: every read hides it at once, and it is parked in the app's held bucket with a negated expiry
 * (beyond DynamoDB TTL's reach), the bucket registered first so `expire` deletes the message once the
 * hold is released. Recall deletes whatever the app's current settings, residency included.
 */
async function messageHolds(context: CommandContext): Promise<LegalHold[]> {
  const { deps, app, now } = context;
  if (!deps.legalHolds) return [];
  const holds = await deps.legalHolds.activeForApp(app.sdkAppId, now);
  return holds.filter((hold) => hold.categories.includes('messages'));
}

async function recall(
  refs: readonly MessageRef[],
  senderOf: (ref: MessageRef) => Promise<string | undefined> | string | undefined,
  command: string,
  context: CommandContext,
) {
  const { app, now, deps, signal } = context;
  const holds = await messageHolds(context);
  let deleted = 0;
  let withheld = 0;
  const covering = await Promise.all(
    refs.map(async (ref) =>
      holds.length === 0
        ? []
        : coveringHolds(
            holds,
            { app: app.sdkAppId, category: 'messages', account: await senderOf(ref) },
            now,
          ),
    ),
  );
  const holdIds = [...new Set(covering.flat().map((hold) => hold.id))];
  if (holdIds.length > 0) await deps.expiryState?.recordHeld('messages', app.sdkAppId, holdIds);
  await Promise.all(
    refs.map(async (ref, index) => {
      if (covering[index]?.length) {
        if (await deps.messages.holdRecalled(app.sdkAppId, ref, now, { signal })) withheld += 1;
      } else if (await deps.messages.delete(app.sdkAppId, ref, { signal })) {
        deleted += 1;
      }
    }),
  );
  deps.logger.info('recall callback', {
    command,
    app: app.sdkAppId,
    requested: refs.length,
    deleted,
    withheld,
  });
  return tencentOk();
}

export const c2cRecall = defineCommand({
  name: 'C2C.CallbackAfterMsgWithDraw',
  phase: 'after',
  schema: c2cRecallSchema,
  run: (body, context) =>
    recall(
      [{ kind: 'c2c', msgKey: body.MsgKey }],
      () => body.From_Account,
      'C2C.CallbackAfterMsgWithDraw',
      context,
    ),
});

export const groupRecall = defineCommand({
  name: 'Group.CallbackAfterRecallMsg',
  phase: 'after',
  schema: groupRecallSchema,
  run: (body, context) =>
    recall(
      body.MsgSeqList.map(({ MsgSeq }) => ({ kind: 'group', groupId: body.GroupId, msgSeq: MsgSeq })),
      // The callback names who recalled, not who sent: the stored item knows its sender.
      (ref) => context.deps.messages.senderOf(context.app.sdkAppId, ref, { signal: context.signal }),
      'Group.CallbackAfterRecallMsg',
      context,
    ),
});
