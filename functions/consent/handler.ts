import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { type AuthenticatedEvent, principalOf } from '../../lib/auth/principal.js';
import { pathParameterOf } from '../../lib/auth/request-parts.js';
import { BadRequestError, ConflictError, NotFoundError, UnprocessableError } from '../../lib/errors.js';
import { auditHmacKey, auditKeyOf } from '../../lib/http/audit-key.js';
import { type JsonEvent, jsonBody } from '../../lib/http/body.js';
import { httpRouter } from '../../lib/http/http-router.js';
import { type ConsentGrantBody, consentGrantSchema } from '../../lib/http/request-bodies.js';
import { json } from '../../lib/http/response.js';
import { waitOutCallbacks } from '../../lib/http/settle.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { createAsyncInvoker } from '../../lib/lambda/invoke.js';
import { fileDeletionRequest } from '../../lib/operations/file-deletion-request.js';
import { PERSONAL_CATEGORY_IDS, type PersonalCategoryId } from '../../lib/policy/categories.js';
import type { ActiveConsent } from '../../lib/policy/consent.js';
import { accountSchema } from '../../lib/policy/identifiers.js';
import { consentAgeAccepted, minimumAgeFor } from '../../lib/policy/minimum-ages.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createAuditStore } from '../../lib/store/audit.js';
import { createConsentStore } from '../../lib/store/consents.js';
import { createDeletionRequestStore } from '../../lib/store/deletion-requests.js';

const { env, logger, doc } = functionBase('consent');
const appStore = createAppStore({ doc, tableName: env.tables.apps });
const consents = createConsentStore({ doc, tableName: env.tables.governance });
const requests = createDeletionRequestStore({
  doc,
  tableName: env.tables.governance,
  audit: createAuditStore({ doc, tableName: env.tables.governance }),
});
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const worker = createAsyncInvoker({
  functionName: `${env.functionNamePrefix}deletionWorker`,
  region: env.region,
  endpoint: env.lambdaEndpoint,
  logger,
});

type Authed<B = APIGatewayProxyEventV2['body']> = AuthenticatedEvent<JsonEvent<B>>;

/** The app admin's app, the app record and the path's account (400 when it cannot be an account). */
function subjectOf(event: Authed<unknown>) {
  const principal = principalOf(event);
  if (principal.kind !== 'appAdmin') throw new Error('consent routes are app-admin routes');
  const parsed = accountSchema.safeParse(pathParameterOf(event, 'account') ?? '');
  if (!parsed.success) throw new BadRequestError('account: must be 1 to 128 bytes of well-formed Unicode');
  return { app: principal.sdkAppId, record: principal.app, account: parsed.data };
}

/**
 * Files the D3 request erasing what a withdrawal (whole, or a narrower re-grant's) no longer covers, once
 * callbacks that read the consent just before have settled, so the erasure finds what they stored.
 */
async function eraseWithdrawn(
  app: string,
  account: string,
  categories: readonly PersonalCategoryId[],
  auditKey: string,
): Promise<string> {
  await waitOutCallbacks();
  const { request } = await fileDeletionRequest(
    { requests, worker, auditKey, logger },
    { app, account, categories: [...categories], requestedBy: 'consentWithdrawn' },
    new Date(),
  );
  return request.id;
}

/**
 * `PUT /apps/{sdkAppId}/users/{account}/consent` (app admin, D6 with D4): records the account's consent
 * for the categories named; in force for every callback from this answer on (the callback reads it
 * strongly consistent, uncached). 422 naming `age` below the jurisdiction's minimum age without parental
 * consent; 400 for a jurisdiction that is not an assigned ISO 3166-1 alpha-2 code; 409 once terminated.
 * A grant leaving out a category the active consent covered withdraws it: the answer then carries the
 * `deletionRequestId` of the D3 request erasing that category.
 */
const putConsent = middy<Authed<ConsentGrantBody>, APIGatewayProxyResultV2, Error, Context>()
  .use(auditHmacKey({ key: env.auditHmacKey, parameter: env.auditHmacKeyParameter }))
  .use(jsonBody(consentGrantSchema))
  .handler(async (event, context) => {
    const { app, record, account } = subjectOf(event);
    if (record.status === 'terminated')
      throw new ConflictError(`sdkAppId: app ${app} is terminated; it records no new consents`);
    const body = event.body;
    const minimum = minimumAgeFor(body.jurisdiction);
    if (!minimum.assigned) throw new BadRequestError('jurisdiction: not an assigned ISO 3166-1 alpha-2 code');
    if (!consentAgeAccepted(body, minimum.age)) {
      throw new UnprocessableError(
        `age: below the minimum age of digital consent in ${body.jurisdiction} (${minimum.age}); a consent needs "parentalConsent": true`,
        { extra: { minimumAge: minimum.age, jurisdiction: body.jurisdiction } },
      );
    }
    const now = new Date();
    const consent: ActiveConsent = {
      categories: PERSONAL_CATEGORY_IDS.filter((category) => body.categories.includes(category)),
      jurisdiction: body.jurisdiction,
      minimumAge: minimum.age,
      minimumAgeSource: minimum.minimumAgeSource,
      ...(body.age !== undefined ? { age: body.age } : {}),
      ...(body.parentalConsent !== undefined ? { parentalConsent: body.parentalConsent } : {}),
      ...(body.policyVersion !== undefined ? { policyVersion: body.policyVersion } : {}),
      grantedAt: now.toISOString(),
    };
    const { dropped } = await consents.grant(app, account, consent, now);
    logger.info('consent granted', { app, categories: consent.categories, dropped: dropped.length });
    if (dropped.length === 0) return json(200, { account, ...consent });
    // A narrower grant withdraws what it leaves out: erased like a withdrawal, for those categories only.
    const deletionRequestId = await eraseWithdrawn(app, account, dropped, auditKeyOf(context));
    return json(200, { account, ...consent, deletionRequestId });
  });

/** `GET /apps/{sdkAppId}/users/{account}/consent` (app admin): `{active, history}`; 404 when there never was one. */
const getConsent = middy<Authed>().handler(async (event) => {
  const { app, account } = subjectOf(event);
  const found = await consents.get(app, account, new Date());
  if (!found) throw new NotFoundError('account: no consent was ever recorded for this account');
  return json(200, { active: found.active, history: found.history });
});

/**
 * `DELETE /apps/{sdkAppId}/users/{account}/consent` (app admin, also until purgeAt): withdraws the
 * consent, so from this answer on nothing of the account is stored under `"required"`, and files a D3
 * request erasing its userInfo and messages (legal holds respected). A repeated withdrawal answers the
 * first one's time and files the erasure again (joining an open request).
 */
const deleteConsent = middy<Authed, APIGatewayProxyResultV2, Error, Context>()
  .use(auditHmacKey({ key: env.auditHmacKey, parameter: env.auditHmacKeyParameter }))
  .handler(async (event, context) => {
    const { app, account } = subjectOf(event);
    const result = await consents.withdraw(app, account, new Date());
    if (!result) throw new NotFoundError('account: no consent was ever recorded for this account');
    const requestId = await eraseWithdrawn(app, account, PERSONAL_CATEGORY_IDS, auditKeyOf(context));
    logger.info('consent withdrawn', { app, repeated: !result.withdrawn, requestId });
    return json(200, { withdrawnAt: result.record.withdrawnAt, deletionRequestId: requestId });
  });

/** D6 consent records of an app's accounts (app admin); each route authenticates before anything else. */
export const handler = httpRouter({
  logger,
  recorder,
  auth: { appStore },
  operations: { grantConsent: putConsent, getConsent, withdrawConsent: deleteConsent },
});
