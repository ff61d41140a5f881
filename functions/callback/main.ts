import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type AuthenticatedEvent, principalOf } from '../../lib/auth/principal.js';
import { BadRequestError, ForbiddenError } from '../../lib/errors.js';
import { parseJson, validate } from '../../lib/http/body.js';
import { type TencentResponse, tencentOk } from '../../lib/http/tencent-answer.js';
import { isResidentHere } from '../../lib/policy/app-config.js';
import { resolvePrivacySettings } from '../../lib/policy/privacy-settings.js';
import { remainingBudgetMs, withinBudget } from './budget.js';
import { COMMANDS } from './commands/index.js';
import type { CallbackDeps } from './commands/types.js';

/** Tencent IM bodies are small (a message is at most 12 KB); this bounds what is parsed. */
export const MAX_CALLBACK_BODY_BYTES = 256 * 1024;
const SAFE_COMMAND = /^[A-Za-z0-9_.]{1,64}$/;

export interface CallbackMainOptions extends CallbackDeps {
  readonly now?: () => Date;
  readonly budgetMs?: number;
}

/**
 * `POST /im/callback` after authentication (docs/tencent-im.md "Answers"): an unknown command is
 * answered OK and ignored; a known one gets its body parsed as JSON whatever the content type and
 * validated (400 when malformed), then runs within the answer budget.
 */
export function createCallbackMain(opts: CallbackMainOptions) {
  const now = opts.now ?? (() => new Date());
  return async function handleCallback(event: APIGatewayProxyEventV2): Promise<TencentResponse> {
    const principal = principalOf(event as AuthenticatedEvent);
    if (principal.kind !== 'imService') throw new ForbiddenError('only the IM service sends callbacks');
    const commandName = event.queryStringParameters?.CallbackCommand;
    if (!commandName) throw new BadRequestError('CallbackCommand: required');
    const command = COMMANDS.get(commandName);
    if (!command) {
      opts.logger.info('callback ignored', {
        app: principal.app.sdkAppId,
        command: SAFE_COMMAND.test(commandName) ? commandName : 'invalid',
      });
      return tencentOk();
    }
    const body = validate(command.schema, parseJson(event, MAX_CALLBACK_BODY_BYTES)) as {
      CallbackCommand?: string;
    };
    if (body.CallbackCommand !== undefined && body.CallbackCommand !== commandName) {
      throw new BadRequestError('CallbackCommand: the body names a different command than the query');
    }
    const at = now();
    const app = principal.app;
    const budget = remainingBudgetMs(event.requestContext?.timeEpoch, Date.now(), opts.budgetMs);
    return withinBudget(budget, (signal) =>
      command.run(body, {
        app,
        settings: resolvePrivacySettings(app.config.privacy),
        resident: isResidentHere(app.config, opts.dataCenter),
        now: at,
        signal,
        deps: opts,
      }),
    );
  };
}
