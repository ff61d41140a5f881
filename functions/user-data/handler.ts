import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { type AuthenticatedEvent, principalOf } from '../../lib/auth/principal.js';
import { pathParameterOf } from '../../lib/auth/request-parts.js';
import { BadRequestError } from '../../lib/errors.js';
import { exportPageOf } from '../../lib/http/export-page.js';
import { httpOperation } from '../../lib/http/http-router.js';
import { json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { cutsOfAccount } from '../../lib/operations/account-cuts.js';
import { accountSchema } from '../../lib/policy/identifiers.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createConsentStore } from '../../lib/store/consents.js';
import { createPersonalExportStore } from '../../lib/store/personal-export.js';
import { createUserInfoStore } from '../../lib/store/user-info.js';

const { env, logger, doc } = functionBase('user-data');
const appStore = createAppStore({ doc, tableName: env.tables.apps });
const userInfo = createUserInfoStore({ doc, tableName: env.tables.personal });
const exports = createPersonalExportStore({ doc, tableName: env.tables.personal });
const consents = createConsentStore({ doc, tableName: env.tables.governance });
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });

/**
 * `GET /apps/{sdkAppId}/users/{account}/data` (app admin, D3 access): every unexpired userInfo and
 * message item stored for the account, `{"userInfo", "messages", "nextCursor"?}`; messages come a page
 * at a time (`limit`, default and at most 100; `cursor` from the previous page's `nextCursor`).
 */
export const handler = httpOperation<AuthenticatedEvent, APIGatewayProxyResultV2>(
  { logger, recorder, auth: { appStore } },
  'exportUserData',
).handler(async (event: AuthenticatedEvent<APIGatewayProxyEventV2>) => {
  const principal = principalOf(event);
  if (principal.kind !== 'appAdmin') throw new Error('user data is an app-admin route');
  const app = principal.sdkAppId;
  const parsedAccount = accountSchema.safeParse(pathParameterOf(event, 'account') ?? '');
  if (!parsedAccount.success)
    throw new BadRequestError('account: must be 1 to 128 bytes of well-formed Unicode');
  const account = parsedAccount.data;
  const page = exportPageOf(event);
  const now = new Date();
  const cuts = await cutsOfAccount(principal.app.retentionCuts, consents, app, account);
  const [profile, messages] = await Promise.all([
    userInfo.get(app, account, now, cuts?.userInfo),
    exports.messagesPage(app, account, now, { ...page, cuts: cuts?.messages }),
  ]);
  logger.info('personal data exported', {
    app,
    messages: messages.messages.length,
    more: !!messages.nextCursor,
  });
  return json(200, {
    userInfo: profile ?? null,
    messages: messages.messages,
    ...(messages.nextCursor ? { nextCursor: messages.nextCursor } : {}),
  });
});
