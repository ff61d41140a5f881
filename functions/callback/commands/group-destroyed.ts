import { tencentOk } from '../../../lib/http/tencent-answer.js';
import { groupDestroyedSchema } from '../schemas.js';
import { defineCommand } from './types.js';

/**
 * Group.CallbackAfterGroupDestroyed: the group's stored messages are erased, what a legal hold covers
 * excepted (erased once the hold is released). The callback files the erasure as a deletion request
 * for the group (one transaction; a repeated callback joins the open one) and answers at once; the
 * deletion worker carries it out, however many messages the group has.
 */
export const groupDestroyed = defineCommand({
  name: 'Group.CallbackAfterGroupDestroyed',
  phase: 'after',
  schema: groupDestroyedSchema,
  run: async (body, context) => {
    const { app, now, deps } = context;
    const { request, outcome } = await deps.groupErasure.create(
      {
        app: app.sdkAppId,
        subject: 'group',
        groupId: body.GroupId,
        categories: ['messages'],
        requestedBy: 'groupDestroyed',
      },
      now,
    );
    deps.logger.info('group destroyed callback', { app: app.sdkAppId, requestId: request.id, outcome });
    return tencentOk();
  },
});
