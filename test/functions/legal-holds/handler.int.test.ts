import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppStore } from '../../../lib/store/apps.js';
import { createAuditStore } from '../../../lib/store/audit.js';
import { minimalConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import { callRoute, seedMessages, seedUserInfo, storedFor } from '../../lib/store/personal-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';
import { adminQuery, operatorHeaders } from '../apps/client.js';
import { startLambdaEndpoint } from '../deletion-requests/lambda-endpoint.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

const COLLECTION = '/apps/{sdkAppId}/legal-holds';
const ITEM = '/apps/{sdkAppId}/legal-holds/{id}';

describe('legal holds over HTTP (D3 exception)', () => {
  let db: TestDatabase;
  let holds: Handler;
  let deletions: Handler;
  let worker: (event: unknown, context: Context) => Promise<unknown>;
  let lambda: Awaited<ReturnType<typeof startLambdaEndpoint>>;
  const app = newSdkAppId();

  beforeAll(async () => {
    lambda = await startLambdaEndpoint(async ({ payload }) =>
      worker(payload, lambdaContext({ getRemainingTimeInMillis: () => 60_000 })),
    );
    db = await createTestDatabase({
      LAMBDA_ENDPOINT: lambda.url,
      FUNCTION_NAME_PREFIX: 'im-retention-test-',
    });
    await createAppStore({ doc: db.doc, tableName: db.tables.apps }).put(app, minimalConfig(), new Date());
    holds = (await import('../../../functions/legal-holds/handler.js')).handler as unknown as Handler;
    deletions = (await import('../../../functions/deletion-requests/handler.js'))
      .handler as unknown as Handler;
    worker = (await import('../../../functions/deletion-worker/handler.js')).handler as never;
  });
  afterAll(async () => {
    await lambda?.settled();
    await lambda?.close();
    await db?.drop();
  });

  const create = (
    body: unknown,
    headers: Record<string, string> = operatorHeaders,
    query?: Record<string, string>,
  ) =>
    callRoute(
      holds,
      'POST',
      { template: COLLECTION, params: { sdkAppId: app } },
      { body, headers, ...(query ? { query } : {}) },
    );
  const release = (id: string, headers: Record<string, string> = operatorHeaders) =>
    callRoute(holds, 'DELETE', { template: ITEM, params: { sdkAppId: app, id } }, { headers });
  const list = (headers: Record<string, string> = operatorHeaders) =>
    callRoute(holds, 'GET', { template: COLLECTION, params: { sdkAppId: app } }, { headers });

  it('creates (201), lists and releases (200) a hold', async () => {
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const created = await create({ account: 'mallory', categories: ['messages'], reason: 'case 42', until });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      app,
      account: 'mallory',
      categories: ['messages'],
      until,
    });

    const listed = await list();
    expect(listed.status).toBe(200);
    expect((listed.body.holds as Array<{ id: string }>).map((hold) => hold.id)).toContain(created.body.id);

    const released = await release(String(created.body.id));
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ id: created.body.id, releasedAt: expect.any(String) });
    expect((await release('00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('withholds a deletion while the hold stands, and the release completes it without re-submitting', async () => {
    await seedMessages(db.doc, db.tables.personal, { app, account: 'trent', count: 40 });
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'trent' });
    const hold = await create({
      account: 'trent',
      categories: ['messages', 'userInfo'],
      reason: 'litigation',
    });
    const request = await callRoute(
      deletions,
      'POST',
      { template: '/apps/{sdkAppId}/deletion-requests', params: { sdkAppId: app } },
      { body: { account: 'trent' }, query: adminQuery(app, SECRETS.secretKey) },
    );
    await lambda.settled();
    const receipt = () =>
      callRoute(
        deletions,
        'GET',
        {
          template: '/apps/{sdkAppId}/deletion-requests/{id}',
          params: { sdkAppId: app, id: String(request.body.id) },
        },
        { query: adminQuery(app, SECRETS.secretKey) },
      );
    expect((await receipt()).body).toMatchObject({
      status: 'withheld',
      deleted: { userInfo: 0, messages: 0 },
      withheld: { userInfo: 1, messages: 40, holds: [hold.body.id] },
    });
    expect(await storedFor(db.doc, db.tables.personal, app, 'trent')).toEqual({ userInfo: 1, messages: 40 });

    await release(String(hold.body.id));
    expect(lambda.invocations.at(-1)?.payload).toEqual({ app, reason: 'holdReleased' });
    await lambda.settled();

    expect((await receipt()).body).toMatchObject({
      status: 'completed',
      deleted: { userInfo: 1, messages: 40 },
      withheld: { userInfo: 0, messages: 0, holds: [] },
    });
    expect(await storedFor(db.doc, db.tables.personal, app, 'trent')).toEqual({ userInfo: 0, messages: 0 });
  });

  it('audits holds without the account or the reason', async () => {
    const trail = await createAuditStore({ doc: db.doc, tableName: db.tables.governance }).listForApp(app);
    const holdEntries = trail.filter((entry) => entry.action.startsWith('legalHold'));
    expect(holdEntries.length).toBeGreaterThanOrEqual(4);
    expect(holdEntries[0]?.details).toMatchObject({
      scope: 'account',
      accountHash: expect.stringMatching(/^hmac-sha256:/),
    });
    const text = JSON.stringify(trail);
    for (const secret of ['mallory', 'trent', 'case 42', 'litigation']) expect(text).not.toContain(secret);
  });

  it.each([
    [{ categories: ['messages'] }, /^reason: /],
    [{ categories: [], reason: 'r' }, /^categories: /],
    [{ categories: ['chats'], reason: 'r' }, /^categories\.0: /],
    [{ categories: ['log'], reason: 'r', until: 'tomorrow' }, /^until: /],
    [{ categories: ['log'], reason: 'r', until: '2001-01-01T00:00:00Z' }, /^until: must be in the future/],
  ])('answers 400 naming the field for %j', async (body, detail) => {
    const answer = await create(body);
    expect(answer.status).toBe(400);
    expect(String(answer.body.detail)).toMatch(detail);
  });

  it("is the operator's alone: 401 without a token or with a wrong one, 403 for the app admin", async () => {
    const body = { categories: ['messages'], reason: 'r' };
    expect((await create(body, {})).status).toBe(401);
    expect((await create(body, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await create(body, {}, adminQuery(app, SECRETS.secretKey))).status).toBe(403);
    expect((await list({})).status).toBe(401);
    expect((await release('x', {})).status).toBe(401);
  });
});
