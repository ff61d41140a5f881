import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minuteKey } from '../../lib/policy/monitoring.js';
import { createTelemetryStore, monitoringRowItem } from '../../lib/store/telemetry.js';
import { adminQuery, operatorHeaders } from '../functions/apps/client.js';
import { startLambdaEndpoint } from '../functions/deletion-requests/lambda-endpoint.js';
import { fullConfig, newSdkAppId } from '../lib/store/apps-fixtures.js';
import { seedMessages, seedUserInfo } from '../lib/store/personal-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { httpEvent } from '../support/events.js';
import { type Answer, expectProblem, invoke } from './harness.js';

/**
 * Tenant isolation over every admin route of docs/api.md: the admin of app A gets 403 on app B (and on
 * operator-only routes), and no answer A's admin ever receives contains anything of B's.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

let db: TestDatabase;
let lambda: Awaited<ReturnType<typeof startLambdaEndpoint>>;
const handlers: Record<string, Handler> = {};
const A = newSdkAppId();
const B = newSdkAppId();
const KEY_A = 'sk-app-a-isolation-0123456789abcdef0123456789';
const KEY_B = 'sk-app-b-isolation-fedcba9876543210fedcba9876';
const SHARED_ACCOUNT = 'shared-user';
/** Everything of B's that must never reach A's admin. */
const B_MARKERS = {
  secretKey: KEY_B,
  callbackToken: 'cb-token-of-app-b-never-shown-0123456789',
  appName: 'Bravo confidential app name',
  nickname: 'nick-of-b-user-7f3a',
  messageTag: 'btag9',
  holdReason: 'B litigation 4711, confidential',
  metricsCount: 987_654,
  consentPolicyVersion: 'b-privacy-policy-v42',
} as const;
let bDeletionId = '';
let bHoldId = '';
/** Each answer A's admin got, with what the request itself carried (an echo of A's own input is no leak). */
const everyAnswerToA: Array<{ answer: Answer; sent: string }> = [];

const ROUTES = {
  app: '/apps/{sdkAppId}',
  privacy: '/apps/{sdkAppId}/privacy',
  termination: '/apps/{sdkAppId}/termination',
  deletions: '/apps/{sdkAppId}/deletion-requests',
  deletion: '/apps/{sdkAppId}/deletion-requests/{id}',
  userData: '/apps/{sdkAppId}/users/{account}/data',
  consent: '/apps/{sdkAppId}/users/{account}/consent',
  holds: '/apps/{sdkAppId}/legal-holds',
  hold: '/apps/{sdkAppId}/legal-holds/{id}',
  metrics: '/apps/{sdkAppId}/metrics',
} as const;

function call(
  handler: string,
  method: string,
  template: string,
  params: Record<string, string>,
  options: { query?: Record<string, string>; headers?: Record<string, string>; body?: unknown } = {},
) {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const fn = handlers[handler];
  if (!fn) throw new Error(handler);
  return invoke(fn, httpEvent(method, path, { routePath: template, pathParameters: params, ...options }));
}

/** A call made with app A's admin credentials; its answer is kept for the no-leak check. */
async function asAdminOfA(...[handler, method, template, params, options]: Parameters<typeof call>) {
  const answer = await call(handler, method, template, params, {
    ...options,
    query: { ...adminQuery(A, KEY_A), ...options?.query },
  });
  everyAnswerToA.push({ answer, sent: JSON.stringify([template, params, options]) });
  return answer;
}

