import { tencentOk } from '../../../lib/http/tencent-answer.js';
import { stateChangeSchema } from '../schemas.js';
import { defineCommand } from './types.js';

/** State.StateChange: nothing to keep; the request itself is P2 log data (telemetry middleware). */
export const stateChange = defineCommand({
  name: 'State.StateChange',
  phase: 'other',
  schema: stateChangeSchema,
  run: async (body, context) => {
    context.deps.logger.info('state change callback', {
      app: context.app.sdkAppId,
      action: body.Info.Action,
    });
    return tencentOk();
  },
});
