import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { createOperatorVerifier } from '../../lib/auth/operator.js';
import { BadRequestError } from '../../lib/errors.js';
import { validate } from '../../lib/http/body.js';
import { httpRouter } from '../../lib/http/http-router.js';
import { html, json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { DELETION_STATUSES, summarizeDeletionRequest } from '../../lib/policy/deletion.js';
import { EVIDENCE_RETENTION_DAYS } from '../../lib/policy/evidence.js';
import { createAppPersonalEntries } from '../../lib/store/app-personal-entries.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createAppPurgeStore, unfinishedPurges } from '../../lib/store/apps-purge.js';
import { createConsentStore } from '../../lib/store/consents.js';
import { createDeletionRequestListing } from '../../lib/store/deletion-listing.js';
import { createExpiryIndex, type ExpiringTableKey } from '../../lib/store/expiry-index.js';
import { createExpiryStateStore } from '../../lib/store/expiry-state.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { createRunEvidenceStore } from '../../lib/store/run-evidence.js';
import { DASHBOARD_HEADERS, DASHBOARD_HTML } from './dashboard.js';
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
  consents: createConsentStore({ doc, tableName: env.tables.governance }),
};
const appStore = createAppStore({ doc, tableName: env.tables.apps });
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });

const operator = createOperatorVerifier({
  token: env.operatorToken,
  tokenParameter: env.operatorTokenParameter,
});
const evidence = createRunEvidenceStore({ doc, tableName: env.tables.governance });
const deletionListing = createDeletionRequestListing({ doc, tableName: env.tables.governance });

/**
 * `GET /conformance` (operator): evidence that every category is gone on time — per category the
 * items stored, those overdue (stored past expiry, no active hold) and the oldest overdue age.
 */
const getConformance = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().handler(async () =>
  json(200, await measureConformance(deps, { now: new Date() }), { 'cache-control': 'no-store' }),
);

const DAY_MS = 86_400_000;
const historyQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(2000).optional(),
});

/**
 * `GET /conformance/history?from=&to=&limit=&cursor=` (operator): what every expire and purge run found
 * and did, oldest first, a bounded page per call (default: the 30 days up to now). The answer names its
 * `from` and `to`: the next page is asked for with those and `cursor`.
 */
const getHistory = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().handler(async (event) => {
  const query = validate(historyQuery, event.queryStringParameters ?? {});
  const now = new Date();
  const to = query.to === undefined ? now : new Date(query.to);
  const from = query.from === undefined ? new Date(to.getTime() - 30 * DAY_MS) : new Date(query.from);
  if (from > to) throw new BadRequestError('from: must not be after to');
  if (to.getTime() - from.getTime() > EVIDENCE_RETENTION_DAYS * DAY_MS) {
    throw new BadRequestError(`from: the history goes back ${EVIDENCE_RETENTION_DAYS} days at most`);
  }
  const page = await evidence.page({
    from,
    to,
    now,
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return json(
    200,
    { from: from.toISOString(), to: to.toISOString(), ...page },
    { 'cache-control': 'no-store' },
  );
});

const deletionListQuery = z.object({
  status: z.enum(DELETION_STATUSES).optional(),
  overdue: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(2000).optional(),
});

/**
 * `GET /deletion-requests?status=&overdue=&limit=&cursor=` (operator): D3 requests of every app, open ones
 * earliest deadline first, then completed ones latest first; each with its times, whether it is overdue
 * and its age, never the account. A page may hold fewer than `limit` requests: follow `nextCursor`.
 */
const listDeletionRequests = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().handler(
  async (event) => {
    const query = validate(deletionListQuery, event.queryStringParameters ?? {});
    const now = new Date();
    const page = await deletionListing.page({ ...query, now });
    return json(
      200,
      {
        checkedAt: now.toISOString(),
        requests: page.requests.map((request) => summarizeDeletionRequest(request, now)),
        nextCursor: page.nextCursor,
      },
      { 'cache-control': 'no-store' },
    );
  },
);

/** `GET /conformance/dashboard` (public): the operator's page; it holds no data, its script asks with the token. */
const getDashboard = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().handler(async () =>
  html(200, DASHBOARD_HTML, { ...DASHBOARD_HEADERS }),
);

export const handler = httpRouter({
  logger,
  recorder,
  auth: { appStore, operator },
  operations: {
    getConformance,
    getConformanceHistory: getHistory,
    listDeletionRequests,
    getConformanceDashboard: getDashboard,
  },
});
