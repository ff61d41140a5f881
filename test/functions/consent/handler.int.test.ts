import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpiryDeps } from '../../../functions/expire/deps.js';
import { runExpiry } from '../../../functions/expire/run.js';
import { CONSENT_HISTORY_MAX, consentEvidenceExpiry } from '../../../lib/policy/consent.js';
import { addCalendarMonths, expirySeconds } from '../../../lib/policy/time.js';
import { createAppStore } from '../../../lib/store/apps.js';
import { consentKey, createConsentStore } from '../../../lib/store/consents.js';
import { createDocumentClient, createDynamoClient } from '../../../lib/store/dynamo.js';
import { minimalConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import { callRoute } from '../../lib/store/personal-fixtures.js';
import { consentGrantedAt } from '../../support/consent.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';
import { adminQuery } from '../apps/client.js';
import { startLambdaEndpoint } from '../deletion-requests/lambda-endpoint.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
type WorkerHandler = (event: unknown, context: Context) => Promise<unknown>;

const CONSENT = '/apps/{sdkAppId}/users/{account}/consent';

describe('consent records over HTTP (D6 with D4)', () => {
  let db: TestDatabase;
  let handler: Handler;
  let deletion: Handler;
  let worker: WorkerHandler;
  let lambda: Awaited<ReturnType<typeof startLambdaEndpoint>>;
  const app = newSdkAppId();
  const otherApp = newSdkAppId();
  const OTHER_SECRET = `${SECRETS.secretKey.slice(0, -4)}beef`;

  beforeAll(async () => {
    lambda = await startLambdaEndpoint(async ({ payload }) =>
      worker(payload, lambdaContext({ getRemainingTimeInMillis: () => 60_000 })),
    );
    db = await createTestDatabase({
      LAMBDA_ENDPOINT: lambda.url,
      FUNCTION_NAME_PREFIX: 'im-retention-test-',
    });
    const apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    await apps.put(app, minimalConfig(), new Date());
    await apps.put(otherApp, minimalConfig({ secretKey: OTHER_SECRET }), new Date());
    handler = (await import('../../../functions/consent/handler.js')).handler as unknown as Handler;
    deletion = (await import('../../../functions/deletion-requests/handler.js'))
      .handler as unknown as Handler;
    worker = (await import('../../../functions/deletion-worker/handler.js'))
      .handler as unknown as WorkerHandler;
  });
  afterAll(async () => {
    await lambda?.settled();
    await lambda?.close();
    await db?.drop();
  });

  const call = (
    method: string,
    account: string,
    body?: unknown,
    options: { sdkAppId?: string; query?: Record<string, string> } = {},
  ) =>
    callRoute(
      handler,
      method,
      { template: CONSENT, params: { sdkAppId: options.sdkAppId ?? app, account } },
      {
        query: options.query ?? adminQuery(options.sdkAppId ?? app, SECRETS.secretKey),
        ...(body ? { body } : {}),
      },
    );
  const grant = (account: string, body: Record<string, unknown>, options = {}) =>
    call('PUT', account, { categories: ['userInfo', 'messages'], ...body }, options);

  it('refuses a 14-year-old in DE without parental consent (422 naming age) and accepts one with it', async () => {
    const refused = await grant('teen-de', { jurisdiction: 'DE', age: 14 });
    expect(refused.status).toBe(422);
    expect(refused.contentType).toBe('application/problem+json');
    expect(String(refused.body.detail)).toMatch(/^age: /);
    expect(refused.body).toMatchObject({ status: 422, minimumAge: 16, jurisdiction: 'DE' });
    expect((await call('GET', 'teen-de')).status).toBe(404);

    const accepted = await grant('teen-de', { jurisdiction: 'DE', age: 14, parentalConsent: true });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      account: 'teen-de',
      categories: ['userInfo', 'messages'],
      jurisdiction: 'DE',
      minimumAge: 16,
      minimumAgeSource: 'table',
      age: 14,
      parentalConsent: true,
    });
    expect(Date.parse(String(accepted.body.grantedAt))).toBeGreaterThan(Date.now() - 60_000);
  });

  it.each([
    ['CN', 14, 13, 422],
    ['CN', 14, 14, 200],
    ['FR', 15, 14, 422],
    ['US', 13, 13, 200],
    ['IN', 18, 17, 422],
    ['BR', 12, 12, 200],
  ])(
    'in %s (minimum %i) a %i-year-old alone is answered %i',
    async (jurisdiction, minimumAge, age, status) => {
      const answer = await grant(`age-${jurisdiction}-${age}`, { jurisdiction, age });
      expect(answer.status).toBe(status);
      if (status === 200) expect(answer.body.minimumAge).toBe(minimumAge);
    },
  );

  it('gives an assigned code the table lacks the documented default, and says so', async () => {
    const answer = await grant('canadian', { jurisdiction: 'CA', age: 16 });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ minimumAge: 16, minimumAgeSource: 'default' });
    expect((await grant('canadian-15', { jurisdiction: 'CA', age: 15 })).status).toBe(422);
  });

  it.each(['XK', 'EU', 'ZZ', 'de', 'DEU'])(
    'answers 400 for jurisdiction %j, not an assigned ISO 3166-1 alpha-2 code',
    async (jurisdiction) => {
      const answer = await grant('nowhere', { jurisdiction });
      expect(answer.status).toBe(400);
      expect(String(answer.body.detail)).toMatch(/^jurisdiction/);
    },
  );

  it.each([
    [{ categories: [], jurisdiction: 'DE' }],
    [{ categories: ['log'], jurisdiction: 'DE' }],
    [{ categories: ['messages'] }],
    [{ categories: ['messages'], jurisdiction: 'DE', age: -1 }],
    [{ categories: ['messages'], jurisdiction: 'DE', extra: true }],
  ])('answers 400 for the malformed body %j', async (body) => {
    expect((await call('PUT', 'malformed', body)).status).toBe(400);
  });

  it('keeps the history of grants and withdrawals; the withdrawal files a D3 request visible under deletion-requests', async () => {
    expect((await call('GET', 'carol')).status).toBe(404);
    expect((await call('DELETE', 'carol')).status).toBe(404);
    await grant('carol', { jurisdiction: 'GB', categories: ['messages'], policyVersion: 'v1' });
    const second = await grant('carol', { jurisdiction: 'GB', policyVersion: 'v2' });
    const record = await call('GET', 'carol');
    expect(record.status).toBe(200);
    expect(record.body.active).toMatchObject({ categories: ['userInfo', 'messages'], policyVersion: 'v2' });
    expect(record.body.history).toEqual([
      { action: 'granted', at: expect.any(String), categories: ['messages'] },
      { action: 'granted', at: second.body.grantedAt, categories: ['userInfo', 'messages'] },
    ]);

    const withdrawn = await call('DELETE', 'carol');
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toEqual({
      withdrawnAt: expect.any(String),
      deletionRequestId: expect.any(String),
    });
    const after = await call('GET', 'carol');
    expect(after.body.active).toBeNull();
    expect(after.body.history).toHaveLength(3);
    expect((after.body.history as unknown[])[2]).toEqual({
      action: 'withdrawn',
      at: withdrawn.body.withdrawnAt,
      categories: ['userInfo', 'messages'],
    });

    await lambda.settled();
    const receipt = await callRoute(
      deletion,
      'GET',
      {
        template: '/apps/{sdkAppId}/deletion-requests/{id}',
        params: { sdkAppId: app, id: String(withdrawn.body.deletionRequestId) },
      },
      { query: adminQuery(app, SECRETS.secretKey) },
    );
    expect(receipt.status).toBe(200);
    expect(receipt.body).toMatchObject({ categories: ['userInfo', 'messages'] });

    // A repeated withdrawal keeps the first one's time and adds nothing to the history.
    const again = await call('DELETE', 'carol');
    expect(again.body.withdrawnAt).toBe(withdrawn.body.withdrawnAt);
    expect(((await call('GET', 'carol')).body.history as unknown[]).length).toBe(3);
  });

  it('keeps a withdrawn record as evidence for 3 years on the expiry index, and none while the consent is active', async () => {
    await grant('dave', { jurisdiction: 'JP' });
    const key = consentKey(app, 'dave');
    const active = await db.doc.send(new GetCommand({ TableName: db.tables.governance, Key: key }));
    expect(active.Item?.expiresAt).toBeUndefined();
    const withdrawn = await call('DELETE', 'dave');
    const item = (await db.doc.send(new GetCommand({ TableName: db.tables.governance, Key: key }))).Item;
    const expected = expirySeconds(consentEvidenceExpiry(new Date(String(withdrawn.body.withdrawnAt))));
    expect(item).toMatchObject({ category: 'consent', app, expiresAt: expected });
    expect(String(item?.expiryBucket)).toMatch(/^consent#\d{4}-\d{2}#\d$/);
    expect(item?.ttlDeleteAt).toBeGreaterThan(expected);
    // A new grant takes the record off the expiry index again.
    await grant('dave', { jurisdiction: 'JP' });
    const regranted = (await db.doc.send(new GetCommand({ TableName: db.tables.governance, Key: key }))).Item;
    expect(regranted?.expiresAt).toBeUndefined();
    expect(regranted?.expiryBucket).toBeUndefined();
  });

  it('lets expire delete a withdrawn record once its 3 years of evidence are over, and not before', async () => {
    await grant('frank', { jurisdiction: 'KR' });
    const withdrawnAt = new Date(String((await call('DELETE', 'frank')).body.withdrawnAt));
    const key = consentKey(app, 'frank');
    const deps = createExpiryDeps(db.doc, db.tables);
    const runAt = (now: Date) =>
      runExpiry(deps, {
        now,
        graceSeconds: 0,
        dryRun: false,
        shouldStop: () => false,
        categories: ['consent'],
      });
    const stored = async () =>
      (await db.doc.send(new GetCommand({ TableName: db.tables.governance, Key: key }))).Item;

    const early = await runAt(addCalendarMonths(withdrawnAt, 35));
    expect(early.categories.consent?.deleted).toBe(0);
    expect(await stored()).toBeDefined();
    const late = await runAt(addCalendarMonths(withdrawnAt, 37));
    expect(late.categories.consent?.deleted).toBeGreaterThanOrEqual(1);
    expect(await stored()).toBeUndefined();
  });

  it('never lets expire delete a record granted again after its withdrawn version was indexed', async () => {
    await grant('gina', { jurisdiction: 'KR' });
    const withdrawnAt = new Date(String((await call('DELETE', 'gina')).body.withdrawnAt));
    // The index entry expire reads was written by the withdrawal; the account consents again before
    // the delete lands (the index is eventually consistent, so a stale entry can outlive a re-grant).
    // Earlier runs' checkpoint is cleared: under this test's jumping clock it would skip gina's month.
    await db.doc.send(
      new DeleteCommand({ TableName: db.tables.governance, Key: { pk: 'checkpoint', sk: 'expire#consent' } }),
    );
    const client = createDynamoClient({ endpoint: db.endpoint, region: 'us-east-1', maxAttempts: 3 });
    let regranted = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const deleting =
          context.commandName === 'DeleteItemCommand' || context.commandName === 'BatchWriteItemCommand';
        if (deleting && !regranted) {
          regranted = true;
          expect((await grant('gina', { jurisdiction: 'KR' })).status).toBe(200);
        }
        return next(args);
      },
      { step: 'initialize', name: 'regrantBeforeDelete' },
    );
    const report = await runExpiry(createExpiryDeps(createDocumentClient(client), db.tables), {
      now: addCalendarMonths(withdrawnAt, 37),
      graceSeconds: 0,
      dryRun: false,
      shouldStop: () => false,
      categories: ['consent'],
    });
    client.destroy();
    expect(regranted).toBe(true);
    expect(report.categories.consent?.errors).toBe(0);
    const record = await call('GET', 'gina');
    expect(record.status).toBe(200);
    expect(record.body.active).toMatchObject({ categories: ['userInfo', 'messages'] });
  });

  it('keeps a long history whole: the oldest events move to chunks that expire on their own', async () => {
    const consents = createConsentStore({ doc: db.doc, tableName: db.tables.governance });
    const start = Date.now() - 200 * 60_000;
    const at = (i: number) => new Date(start + i * 60_000);
    const consent = (i: number) => consentGrantedAt(at(i));
    // 130 events: 65 grants, each followed by a withdrawal.
    for (let i = 0; i < 130; i += 2) {
      await consents.grant(app, 'hank', consent(i), at(i));
      await consents.withdraw(app, 'hank', at(i + 1));
    }
    const answer = await call('GET', 'hank');
    expect(answer.status).toBe(200);
    const history = answer.body.history as Array<{ action: string; at: string }>;
    expect(history).toHaveLength(130);
    expect(history.map((event) => event.at)).toEqual(
      Array.from({ length: 130 }, (_, i) => at(i).toISOString()),
    );
    expect(history.filter((event) => event.action === 'granted')).toHaveLength(65);

    const partition = await db.doc.send(
      new QueryCommand({
        TableName: db.tables.governance,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :account)',
        ExpressionAttributeValues: { ':pk': consentKey(app, 'hank').pk, ':account': 'hank' },
      }),
    );
    const record = partition.Items?.find((item) => item.sk === 'hank');
    const chunks = partition.Items?.filter((item) => item.kind === 'consentHistory') ?? [];
    expect((record?.history as unknown[] | undefined)?.length).toBeLessThanOrEqual(CONSENT_HISTORY_MAX);
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) {
      const events = chunk.events as Array<{ at: string }>;
      const next = history[history.findIndex((event) => event.at === events[events.length - 1]?.at) + 1];
      expect(chunk.expiresAt).toBe(expirySeconds(consentEvidenceExpiry(new Date(String(next?.at)))));
      expect(String(chunk.expiryBucket)).toMatch(/^consent#\d{4}-\d{2}#\d+$/);
    }

    // expire deletes the chunks and the record once their evidence periods are over.
    await db.doc.send(
      new DeleteCommand({ TableName: db.tables.governance, Key: { pk: 'checkpoint', sk: 'expire#consent' } }),
    );
    await runExpiry(createExpiryDeps(db.doc, db.tables), {
      now: addCalendarMonths(new Date(), 37),
      graceSeconds: 0,
      dryRun: false,
      shouldStop: () => false,
      categories: ['consent'],
    });
    const left = await db.doc.send(
      new QueryCommand({
        TableName: db.tables.governance,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :account)',
        ExpressionAttributeValues: { ':pk': consentKey(app, 'hank').pk, ':account': 'hank' },
      }),
    );
    expect(left.Items).toEqual([]);
  });

  it('authenticates exactly like the other app-admin routes: 401 without credentials, 403 for another app', async () => {
    expect((await call('GET', 'carol', undefined, { query: {} })).status).toBe(401);
    const wrongApp = await call('GET', 'carol', undefined, { query: adminQuery(otherApp, OTHER_SECRET) });
    expect(wrongApp.status).toBe(403);
    // Another app's admin never sees this app's records under its own app either.
    expect(
      (
        await call('GET', 'carol', undefined, {
          sdkAppId: otherApp,
          query: adminQuery(otherApp, OTHER_SECRET),
        })
      ).status,
    ).toBe(404);
  });

  it('refuses new grants on a terminated app (409) but still lets the admin withdraw until purgeAt', async () => {
    const terminated = newSdkAppId();
    const apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    await apps.put(terminated, minimalConfig(), new Date());
    const options = { sdkAppId: terminated };
    expect((await grant('erin', { jurisdiction: 'SG' }, options)).status).toBe(200);
    await apps.terminate(terminated, new Date(), new Date());
    expect((await grant('erin', { jurisdiction: 'SG' }, options)).status).toBe(409);
    const withdrawn = await call('DELETE', 'erin', undefined, options);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.deletionRequestId).toEqual(expect.any(String));
  });
});
