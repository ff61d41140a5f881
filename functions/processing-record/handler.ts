import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { createOperatorVerifier } from '../../lib/auth/operator.js';
import { type AuthenticatedEvent, principalOf } from '../../lib/auth/principal.js';
import { headerOf } from '../../lib/auth/request-parts.js';
import { NotFoundError } from '../../lib/errors.js';
import { prefersHtml } from '../../lib/http/accept.js';
import { httpOperation } from '../../lib/http/http-router.js';
import { sdkAppIdOf } from '../../lib/http/path-parameters.js';
import { html, json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { processingRecord } from '../../lib/policy/processing-record.js';
import { createAppStore } from '../../lib/store/apps.js';
import { renderProcessingRecord } from './page.js';

const { env, logger, doc } = functionBase('processing-record');
const appStore = createAppStore({ doc, tableName: env.tables.apps });
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const operator = createOperatorVerifier({
  token: env.operatorToken,
  tokenParameter: env.operatorTokenParameter,
});
// The answer is one app's settings at this request: never cached, and it differs by Accept.
const HEADERS = { 'cache-control': 'no-store', vary: 'Accept' };

/**
 * `GET /apps/{sdkAppId}/processing-record` (the app's admin, the operator): the GDPR art. 30(2) record
 * of processing for the app, from lib/policy and the configuration in force; JSON, or a bilingual page
 * when `Accept` prefers `text/html`. 404 once the app is purged (or for an unknown app, to the operator).
 */
export const handler = httpOperation<AuthenticatedEvent, APIGatewayProxyResultV2>(
  { logger, recorder, auth: { appStore, operator } },
  'getProcessingRecord',
).handler(async (event: AuthenticatedEvent<APIGatewayProxyEventV2>) => {
  const sdkAppId = sdkAppIdOf(event);
  const now = new Date();
  const principal = principalOf(event);
  // The app admin's authentication has just read the app; the operator's has not.
  const app = principal.kind === 'appAdmin' ? principal.app : await appStore.get(sdkAppId, now);
  if (!app) throw new NotFoundError(`sdkAppId: app ${sdkAppId} is not registered or was purged`);
  const record = processingRecord(app, { now, deploymentDataCenter: env.dataCenter });
  return prefersHtml(headerOf(event, 'accept'))
    ? html(200, renderProcessingRecord(record), HEADERS)
    : json(200, record, HEADERS);
});
