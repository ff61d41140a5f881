import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { cachedAppStore, cachedHolds } from '../../lib/store/app-cache.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createAuditStore } from '../../lib/store/audit.js';
import { createConsentStore } from '../../lib/store/consents.js';
import { createDeletionRequestStore } from '../../lib/store/deletion-requests.js';
import { createExpiryStateStore } from '../../lib/store/expiry-state.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { createMessageStore } from '../../lib/store/messages.js';
import { createUserInfoStore } from '../../lib/store/user-info.js';
import { createCallbackHandler } from './chain.js';

// Two attempts of at most 500 ms each: the app lookup and the write both fit Tencent's 2 s.
const { env, logger, doc } = functionBase('callback', { maxAttempts: 2, requestTimeoutMs: 500 });
const cache = { ttlMs: env.appCacheSeconds * 1000 };
const deletionRequests = createDeletionRequestStore({
  doc,
  tableName: env.tables.governance,
  audit: createAuditStore({ doc, tableName: env.tables.governance }),
});

/** `POST /im/callback`: Tencent IM third-party callbacks (docs/tencent-im.md "Answers"). */
export const handler = createCallbackHandler({
  appStore: cachedAppStore(createAppStore({ doc, tableName: env.tables.apps }), cache),
  messages: createMessageStore({ doc, tableName: env.tables.personal }),
  userInfo: createUserInfoStore({ doc, tableName: env.tables.personal }),
  // Read strongly consistent and never cached: a grant or withdrawal is in force at its answer.
  consents: createConsentStore({ doc, tableName: env.tables.governance }),
  legalHolds: cachedHolds(createLegalHoldStore({ doc, tableName: env.tables.governance }), cache),
  expiryState: createExpiryStateStore({ doc, tableName: env.tables.governance }),
  // Only what its role does: the callback files a destroyed group's erasure, it never works one.
  groupErasure: { create: (input, now) => deletionRequests.create(input, now) },
  recorder: createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger }),
  dataCenter: env.dataCenter,
  maxSkewSeconds: env.callbackMaxSkewSeconds,
  logger,
});
