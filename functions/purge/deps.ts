import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableKey } from '../../lib/config.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createAuditStore } from '../../lib/store/audit.js';
import { createConsentStore } from '../../lib/store/consents.js';
import { createDeletionRequestStore } from '../../lib/store/deletion-requests.js';
import { createExpiryStateStore } from '../../lib/store/expiry-state.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { createPersonalErasureStore } from '../../lib/store/personal-erasure.js';
import { createPurgeReceiptStore } from '../../lib/store/purge-receipts.js';
import { createRetentionCutRegistry } from '../../lib/store/retention-cut-registry.js';
import { createTelemetryStore } from '../../lib/store/telemetry.js';
import { eraseAppData, eraseAppPersonalData } from './erase-app.js';
import type { PurgeDependencies } from './purge-apps.js';

/** The purge's stores on the given tables, as functions/purge/handler.ts builds them (tests use the same). */
export function createPurgeDeps(
  doc: DynamoDBDocumentClient,
  tables: Readonly<Record<TableKey, string>>,
  logger?: Logger,
): PurgeDependencies {
  const auditStore = createAuditStore({ doc, tableName: tables.governance });
  const holds = createLegalHoldStore({ doc, tableName: tables.governance });
  const requests = createDeletionRequestStore({ doc, tableName: tables.governance, audit: auditStore });
  const cuts = createRetentionCutRegistry({ doc, tableName: tables.governance });
  const erasure = {
    requests,
    erase: {
      requests,
      erasure: createPersonalErasureStore({ doc, tableName: tables.personal }),
      holds,
      expiryState: createExpiryStateStore({ doc, tableName: tables.governance }),
      now: () => new Date(),
      ...(logger ? { logger } : {}),
    },
    telemetry: createTelemetryStore({ doc, tableName: tables.telemetry }),
    holds,
    consents: createConsentStore({ doc, tableName: tables.governance }),
  };
  return {
    appStore: createAppStore({ doc, tableName: tables.apps }),
    auditStore,
    holds,
    eraseApp: async (app, now, budget) =>
      eraseAppData(erasure, app, now, budget, await cuts.purgedAt(app.sdkAppId)),
    erasePersonalData: async (app, now, budget) =>
      eraseAppPersonalData(erasure, app, now, budget, await cuts.purgedAt(app.sdkAppId)),
    cuts,
    receipts: createPurgeReceiptStore({ doc, tableName: tables.governance }),
    ...(logger ? { logger } : {}),
  };
}
