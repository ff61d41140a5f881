import { StoreError } from '../../../lib/errors.js';
import { tencentOk } from '../../../lib/http/tencent-answer.js';
import { msgKeyTime, retentionStart } from '../../../lib/policy/event-time.js';
import { originalExpiresAt } from '../../../lib/policy/expiry.js';
import { addDays, epochSeconds, expirySeconds } from '../../../lib/policy/time.js';
import type { MessageRef } from '../../../lib/store/personal-keys.js';
import { c2cRecallSchema, groupRecallSchema } from '../schemas.js';
import { registerCoveringHolds } from './holds.js';
import { type CommandContext, defineCommand } from './types.js';

/**
 * A recall is final (docs/expiry.md "Changes of state"): the message becomes a content-free tombstone that
 * keeps its expiry, so a retried or replayed after-send stores nothing for as long as the message could
 * have lived; a recall that arrives before the message (or for one never stored) leaves a tombstone
 * too, as long as the app's retention would have kept it. Under an active legal hold covering the
 * message (D3's exception) it is not erased: hidden at once and parked in the app's held bucket (beyond
 * DynamoDB TTL's reach), the bucket registered first so `expire` deletes it once the hold ends.
 * Recall applies whatever the app's current settings, residency included.
 */
type RecallOutcome = 'tombstoned' | 'held' | 'alreadyGone';

const MAX_ATTEMPTS = 3;

async function recallOne(ref: MessageRef, createdAt: Date, context: CommandContext): Promise<RecallOutcome> {
  const { app, now, deps, signal, settings } = context;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const state = await deps.messages.peek(app.sdkAppId, ref, { signal });
    if (state?.tombstone || state?.recalled) return 'alreadyGone';
    if (state) {
      const holdIds = await registerCoveringHolds(context, 'messages', state.account);
      const done =
        holdIds.length > 0
          ? await deps.messages.holdRecalled(
              app.sdkAppId,
              ref,
              { at: now, seen: state.expiresAt },
              { signal },
            )
          : await deps.messages.tombstone(
              app.sdkAppId,
              ref,
              {
                expiresAt: originalExpiresAt(state.expiresAt),
                seen: state.expiresAt,
                reason: 'recalled',
                at: now,
              },
              { signal },
            );
      if (!done) continue;
      if (holdIds.length > 0) return 'held';
      await deps.expiryState.noteExpiry('tombstone', originalExpiresAt(state.expiresAt), now);
      return 'tombstoned';
    }
    const expiresAt = expirySeconds(addDays(createdAt, settings.messages.retentionDays));
    if (expiresAt <= epochSeconds(now)) return 'alreadyGone';
    const placed = await deps.messages.tombstone(
      app.sdkAppId,
      ref,
      { expiresAt, seen: undefined, reason: 'recalled', at: now },
      { signal },
    );
    if (placed) return 'tombstoned';
  }
  // Still changing after every attempt: fail, so Tencent's retry (or the caller) tries again.
  throw new StoreError('recall: the message kept changing while it was being recalled');
}

async function recall(
  refs: readonly MessageRef[],
  createdAt: Date,
  command: string,
  context: CommandContext,
) {
  const outcomes = await Promise.all(refs.map((ref) => recallOne(ref, createdAt, context)));
  const count = (outcome: RecallOutcome) => outcomes.filter((value) => value === outcome).length;
  context.deps.logger.info('recall callback', {
    command,
    app: context.app.sdkAppId,
    requested: refs.length,
    tombstoned: count('tombstoned'),
    withheld: count('held'),
    alreadyGone: count('alreadyGone'),
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
      retentionStart(context.now, msgKeyTime(body.MsgKey)),
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
      body.MsgSeqList.map(({ MsgSeq }) => ({
        kind: 'group',
        groupId: body.GroupId,
        topicId: body.TopicId,
        msgSeq: MsgSeq,
      })),
      // The recall names no message time: the latest it can be is now, so the tombstone lasts long enough.
      context.now,
      'Group.CallbackAfterRecallMsg',
      context,
    ),
});
