import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { createOperatorVerifier } from '../../lib/auth/operator.js';
import { BadRequestError } from '../../lib/errors.js';
import { validate } from '../../lib/http/body.js';
import { httpOperation } from '../../lib/http/http-router.js';
import { json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createTelemetryStore } from '../../lib/store/telemetry.js';

const { env, logger, doc } = functionBase('metrics');
const appStore = createAppStore({ doc, tableName: env.tables.apps });
const telemetryStore = createTelemetryStore({ doc, tableName: env.tables.telemetry });
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const operator = createOperatorVerifier({
  token: env.operatorToken,
  tokenParameter: env.operatorTokenParameter,
});

const rangeSchema = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

/**
 * `GET /apps/{sdkAppId}/metrics` (P3): per-minute requests, success rate and average latency of the
 * app's API calls, for its admin or the operator; never older than 2 days; optional `from`/`to`.
 */
export const getMetrics = httpOperation(
  { logger, recorder, auth: { appStore, operator } },
  'getMetrics',
).handler(async (event: APIGatewayProxyEventV2) => {
  const sdkAppId = event.pathParameters?.sdkAppId ?? '';
  const query = event.queryStringParameters ?? {};
  const range = validate(rangeSchema, { from: query.from, to: query.to });
  const from = range.from === undefined ? undefined : new Date(range.from);
  const to = range.to === undefined ? undefined : new Date(range.to);
  if (from && to && from > to) throw new BadRequestError('from: must not be after to');
  const points = await telemetryStore.metrics(sdkAppId, { from, to, now: new Date() });
  return json(200, { points });
});
