import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { type AuthenticatedEvent, principalOf } from '../../lib/auth/principal.js';
import { headerOf } from '../../lib/auth/request-parts.js';
import { BadRequestError, NotFoundError } from '../../lib/errors.js';
import { signReceipt } from '../../lib/evidence/receipt-signature.js';
import { deletionReceiptBody } from '../../lib/evidence/receipts.js';
import { auditHmacKey, auditKeyOf } from '../../lib/http/audit-key.js';
import { type JsonEvent, jsonBody } from '../../lib/http/body.js';
import { httpRouter } from '../../lib/http/http-router.js';
import { receiptKey, receiptKeyOf } from '../../lib/http/receipt-key.js';
import {
  type DeletionRequestBody,
  deletionRequestSchema,
  idempotencyKeySchema,
} from '../../lib/http/request-bodies.js';
import { json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { createAsyncInvoker } from '../../lib/lambda/invoke.js';
import { fileDeletionRequest } from '../../lib/operations/file-deletion-request.js';
import { normalizeCategories } from '../../lib/policy/deletion.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createAuditStore } from '../../lib/store/audit.js';
import { createDeletionRequestStore, toReceipt } from '../../lib/store/deletion-requests.js';

const { env, logger, doc } = functionBase('deletion-requests');
const appStore = createAppStore({ doc, tableName: env.tables.apps });
const audit = createAuditStore({ doc, tableName: env.tables.governance });
const requests = createDeletionRequestStore({ doc, tableName: env.tables.governance, audit });
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const worker = createAsyncInvoker({
  functionName: `${env.functionNamePrefix}deletionWorker`,
  region: env.region,
  endpoint: env.lambdaEndpoint,
  logger,
});

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Authed<B = APIGatewayProxyEventV2['body']> = AuthenticatedEvent<JsonEvent<B>>;

function appOf(event: Authed<unknown>): string {
  const principal = principalOf(event);
  if (principal.kind !== 'appAdmin') throw new Error('deletion requests are app-admin routes');
  return principal.sdkAppId;
}

/**
 * `POST /apps/{sdkAppId}/deletion-requests` (app admin, D3): 202 at once; the worker starts right away
 * (asynchronous invoke) and its schedule picks the request up if that start fails. The same
 * Idempotency-Key answers the same request; a request for an account with one open joins it.
 */
const postDeletionRequest = middy<Authed<DeletionRequestBody>, APIGatewayProxyResultV2, Error, Context>()
  .use(auditHmacKey({ key: env.auditHmacKey, parameter: env.auditHmacKeyParameter }))
  .use(jsonBody(deletionRequestSchema))
  .handler(async (event, context) => {
    const app = appOf(event);
    const body = event.body;
    const rawKey = headerOf(event, 'idempotency-key');
    const idempotencyKey = rawKey === undefined ? undefined : validateIdempotencyKey(rawKey);
    const { request } = await fileDeletionRequest(
      { requests, worker, auditKey: auditKeyOf(context), logger },
      {
        app,
        account: body.account,
        categories: normalizeCategories(body.categories),
        requestedBy: 'appAdmin',
        idempotencyKey,
      },
      new Date(),
    );
    return json(202, {
      id: request.id,
      status: request.status,
      createdAt: request.createdAt,
      dueAt: request.dueAt,
    });
  });

function validateIdempotencyKey(value: string): string {
  const result = idempotencyKeySchema.safeParse(value);
  if (!result.success) throw new BadRequestError('Idempotency-Key: must be 1 to 255 characters');
  return result.data;
}

/**
 * `GET /apps/{sdkAppId}/deletion-requests/{id}` (app admin): its progress, and once completed its
 * `receipt` signed with Ed25519 (verify with `GET /receipts/keys`); 404 for another app's id.
 */
const getDeletionRequest = middy<Authed, APIGatewayProxyResultV2, Error, Context>()
  .use(receiptKey({ key: env.receiptSigningKey, parameter: env.receiptSigningKeyParameter }))
  .handler(async (event, context) => {
    const app = appOf(event);
    const id = event.pathParameters?.id ?? '';
    const request = REQUEST_ID.test(id) ? await requests.get(app, id) : undefined;
    if (!request) throw new NotFoundError('id: no deletion request with this id for this app');
    const body = deletionReceiptBody(request);
    return json(200, {
      ...toReceipt(request),
      ...(body ? { receipt: signReceipt(body, receiptKeyOf(context)) } : {}),
    });
  });

export const handler = httpRouter({
  logger,
  recorder,
  auth: { appStore },
  operations: { requestDeletion: postDeletionRequest, getDeletionRequest },
});
