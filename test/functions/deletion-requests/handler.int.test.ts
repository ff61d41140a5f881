import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PublishedKey,
  type SignedReceipt,
  verifyReceipt,
} from '../../../lib/evidence/receipt-signature.js';
import { accountPseudonym } from '../../../lib/policy/pseudonym.js';
import { addCalendarMonths } from '../../../lib/policy/time.js';
import { createAppStore } from '../../../lib/store/apps.js';
import { createAuditStore } from '../../../lib/store/audit.js';
import { minimalConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import { callRoute, seedMessages, seedUserInfo, storedFor } from '../../lib/store/personal-fixtures.js';
import { createTestDatabase, TEST_AUDIT_HMAC_KEY, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';
import { adminQuery } from '../apps/client.js';
import { startLambdaEndpoint } from './lambda-endpoint.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
type WorkerHandler = (event: unknown, context: Context) => Promise<unknown>;

const PREFIX = 'im-retention-test-';
const COLLECTION = '/apps/{sdkAppId}/deletion-requests';
const ITEM = '/apps/{sdkAppId}/deletion-requests/{id}';

describe('deletion requests over HTTP (D3)', () => {
  let db: TestDatabase;
  let handler: Handler;
  let worker: WorkerHandler;
  let lambda: Awaited<ReturnType<typeof startLambdaEndpoint>>;
  const app = newSdkAppId();
  const otherApp = newSdkAppId();
  const OTHER_SECRET = `${SECRETS.secretKey.slice(0, -4)}beef`;

  beforeAll(async () => {
    lambda = await startLambdaEndpoint(async ({ payload }) =>
      worker(payload, lambdaContext({ getRemainingTimeInMillis: () => 60_000 })),
    );
    db = await createTestDatabase({ LAMBDA_ENDPOINT: lambda.url, FUNCTION_NAME_PREFIX: PREFIX });
    const apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    await apps.put(app, minimalConfig(), new Date());
    await apps.put(otherApp, minimalConfig({ secretKey: OTHER_SECRET }), new Date());
    handler = (await import('../../../functions/deletion-requests/handler.js')).handler as unknown as Handler;
    worker = (await import('../../../functions/deletion-worker/handler.js'))
      .handler as unknown as WorkerHandler;
  });
  afterAll(async () => {
    await lambda?.settled();
    await lambda?.close();
    await db?.drop();
  });

  const admin = (sdkAppId = app, secret: string = SECRETS.secretKey) => adminQuery(sdkAppId, secret);
  const post = (
    body: unknown,
    options: { headers?: Record<string, string>; query?: Record<string, string>; sdkAppId?: string } = {},
  ) =>
    callRoute(
      handler,
      'POST',
      { template: COLLECTION, params: { sdkAppId: options.sdkAppId ?? app } },
      {
        body,
        query: options.query ?? admin(),
        ...(options.headers ? { headers: options.headers } : {}),
      },
    );
  const get = (id: string, query = admin(), sdkAppId = app) =>
    callRoute(handler, 'GET', { template: ITEM, params: { sdkAppId, id } }, { query });

  async function pollUntil(id: string, status: string, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await get(id);
      if (answer.body.status === status || Date.now() > deadline) return answer;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('answers 202 at once, starts the worker asynchronously, and the receipt turns completed with exact counts', async () => {
    await seedMessages(db.doc, db.tables.personal, { app, account: 'alice', count: 260 });
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'alice' });
    await seedMessages(db.doc, db.tables.personal, { app, account: 'bob', count: 15 });
    const before = Date.now();

    const answer = await post({ account: 'alice' });

    expect(answer.status).toBe(202);
    expect(Object.keys(answer.body).sort()).toEqual(['createdAt', 'dueAt', 'id', 'status']);
    expect(answer.body.status).toBe('received');
    const createdAt = new Date(String(answer.body.createdAt));
    expect(createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(answer.body.dueAt).toBe(addCalendarMonths(createdAt, 1).toISOString());
    expect(lambda.invocations.at(-1)).toEqual({
      functionName: `${PREFIX}deletionWorker`,
      invocationType: 'Event',
      payload: { app, requestId: answer.body.id },
    });

    const receipt = await pollUntil(String(answer.body.id), 'completed');
    expect(receipt.status).toBe(200);
    expect(receipt.body).toEqual({
      id: answer.body.id,
      status: 'completed',
      categories: ['userInfo', 'messages'],
      createdAt: answer.body.createdAt,
      dueAt: answer.body.dueAt,
      completedAt: expect.any(String),
      deleted: { userInfo: 1, messages: 260 },
      withheld: { userInfo: 0, messages: 0, holds: [] },
      receipt: {
        body: {
          type: 'deletionReceipt',
          requestId: answer.body.id,
          sdkAppId: app,
          subject: { kind: 'account', accountHash: accountPseudonym(TEST_AUDIT_HMAC_KEY, app, 'alice') },
          categories: ['messages', 'userInfo'],
          createdAt: answer.body.createdAt,
          dueAt: answer.body.dueAt,
          completedAt: expect.any(String),
          deleted: { userInfo: 1, messages: 260 },
          withheld: { userInfo: 0, messages: 0, holds: [] },
        },
        signature: expect.objectContaining({ alg: 'Ed25519' }),
      },
    });
    // The receipt verifies against the published keys; a changed count does not.
    const signed = receipt.body.receipt as SignedReceipt<Record<string, unknown>>;
    const receipts = (await import('../../../functions/receipts/handler.js')).handler as unknown as Handler;
    const keys = await callRoute(receipts, 'GET', { template: '/receipts/keys', params: {} });
    expect(keys.status).toBe(200);
    const published = (keys.body as { keys: PublishedKey[] }).keys;
    expect(verifyReceipt(signed, published)).toMatchObject({ valid: true, keyStatus: 'current' });
    expect(
      verifyReceipt(
        { ...signed, body: { ...signed.body, deleted: { userInfo: 1, messages: 259 } } },
        published,
      ),
    ).toMatchObject({ valid: false });
    expect(JSON.stringify(receipt.body)).not.toContain('alice');
    expect(await storedFor(db.doc, db.tables.personal, app, 'alice')).toEqual({ userInfo: 0, messages: 0 });
    expect(await storedFor(db.doc, db.tables.personal, app, 'bob')).toEqual({ userInfo: 0, messages: 15 });
  });

  it('answers the same request for the same Idempotency-Key, and 409 when the key is reused for another body', async () => {
    lambda.state.mode = 'queue';
    const headers = { 'Idempotency-Key': 'req-7f3a' };
    const first = await post({ account: 'carol', categories: ['messages'] }, { headers });
    const again = await post({ account: 'carol', categories: ['messages'] }, { headers });
    const otherBody = await post({ account: 'dave' }, { headers });
    lambda.state.mode = 'run';

    expect(first.status).toBe(202);
    expect(again).toEqual(first);
    expect(otherBody.status).toBe(409);
    expect(otherBody.contentType).toBe('application/problem+json');
    expect(otherBody.body.detail).toMatch(/^Idempotency-Key/);
  });

  it('joins a second request for an account while one is open, widening its categories', async () => {
    lambda.state.mode = 'queue';
    await seedMessages(db.doc, db.tables.personal, { app, account: 'erin', count: 5 });
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'erin' });
    const first = await post({ account: 'erin', categories: ['messages'] });
    const second = await post({ account: 'erin', categories: ['userInfo'] });
    expect(second.body.id).toBe(first.body.id);
    expect((await get(String(first.body.id))).body.categories).toEqual(['userInfo', 'messages']);

    lambda.state.mode = 'run';
    await worker(
      { source: 'aws.events', 'detail-type': 'Scheduled Event' },
      lambdaContext({ getRemainingTimeInMillis: () => 60_000 }),
    );
    const receipt = await get(String(first.body.id));
    expect(receipt.body).toMatchObject({ status: 'completed', deleted: { userInfo: 1, messages: 5 } });

    // Once completed, a new request for the account is a new request.
    const third = await post({ account: 'erin' });
    expect(third.body.id).not.toBe(first.body.id);
    await pollUntil(String(third.body.id), 'completed');
  });

  it('still accepts the request when the asynchronous start fails; the scheduled sweep finishes it', async () => {
    await seedMessages(db.doc, db.tables.personal, { app, account: 'frank', count: 8 });
    lambda.state.mode = 'fail';
    const answer = await post({ account: 'frank' });
    lambda.state.mode = 'run';
    expect(answer.status).toBe(202);
    expect((await get(String(answer.body.id))).body.status).toBe('received');

    await worker({ source: 'aws.events' }, lambdaContext({ getRemainingTimeInMillis: () => 60_000 }));

    expect((await get(String(answer.body.id))).body).toMatchObject({
      status: 'completed',
      deleted: { messages: 8 },
    });
  });

  it('records who asked and what was deleted in the audit trail, with the account only as a keyed hash', async () => {
    await lambda.settled();
    const trail = await createAuditStore({ doc: db.doc, tableName: db.tables.governance }).listForApp(app);
    const actions = new Set(trail.map((entry) => entry.action));
    expect(actions).toEqual(new Set(['deletionRequested', 'deletionJoined', 'deletionCompleted']));
    const requested = trail.find((entry) => entry.action === 'deletionRequested');
    expect(requested?.details).toMatchObject({
      requestedBy: 'appAdmin',
      accountHash: expect.stringMatching(/^hmac-sha256:/),
    });
    for (const name of ['alice', 'carol', 'erin', 'frank']) expect(JSON.stringify(trail)).not.toContain(name);
  });

  it.each([
    [{}, /^account: /],
    [{ account: 'x', allAccounts: true }, /^account: /],
    [{ allAccounts: false }, /^allAccounts: /],
    [{ account: 'x', categories: ['log'] }, /^categories\.0: /],
    [{ account: 'x', categories: [] }, /^categories: /],
    [{ account: '' }, /^account: /],
    [{ account: 'x', extra: 1 }, /unknown field extra/],
  ])('answers 400 naming the field for %j', async (body, detail) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.contentType).toBe('application/problem+json');
    expect(String(answer.body.detail)).toMatch(detail);
  });

  it('accepts allAccounts', async () => {
    const answer = await post({ allAccounts: true, categories: ['userInfo'] });
    expect(answer.status).toBe(202);
    const receipt = await pollUntil(String(answer.body.id), 'completed');
    expect(receipt.body.categories).toEqual(['userInfo']);
  });

  it('refuses an account over 128 UTF-8 bytes with 400 up front, and completes one just within it', async () => {
    const overLong = await post({ account: '中'.repeat(200), categories: ['messages'] });
    expect(overLong.status).toBe(400);
    expect(JSON.stringify(overLong.body)).toContain('account');
    const lone = await post({ account: 'bad\ud800', categories: ['messages'] });
    expect(lone.status).toBe(400);
    const longest = '中'.repeat(42); // 126 bytes: the longest CJK account the bound admits
    await seedMessages(db.doc, db.tables.personal, { app, account: longest, count: 2 });
    const accepted = await post({ account: longest, categories: ['messages'] });
    expect(accepted.status).toBe(202);
    const receipt = await pollUntil(String(accepted.body.id), 'completed');
    expect(receipt.body.deleted).toMatchObject({ messages: 2 });
    expect(await storedFor(db.doc, db.tables.personal, app, longest)).toEqual({ userInfo: 0, messages: 0 });
  });

  it('refuses requests without credentials (401) and another app admin (403); another app cannot read a receipt', async () => {
    const created = await post({ account: 'grace' });
    expect((await post({ account: 'grace' }, { query: {} })).status).toBe(401);
    // The other app's admin, valid credentials, aimed at this app: 403 on both routes.
    const cross = await post({ account: 'grace' }, { query: admin(otherApp, OTHER_SECRET) });
    expect(cross.status).toBe(403);
    expect((await get(String(created.body.id), admin(otherApp, OTHER_SECRET))).status).toBe(403);
    // Under its own app, the other admin does not find this app's request.
    const notFound = await get(String(created.body.id), admin(otherApp, OTHER_SECRET), otherApp);
    expect(notFound.status).toBe(404);
    expect((await get('not-a-uuid')).status).toBe(404);
  });
});
