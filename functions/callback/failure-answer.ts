import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '../../lib/auth/principal.js';
import {
  callbackErrorResponse,
  type TencentResponse,
  tencentOk,
  tencentRefusal,
} from '../../lib/http/tencent-answer.js';
import { resolvePrivacySettings } from '../../lib/policy/privacy-settings.js';
import { C2C_REJECT_CODE, GROUP_REJECT_CODE } from './commands/before-send.js';
import { phaseOf } from './commands/index.js';

/**
 * The answer when processing failed for a reason not the caller's (store failure, timeout, bug).
 * Before-send fails open (ErrorCode 0: the message goes out as sent) unless the app chose `reject`
 * for sensitive data, which asks that nothing unchecked goes out: then the message is refused.
 * After-send and other callbacks answer FAIL / ErrorCode 1, Tencent's "callback error".
 */
export function failureAnswer(event: APIGatewayProxyEventV2 & { auth?: unknown }): TencentResponse {
  const command = event.queryStringParameters?.CallbackCommand;
  if (phaseOf(command) !== 'before') return callbackErrorResponse();
  const principal = event.auth as Principal | undefined;
  const app = principal?.kind === 'imService' ? principal.app : undefined;
  if (app && resolvePrivacySettings(app.config.privacy).sensitiveData === 'reject') {
    const code = command === 'Group.CallbackBeforeSendMsg' ? GROUP_REJECT_CODE : C2C_REJECT_CODE;
    return tencentRefusal(code, 'message blocked: the sensitive-data check could not run (D5)');
  }
  return tencentOk();
}
