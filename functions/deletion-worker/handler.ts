import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { functionBase } from '../../lib/lambda/function-base.js';
import { createAsyncInvoker } from '../../lib/lambda/invoke.js';
import { createAuditStore } from '../../lib/store/audit.js';
import { createDeletionRequestStore } from '../../lib/store/deletion-requests.js';
import { createExpiryStateStore } from '../../lib/store/expiry-state.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { createPersonalErasureStore } from '../../lib/store/personal-erasure.js';
import { runWorker, type WorkerEvent, type WorkerReport } from './run.js';

const { env, logger, doc } = functionBase('deletion-worker', { maxAttempts: 5, requestTimeoutMs: 5000 });
const audit = createAuditStore({ doc, tableName: env.tables.governance });
const deps = {
  requests: createDeletionRequestStore({ doc, tableName: env.tables.governance, audit }),
  erasure: createPersonalErasureStore({ doc, tableName: env.tables.personal }),
  holds: createLegalHoldStore({ doc, tableName: env.tables.governance }),
  expiryState: createExpiryStateStore({ doc, tableName: env.tables.governance }),
  now: () => new Date(),
  logger,
};
const self = createAsyncInvoker({
  functionName: `${env.functionNamePrefix}deletionWorker`,
  region: env.region,
  endpoint: env.lambdaEndpoint,
  logger,
});

/**
 * D3 deletion worker. Started at once (asynchronous invoke) by POST deletion-requests with
 * `{ app, requestId }`, by a hold release with `{ app, reason: "holdReleased" }`, and every few minutes
 * by its schedule, which sweeps every open request so nothing is lost if a start failed.
 */
export const handler = middy<WorkerEvent, WorkerReport, Error, Context>().handler((event, context) =>
  runWorker(event, context, { ...deps, self, owner: `${context.awsRequestId}:${randomUUID()}` }),
);
