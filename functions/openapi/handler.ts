import { httpOperation } from '../../lib/http/http-router.js';
import { json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { openApiDocument } from './document.js';

const { env, logger, doc } = functionBase('openapi');
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const document = openApiDocument();

/** `GET /openapi.json`: the HTTP API as OpenAPI 3.1, generated from the zod schemas (public, like /policy). */
export const handler = httpOperation({ logger, recorder }, 'getOpenApi').handler(async () =>
  json(200, document, { 'cache-control': 'public, max-age=300' }),
);