beforeAll(async () => {
  lambda = await startLambdaEndpoint(async () => undefined);
  lambda.state.mode = 'queue';
  db = await createTestDatabase({ LAMBDA_ENDPOINT: lambda.url, FUNCTION_NAME_PREFIX: 'im-retention-test-' });
  handlers.apps = (await import('../../functions/apps/handler.js')).handler as unknown as Handler;
  handlers.deletions = (await import('../../functions/deletion-requests/handler.js'))
    .handler as unknown as Handler;
  handlers.userData = (await import('../../functions/user-data/handler.js')).handler as unknown as Handler;
  handlers.consent = (await import('../../functions/consent/handler.js')).handler as unknown as Handler;
  handlers.holds = (await import('../../functions/legal-holds/handler.js')).handler as unknown as Handler;
  handlers.metrics = (await import('../../functions/metrics/handler.js')).getMetrics as unknown as Handler;
  handlers.conformance = (await import('../../functions/conformance/handler.js'))
    .handler as unknown as Handler;

  const configs = {
    [A]: fullConfig({ secretKey: KEY_A, appName: 'Alpha app' }),
    [B]: fullConfig({
      secretKey: KEY_B,
      appName: B_MARKERS.appName,
      callback: { enabled: true, url: 'https://b.example.com/cb', token: B_MARKERS.callbackToken },
    }),
  };
  for (const [id, config] of Object.entries(configs)) {
    expect(
      (await call('apps', 'PUT', ROUTES.app, { sdkAppId: id }, { headers: operatorHeaders, body: config }))
        .status,
    ).toBe(200);
  }
  // The same account name in both apps, with B's data easy to spot.
  await seedMessages(db.doc, db.tables.personal, { app: A, account: SHARED_ACCOUNT, count: 3, tag: 'atag1' });
  await seedUserInfo(db.doc, db.tables.personal, {
    app: A,
    account: SHARED_ACCOUNT,
    nickname: 'nick-of-a-user',
  });
  await seedMessages(db.doc, db.tables.personal, {
    app: B,
    account: SHARED_ACCOUNT,
    count: 3,
    tag: B_MARKERS.messageTag,
  });
  await seedUserInfo(db.doc, db.tables.personal, {
    app: B,
    account: SHARED_ACCOUNT,
    nickname: B_MARKERS.nickname,
  });
  const minute = minuteKey(new Date());
  const rows = [
    { app: A, requests: 3 },
    { app: B, requests: B_MARKERS.metricsCount },
  ].map(({ app, requests }) =>
    monitoringRowItem({
      app,
      minute,
      containerId: 'c1',
      requests,
      failures: 0,
      latencyMsTotal: requests,
      droppedLogRecords: 0,
      droppedRequests: 0,
    }),
  );
  await createTelemetryStore({ doc: db.doc, tableName: db.tables.telemetry }).write(rows);

  const deletion = await call(
    'deletions',
    'POST',
    ROUTES.deletions,
    { sdkAppId: B },
    { query: adminQuery(B, KEY_B), body: { account: 'someone-in-b' } },
  );
  expect(deletion.status).toBe(202);
  bDeletionId = String(deletion.body.id);
  const hold = await call(
    'holds',
    'POST',
    ROUTES.holds,
    { sdkAppId: B },
    {
      headers: operatorHeaders,
      body: { account: SHARED_ACCOUNT, categories: ['messages'], reason: B_MARKERS.holdReason },
    },
  );
  expect(hold.status).toBe(201);
  bHoldId = String(hold.body.id);
  const consent = await call(
    'consent',
    'PUT',
    ROUTES.consent,
    { sdkAppId: B, account: SHARED_ACCOUNT },
    {
      query: adminQuery(B, KEY_B),
      body: { categories: ['messages'], jurisdiction: 'CN', policyVersion: B_MARKERS.consentPolicyVersion },
    },
  );
  expect(consent.status).toBe(200);
});

afterAll(async () => {
  await lambda?.close();
  await db?.drop();
});

describe("app A's admin on app B: 403 on every route", () => {
  it.each([
    ['GET /apps/{B}', 'apps', 'GET', ROUTES.app, {}],
    ['PATCH /apps/{B}/privacy', 'apps', 'PATCH', ROUTES.privacy, { body: { sensitiveData: 'off' } }],
    [
      'POST /apps/{B}/deletion-requests',
      'deletions',
      'POST',
      ROUTES.deletions,
      { body: { account: SHARED_ACCOUNT } },
    ],
    ['GET /apps/{B}/deletion-requests/{id of B}', 'deletions', 'GET', ROUTES.deletion, {}],
    ['GET /apps/{B}/users/{account}/data', 'userData', 'GET', ROUTES.userData, {}],
    ['GET /apps/{B}/metrics', 'metrics', 'GET', ROUTES.metrics, {}],
    ['GET /apps/{B}/users/{account}/consent', 'consent', 'GET', ROUTES.consent, {}],
    [
      'PUT /apps/{B}/users/{account}/consent',
      'consent',
      'PUT',
      ROUTES.consent,
      { body: { categories: ['messages'], jurisdiction: 'DE' } },
    ],
    ['DELETE /apps/{B}/users/{account}/consent', 'consent', 'DELETE', ROUTES.consent, {}],
  ] as const)('%s', async (_name, handler, method, template, options) => {
    const answer = await asAdminOfA(
      handler,
      method,
      template,
      { sdkAppId: B, id: bDeletionId, account: SHARED_ACCOUNT },
      options,
    );
    expectProblem(answer, [403]);
  });
});

