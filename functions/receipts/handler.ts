import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { createOperatorVerifier } from '../../lib/auth/operator.js';
import { NotFoundError } from '../../lib/errors.js';
import { publishedKeys, signReceipt } from '../../lib/evidence/receipt-signature.js';
import { httpRouter } from '../../lib/http/http-router.js';
import { sdkAppIdOf } from '../../lib/http/path-parameters.js';
import { receiptKey, receiptKeyOf } from '../../lib/http/receipt-key.js';
import { json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createPurgeReceiptStore } from '../../lib/store/purge-receipts.js';

const { env, logger, doc } = functionBase('receipts');
const appStore = createAppStore({ doc, tableName: env.tables.apps });
const purgeReceipts = createPurgeReceiptStore({ doc, tableName: env.tables.governance });
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const operator = createOperatorVerifier({
  token: env.operatorToken,
  tokenParameter: env.operatorTokenParameter,
});
const signingKey = () =>
  receiptKey({ key: env.receiptSigningKey, parameter: env.receiptSigningKeyParameter });

/** `GET /receipts/keys` (public): the Ed25519 public keys receipts are signed with, current and retired. */
const getKeys = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context>()
  .use(signingKey())
  .handler(async (_event, context) =>
    json(
      200,
      { keys: publishedKeys(receiptKeyOf(context), env.receiptRetiredPublicKeys) },
      {
        'cache-control': 'public, max-age=300',
      },
    ),
  );

/**
 * `GET /apps/{sdkAppId}/purge-receipt` (operator): the signed receipt of the SdkAppid's latest purge.
 * It outlives the purge and any later registration of the SdkAppid; 404 when it was never purged.
 */
const getPurgeReceipt = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context>()
  .use(signingKey())
  .handler(async (event, context) => {
    const body = await purgeReceipts.latest(sdkAppIdOf(event));
    if (!body) throw new NotFoundError('sdkAppId: this app was never purged');
    return json(200, signReceipt(body, receiptKeyOf(context)), { 'cache-control': 'no-store' });
  });

export const handler = httpRouter({
  logger,
  recorder,
  auth: { appStore, operator },
  operations: { getReceiptKeys: getKeys, getPurgeReceipt },
});
