import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { operatorAuth } from '../../lib/auth/operator.js';
import { httpHandler } from '../../lib/http/http-handler.js';
import { json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { createAppPersonalEntries } from '../../lib/store/app-personal-entries.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createAppPurgeStore, unfinishedPurges } from '../../lib/store/apps-purge.js';
import { createExpiryIndex, type ExpiringTableKey } from '../../lib/store/expiry-index.js';
import { createExpiryStateStore } from '../../lib/store/expiry-state.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { type ConformanceDeps, measureConformance } from './measure.js';

const { env, logger, doc } = functionBase('conformance', { requestTimeoutMs: 5000 });
const appPurges = createAppPurgeStore({ doc, tableName: env.tables.apps });
const index = (table: ExpiringTableKey) => createExpiryIndex({ doc, tableName: env.tables[table], table });
const deps: ConformanceDeps = {
  indexes: {
    apps: index('apps'),
    personal: index('personal'),
    telemetry: index('telemetry'),
    governance: index('governance'),
  },
  state: createExpiryStateStore({ doc, tableName: env.tables.governance }),
  holds: createLegalHoldStore({ doc, tableName: env.tables.governance }),
  purgeDue: { dueApps: (now) => unfinishedPurges(appPurges, now) },
  appEntries: createAppPersonalEntries({ doc, tableName: env.tables.personal }),
};
const appStore = createAppStore({ doc, tableName: env.tables.apps });
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });

/**
 * `GET /conformance` (operator): evidence that every category is gone on time — per category the
 * items stored, those overdue (stored past expiry, no active hold) and the oldest overdue age.
 */
export const handler = httpHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>({ logger, recorder })
  .use(operatorAuth({ token: env.operatorToken, tokenParameter: env.operatorTokenParameter, appStore }))
  .handler(async () =>
    json(200, await measureConformance(deps, { now: new Date() }), { 'cache-control': 'no-store' }),
  );
