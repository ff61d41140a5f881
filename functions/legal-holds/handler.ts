import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { createOperatorVerifier } from '../../lib/auth/operator.js';
import type { AuthenticatedEvent } from '../../lib/auth/principal.js';
import { pathParameterOf } from '../../lib/auth/request-parts.js';
import { BadRequestError, NotFoundError } from '../../lib/errors.js';
import { auditHmacKey, auditKeyOf } from '../../lib/http/audit-key.js';
import { type JsonEvent, jsonBody } from '../../lib/http/body.js';
import { httpRouter } from '../../lib/http/http-router.js';
import { type LegalHoldBody, legalHoldSchema } from '../../lib/http/request-bodies.js';
import { json } from '../../lib/http/response.js';
import { waitOutCaches } from '../../lib/http/settle.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { createAsyncInvoker } from '../../lib/lambda/invoke.js';
import type { LegalHold } from '../../lib/policy/legal-holds.js';
import { accountPseudonym } from '../../lib/policy/pseudonym.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createAuditStore } from '../../lib/store/audit.js';
import { createExpiryIndex } from '../../lib/store/expiry-index.js';
import { createExpiryStateStore } from '../../lib/store/expiry-state.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { parkWhatTtlCouldReach } from './protect.js';

const { env, logger, doc } = functionBase('legal-holds');
const appStore = createAppStore({ doc, tableName: env.tables.apps });
const holds = createLegalHoldStore({ doc, tableName: env.tables.governance });
const protection = {
  indexes: {
    apps: createExpiryIndex({ doc, tableName: env.tables.apps, table: 'apps' }),
    personal: createExpiryIndex({ doc, tableName: env.tables.personal, table: 'personal' }),
    telemetry: createExpiryIndex({ doc, tableName: env.tables.telemetry, table: 'telemetry' }),
    governance: createExpiryIndex({ doc, tableName: env.tables.governance, table: 'governance' }),
  },
  state: createExpiryStateStore({ doc, tableName: env.tables.governance }),
};
const audit = createAuditStore({ doc, tableName: env.tables.governance });
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const operator = createOperatorVerifier({
  token: env.operatorToken,
  tokenParameter: env.operatorTokenParameter,
});
const worker = createAsyncInvoker({
  functionName: `${env.functionNamePrefix}deletionWorker`,
  region: env.region,
  endpoint: env.lambdaEndpoint,
  logger,
});

type Authed<B = APIGatewayProxyEventV2['body']> = AuthenticatedEvent<JsonEvent<B>>;

const appOf = (event: Pick<APIGatewayProxyEventV2, 'pathParameters'>) =>
  pathParameterOf(event, 'sdkAppId') ?? '';

/** Audit details of a hold: ids, categories and times; the account only as its keyed hash, never the reason. */
function holdDetails(hold: LegalHold, key: string): Record<string, unknown> {
  return {
    holdId: hold.id,
    scope: hold.account === undefined ? 'app' : 'account',
    ...(hold.account !== undefined ? { accountHash: accountPseudonym(key, hold.app, hold.account) } : {}),
    categories: hold.categories,
    ...(hold.until !== undefined ? { until: hold.until } : {}),
  };
}

/**
 * `POST /apps/{sdkAppId}/legal-holds` (operator): 201 with the hold; matching data is kept while it
 * stands, from the answer on: `expire` and the deletion worker read the hold registry consistently,
 * what DynamoDB TTL could reach before `expire` sees the hold is parked first, and the callbacks' cached
 * view of the app's holds is waited out.
 */
const postHold = middy<Authed<LegalHoldBody>, APIGatewayProxyResultV2, Error, Context>()
  .use(auditHmacKey({ key: env.auditHmacKey, parameter: env.auditHmacKeyParameter }))
  .use(jsonBody(legalHoldSchema))
  .handler(async (event, context) => {
    const now = new Date();
    const body = event.body;
    if (body.until !== undefined && Date.parse(body.until) <= now.getTime()) {
      throw new BadRequestError('until: must be in the future');
    }
    const hold = await holds.create(
      {
        app: appOf(event),
        ...(body.account !== undefined ? { account: body.account } : {}),
        categories: body.categories,
        reason: body.reason,
        ...(body.until !== undefined ? { until: new Date(body.until).toISOString() } : {}),
      },
      now,
    );
    const parked = await parkWhatTtlCouldReach(protection, hold, now);
    await audit.record({
      app: hold.app,
      action: 'legalHoldCreated',
      at: hold.createdAt,
      details: holdDetails(hold, auditKeyOf(context)),
    });
    await waitOutCaches(env.appCacheSeconds * 1000);
    logger.info('legal hold created', {
      app: hold.app,
      holdId: hold.id,
      categories: hold.categories,
      parked,
    });
    return json(201, hold);
  });

/**
 * `DELETE /apps/{sdkAppId}/legal-holds/{id}` (operator): releases the hold; withheld deletions then
 * finish by themselves (the worker is started at once; its schedule would also find them), and the
 * callbacks' cached view of the app's holds is waited out, so the next profile write is not held.
 */
const deleteHold = middy<Authed, APIGatewayProxyResultV2, Error, Context>()
  .use(auditHmacKey({ key: env.auditHmacKey, parameter: env.auditHmacKeyParameter }))
  .handler(async (event, context) => {
    const app = appOf(event);
    const id = pathParameterOf(event, 'id') ?? '';
    const hold = await holds.release(app, id, new Date());
    if (!hold) throw new NotFoundError('id: no legal hold with this id for this app');
    await audit.record({
      app,
      action: 'legalHoldReleased',
      at: hold.releasedAt ?? new Date().toISOString(),
      details: holdDetails(hold, auditKeyOf(context)),
    });
    const started = await worker.start({ app, reason: 'holdReleased' });
    await waitOutCaches(env.appCacheSeconds * 1000);
    logger.info('legal hold released', { app, holdId: id, workerStarted: started });
    return json(200, hold);
  });

/** `GET /apps/{sdkAppId}/legal-holds` (operator): every hold of the app, released ones included. */
const listHolds = middy<Authed>().handler(async (event) =>
  json(200, { holds: await holds.listForApp(appOf(event)) }),
);

export const handler = httpRouter({
  logger,
  recorder,
  auth: { appStore, operator },
  operations: { createLegalHold: postHold, listLegalHolds: listHolds, releaseLegalHold: deleteHold },
});
