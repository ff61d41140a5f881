import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppEnvironment } from '../../lib/config.js';
import { createConsentStore } from '../../lib/store/consents.js';
import {
  createExpiryIndex,
  type ExpiringTableKey,
  type ExpiryIndex,
  type RetryOptions,
} from '../../lib/store/expiry-index.js';
import { createExpiryStateStore } from '../../lib/store/expiry-state.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { createPersonalErasureStore } from '../../lib/store/personal-erasure.js';
import { createRetentionCutRegistry } from '../../lib/store/retention-cut-registry.js';
import { createUserInfoStore } from '../../lib/store/user-info.js';
import type { ExpiryDeps } from './run.js';

/** The stores an expire run needs, built once per cold start. */
export function createExpiryDeps(
  doc: DynamoDBDocumentClient,
  tables: AppEnvironment['tables'],
  retry?: Partial<RetryOptions>,
): ExpiryDeps {
  const index = (table: ExpiringTableKey): ExpiryIndex =>
    createExpiryIndex({ doc, tableName: tables[table], table, ...(retry ? { retry } : {}) });
  return {
    indexes: {
      apps: index('apps'),
      personal: index('personal'),
      telemetry: index('telemetry'),
      governance: index('governance'),
    },
    state: createExpiryStateStore({ doc, tableName: tables.governance }),
    holds: createLegalHoldStore({ doc, tableName: tables.governance }),
    cuts: {
      registry: createRetentionCutRegistry({ doc, tableName: tables.governance }),
      owners: createPersonalErasureStore({ doc, tableName: tables.personal }),
      profiles: createUserInfoStore({ doc, tableName: tables.personal }),
      consents: createConsentStore({ doc, tableName: tables.governance }),
    },
  };
}
