import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CallbackDeps } from '../../functions/callback/commands/types.js';
import type { TableKey } from '../../lib/config.js';
import { cachedHolds } from '../../lib/store/app-cache.js';
import { createAuditStore } from '../../lib/store/audit.js';
import { createConsentStore } from '../../lib/store/consents.js';
import { createDeletionRequestStore } from '../../lib/store/deletion-requests.js';
import { createExpiryStateStore } from '../../lib/store/expiry-state.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { createMessageStore } from '../../lib/store/messages.js';
import { createUserInfoStore } from '../../lib/store/user-info.js';

/** The stores a callback command uses, as functions/callback/handler.ts builds them, on the given tables. */
export function callbackStores(
  doc: DynamoDBDocumentClient,
  tables: Readonly<Record<TableKey, string>>,
  personalDoc: DynamoDBDocumentClient = doc,
): Omit<CallbackDeps, 'dataCenter' | 'logger'> {
  return {
    messages: createMessageStore({ doc: personalDoc, tableName: tables.personal }),
    userInfo: createUserInfoStore({ doc: personalDoc, tableName: tables.personal }),
    consents: createConsentStore({ doc, tableName: tables.governance }),
    legalHolds: cachedHolds(createLegalHoldStore({ doc, tableName: tables.governance }), { ttlMs: 0 }),
    expiryState: createExpiryStateStore({ doc, tableName: tables.governance }),
    groupErasure: createDeletionRequestStore({
      doc,
      tableName: tables.governance,
      audit: createAuditStore({ doc, tableName: tables.governance }),
    }),
  };
}
