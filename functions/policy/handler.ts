import { loadEnvironment } from '../../lib/config.js';
import { httpHandler } from '../../lib/http/http-handler.js';
import { html, json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { createLogger } from '../../lib/log.js';
import { policyDocument } from '../../lib/policy/policy-document.js';
import { createDocumentClient, createDynamoClient } from '../../lib/store/dynamo.js';
import { renderPrivacyPage } from './privacy-page.js';

const env = loadEnvironment();
const logger = createLogger('policy');
const doc = createDocumentClient(createDynamoClient({ endpoint: env.dynamodbEndpoint, region: env.region }));
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const policyBody = policyDocument();
const privacyBody = renderPrivacyPage();

/** `GET /policy`: the retention schedule as JSON, for anyone. */
export const getPolicy = httpHandler({ logger, recorder }).handler(async () =>
  json(200, policyBody, { 'cache-control': 'public, max-age=300' }),
);

/** `GET /privacy`: the same schedule as an HTML page in Chinese and English. */
export const getPrivacyPage = httpHandler({ logger, recorder }).handler(async () => html(200, privacyBody));
