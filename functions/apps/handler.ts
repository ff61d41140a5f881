import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createOperatorVerifier } from '../../lib/auth/operator.js';
import type { AuthenticatedEvent } from '../../lib/auth/principal.js';
import { NotFoundError } from '../../lib/errors.js';
import { type JsonEvent, jsonBody } from '../../lib/http/body.js';
import { httpRouter } from '../../lib/http/http-router.js';
import { sdkAppIdOf } from '../../lib/http/path-parameters.js';
import { privacyPatchSchema, terminationRequestSchema } from '../../lib/http/request-bodies.js';
import { json } from '../../lib/http/response.js';
import { SETTLE_MARGIN_MS, waitOutCaches } from '../../lib/http/settle.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { terminateApp } from '../../lib/operations/terminate-app.js';
import { type AppConfig, appConfigSchema, type PrivacySettingsInput } from '../../lib/policy/app-config.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createRetentionCutRegistry } from '../../lib/store/retention-cut-registry.js';
import { optionalJsonBody } from './optional-body.js';
import { appView } from './view.js';

const { env, logger, doc } = functionBase('apps');
const appStore = createAppStore({
  doc,
  tableName: env.tables.apps,
  cuts: createRetentionCutRegistry({ doc, tableName: env.tables.governance }),
  // A callback's cached copy may outlive the write by one cache lifetime, and the write itself may take
  // up to another: a shortened retention reaches whatever was stored under the old one until then.
  cutLeadMs: 2 * env.appCacheSeconds * 1000 + SETTLE_MARGIN_MS,
});
/** Every change here is in force at its answer: wait out the callback's caches first (lib/http/settle.ts). */
const settle = () => waitOutCaches(env.appCacheSeconds * 1000);
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const operator = createOperatorVerifier({
  token: env.operatorToken,
  tokenParameter: env.operatorTokenParameter,
});

type Authed<B = APIGatewayProxyEventV2['body']> = AuthenticatedEvent<JsonEvent<B>>;

/** `PUT /apps/{sdkAppId}` (operator): register or replace the P4 configuration. */
const putApp = middy<Authed<AppConfig>>()
  .use(jsonBody(appConfigSchema))
  .handler(async (event) => {
    const sdkAppId = sdkAppIdOf(event);
    const { record, created } = await appStore.put(sdkAppId, event.body, new Date());
    await settle();
    logger.info(created ? 'app registered' : 'app configuration replaced', { sdkAppId });
    return json(200, appView(record, env.dataCenter));
  });

/** `GET /apps/{sdkAppId}` (operator or the app's admin): the config, secrets redacted; 404 once purged. */
const getApp = middy<Authed>().handler(async (event) => {
  const sdkAppId = sdkAppIdOf(event);
  const record = await appStore.get(sdkAppId, new Date());
  if (!record) throw new NotFoundError(`sdkAppId: app ${sdkAppId} is not registered or was purged`);
  return json(200, appView(record, env.dataCenter));
});

/** `PATCH /apps/{sdkAppId}/privacy` (app admin): change the D1/D2/D5 settings. */
const patchPrivacy = middy<Authed<PrivacySettingsInput>>()
  .use(jsonBody(privacyPatchSchema))
  .handler(async (event) => {
    const sdkAppId = sdkAppIdOf(event);
    const record = await appStore.updatePrivacy(sdkAppId, event.body, new Date());
    await settle();
    logger.info('privacy settings changed', { sdkAppId, changed: Object.keys(event.body) });
    return json(200, appView(record, env.dataCenter));
  });

/** `POST /apps/{sdkAppId}/termination` (operator): terminated now or at the given time; purge 2 months on. */
const postTermination = middy<Authed<{ terminatedAt?: string }>>()
  .use(optionalJsonBody(terminationRequestSchema))
  .handler(async (event) => {
    const sdkAppId = sdkAppIdOf(event);
    const answer = await terminateApp(appStore, sdkAppId, event.body.terminatedAt, new Date());
    await settle();
    logger.info('app terminated', { sdkAppId, purgeAt: answer.purgeAt, repeated: answer.alreadyTerminated });
    return json(200, { status: answer.status, terminatedAt: answer.terminatedAt, purgeAt: answer.purgeAt });
  });

/** `DELETE /apps/{sdkAppId}/termination` (operator): reactivation before the purge; 404 once purged. */
const deleteTermination = middy<Authed>().handler(async (event) => {
  const sdkAppId = sdkAppIdOf(event);
  await appStore.reactivate(sdkAppId, new Date());
  await settle();
  logger.info('app reactivated', { sdkAppId });
  return json(200, { status: 'active', purgeAt: null });
});

/** Every `/apps/{sdkAppId}` route of the app-configuration API; each authenticates before anything else. */
export const handler = httpRouter({
  logger,
  recorder,
  auth: { appStore, operator },
  operations: {
    putApp,
    getApp,
    patchPrivacy,
    terminateApp: postTermination,
    reactivateApp: deleteTermination,
  },
});