describe("operator-only routes refuse any app admin (403), on A's app or B's", () => {
  const operatorOnly = [
    ['PUT /apps/{id}', 'apps', 'PUT', ROUTES.app, { body: fullConfig({ secretKey: KEY_A }) }],
    ['POST /apps/{id}/termination', 'apps', 'POST', ROUTES.termination, {}],
    ['DELETE /apps/{id}/termination', 'apps', 'DELETE', ROUTES.termination, {}],
    [
      'POST /apps/{id}/legal-holds',
      'holds',
      'POST',
      ROUTES.holds,
      { body: { categories: ['messages'], reason: 'x' } },
    ],
    ['GET /apps/{id}/legal-holds', 'holds', 'GET', ROUTES.holds, {}],
    ['DELETE /apps/{id}/legal-holds/{id}', 'holds', 'DELETE', ROUTES.hold, {}],
  ] as const;
  it.each(
    operatorOnly.flatMap(([name, handler, method, template, options]) =>
      (['A', 'B'] as const).map((which) => [name, which, handler, method, template, options] as const),
    ),
  )('%s on app %s', async (_name, which, handler, method, template, options) => {
    const sdkAppId = which === 'A' ? A : B;
    const answer = await asAdminOfA(handler, method, template, { sdkAppId, id: bHoldId }, options);
    expectProblem(answer, [403]);
  });

  it('GET /conformance', async () => {
    const answer = await call('conformance', 'GET', '/conformance', {}, { query: adminQuery(A, KEY_A) });
    everyAnswerToA.push({ answer, sent: '' });
    expectProblem(answer, [401, 403]);
  });
});

describe("A's admin on A's own routes sees only A", () => {
  it("B's deletion-request id under A's path is not found", async () => {
    const answer = await asAdminOfA('deletions', 'GET', ROUTES.deletion, { sdkAppId: A, id: bDeletionId });
    expectProblem(answer, [404]);
  });

  it("the export of an account name both apps use holds only A's data", async () => {
    const answer = await asAdminOfA('userData', 'GET', ROUTES.userData, {
      sdkAppId: A,
      account: SHARED_ACCOUNT,
    });
    expect(answer.status).toBe(200);
    expect((answer.body.userInfo as { nickname?: string }).nickname).toBe('nick-of-a-user');
    const messages = answer.body.messages as Array<{ app: string; msgKey: string }>;
    expect(messages).toHaveLength(3);
    for (const message of messages) {
      expect(message.app).toBe(A);
      expect(message.msgKey).toMatch(/^atag1-/);
    }
  });

  it("B's consent record for an account name both apps use is not A's (404 under A)", async () => {
    const answer = await asAdminOfA('consent', 'GET', ROUTES.consent, {
      sdkAppId: A,
      account: SHARED_ACCOUNT,
    });
    expectProblem(answer, [404]);
  });

  it("A's metrics count only A's requests", async () => {
    const answer = await asAdminOfA('metrics', 'GET', ROUTES.metrics, { sdkAppId: A });
    expect(answer.status).toBe(200);
    const points = answer.body.points as Array<{ requests: number }>;
    expect(points.reduce((sum, point) => sum + point.requests, 0)).toBe(3);
  });

  it("A's configuration carries none of B's", async () => {
    const answer = await asAdminOfA('apps', 'GET', ROUTES.app, { sdkAppId: A });
    expect(answer.status).toBe(200);
    expect(answer.body.sdkAppId).toBe(A);
  });

  it("a deletion request A makes for the shared account name leaves B's data alone", async () => {
    const answer = await asAdminOfA(
      'deletions',
      'POST',
      ROUTES.deletions,
      { sdkAppId: A },
      { body: { account: SHARED_ACCOUNT } },
    );
    expect(answer.status).toBe(202);
    const bExport = await call(
      'userData',
      'GET',
      ROUTES.userData,
      { sdkAppId: B, account: SHARED_ACCOUNT },
      { query: adminQuery(B, KEY_B) },
    );
    expect((bExport.body.messages as unknown[]).length).toBe(3);
  });
});

describe('no answer to A ever contains B', () => {
  it("none of the answers A's admin received mentions anything of B's it did not send itself", () => {
    expect(everyAnswerToA.length).toBeGreaterThanOrEqual(20);
    for (const { answer, sent } of everyAnswerToA) {
      for (const marker of [...Object.values(B_MARKERS).map(String), bDeletionId, bHoldId]) {
        if (!sent.includes(marker)) expect(answer.raw).not.toContain(marker);
      }
    }
  });
});
