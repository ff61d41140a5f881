import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { type AuthenticatedEvent, principalOf } from '../../lib/auth/principal.js';
import { exportPageOf } from '../../lib/http/export-page.js';
import { httpOperation } from '../../lib/http/http-router.js';
import { json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { cutsOfAccounts } from '../../lib/operations/account-cuts.js';
import { createAppExportStore } from '../../lib/store/app-export.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createConsentStore } from '../../lib/store/consents.js';

const { env, logger, doc } = functionBase('app-export');
const appStore = createAppStore({ doc, tableName: env.tables.apps });
const exports = createAppExportStore({ doc, tableName: env.tables.personal });
const consents = createConsentStore({ doc, tableName: env.tables.governance });
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });

/**
 * `GET /apps/{sdkAppId}/export` (app admin, also between termination and `purgeAt`): the whole app's
 * unexpired `userInfo` and `messages`, `{"userInfo", "messages", "nextCursor"}`, a page at a time; a
 * customer leaving takes its end users' data back with it. `nextCursor` is null on the last page.
 */
export const handler = httpOperation<AuthenticatedEvent, APIGatewayProxyResultV2>(
  { logger, recorder, auth: { appStore } },
  'exportApp',
).handler(async (event: AuthenticatedEvent<APIGatewayProxyEventV2>) => {
  const principal = principalOf(event);
  if (principal.kind !== 'appAdmin') throw new Error('the app export is an app-admin route');
  const page = exportPageOf(event);
  const app = principal.sdkAppId;
  const cuts = principal.app.retentionCuts;
  const answer = await exports.page(app, new Date(), {
    ...page,
    // A switch to required consent spares accounts consenting since: one coverage read per page.
    cutsOfAccounts: (accounts) => cutsOfAccounts(cuts, consents, app, accounts),
  });
  logger.info('app data exported', {
    app: principal.sdkAppId,
    userInfo: answer.userInfo.length,
    messages: answer.messages.length,
    more: answer.nextCursor !== null,
  });
  return json(200, answer);
});
