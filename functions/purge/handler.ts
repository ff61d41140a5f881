import middy from '@middy/core';
import { loadEnvironment } from '../../lib/config.js';
import { createLogger } from '../../lib/log.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createAuditStore } from '../../lib/store/audit.js';
import { createDocumentClient, createDynamoClient } from '../../lib/store/dynamo.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { type PurgeReport, purgeDueApps } from './purge-apps.js';

const env = loadEnvironment();
const logger = createLogger('purge');
const doc = createDocumentClient(
  createDynamoClient({ endpoint: env.dynamodbEndpoint, region: env.region, requestTimeoutMs: 5000 }),
);
const deps = {
  appStore: createAppStore({ doc, tableName: env.tables.apps }),
  auditStore: createAuditStore({ doc, tableName: env.tables.governance }),
  holds: createLegalHoldStore({ doc, tableName: env.tables.governance }),
  logger,
};

export class PurgeIncompleteError extends Error {
  override name = 'PurgeIncompleteError';
}

/**
 * Scheduled (and invokable as `purge`): the P4 config purge of every terminated app whose two
 * months have passed. Throws when some app could not be processed, so the failure is visible; a
 * retry is safe, since every purge is conditional and recorded once.
 */
export const handler = middy<unknown, PurgeReport>().handler(async () => {
  const report = await purgeDueApps(deps, new Date());
  logger.info('config purge run', {
    candidates: report.candidates,
    purged: report.purged.length,
    held: report.held.length,
    skipped: report.skipped,
    failed: report.failed.length,
  });
  if (report.failed.length > 0) {
    throw new PurgeIncompleteError(
      `purge failed for ${report.failed.length} app(s): ${report.failed.join(', ')}`,
    );
  }
  return report;
});
