import { loadEnvironment } from '../../lib/config.js';
import { httpHandler } from '../../lib/http/http-handler.js';
import { json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { createLogger } from '../../lib/log.js';
import { createDocumentClient, createDynamoClient } from '../../lib/store/dynamo.js';
import { openApiDocument } from './document.js';

const env = loadEnvironment();
const logger = createLogger('openapi');
const doc = createDocumentClient(createDynamoClient({ endpoint: env.dynamodbEndpoint, region: env.region }));
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const document = openApiDocument();

/** `GET /openapi.json`: the HTTP API as OpenAPI 3.1, generated from the zod schemas (public, like /policy). */
export const handler = httpHandler({ logger, recorder }).handler(async () =>
  json(200, document, { 'cache-control': 'public, max-age=300' }),
);
