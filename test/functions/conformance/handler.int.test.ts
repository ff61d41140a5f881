import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExpiryReport } from '../../../functions/expire/run.js';
import { CATEGORY_IDS } from '../../../lib/policy/categories.js';
import { CONSENT_EVIDENCE_MONTHS, consentEvidenceExpiry } from '../../../lib/policy/consent.js';
import { addCalendarMonths, expirySeconds } from '../../../lib/policy/time.js';
import { createConsentStore } from '../../../lib/store/consents.js';
import { createLegalHoldStore } from '../../../lib/store/legal-holds.js';
import { consentGrantedAt } from '../../support/consent.js';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';
import { type TestItem, writeItems } from '../expire/items.js';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
let db: TestDatabase;
let conformance: Handler;
let expire: (event: unknown, context: Context) => Promise<unknown>;
const T = Date.parse('2025-06-20T10:00:00Z');
const S = T / 1000;
const DAY = 86_400;

beforeAll(async () => {
  db = await createTestDatabase({ EXPIRY_GRACE_SECONDS: '0', POWERTOOLS_METRICS_DISABLED: 'true' });
  conformance = (
    (await import('../../../functions/conformance/handler.js')) as unknown as { handler: Handler }
  ).handler;
  expire = ((await import('../../../functions/expire/handler.js')) as unknown as { handler: typeof expire })
    .handler;
});
afterAll(async () => db.drop());
afterEach(() => vi.useRealTimers());

const get = (headers: Record<string, string> = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` }) =>
  conformance(httpEvent('GET', '/conformance', { headers }), lambdaContext());

const ofEveryCategory = (expiresAt: number, app = '1400000001'): TestItem[] =>
  CATEGORY_IDS.map((category) => ({
    category,
    app,
    ...(category === 'userInfo' || category === 'messages' ? { account: 'alice' } : {}),
    expiresAt,
  }));

describe('GET /conformance', () => {
  it('refuses a caller without the operator token', async () => {
    const response = await get({});
    expect(response.statusCode).toBe(401);
    expect((await get({ authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(401);
  });

  it('counts stored and overdue items per category from the expiry index, and 0 overdue after expire', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T);
    await writeItems(db.doc, db.tables, [
      ...ofEveryCategory(S - 2 * DAY),
      ...ofEveryCategory(S - 60),
      ...ofEveryCategory(S + DAY),
      { category: 'messages', app: '1400000001', account: 'bob', expiresAt: S + 3000 * DAY },
      // Covered by an active hold: stored, never overdue.
      { category: 'messages', app: '1400000002', account: 'carol', expiresAt: S - 5 * DAY },
      { category: 'config', app: '1400000002', expiresAt: S - 5 * DAY },
    ]);
    await createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance }).create(
      { app: '1400000002', categories: ['messages', 'config'], reason: 'court' },
      new Date(T),
    );

    const started = performance.now();
    const response = await get();
    const elapsed = Math.round(performance.now() - started);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(String(response.body));
    expect(body.checkedAt).toBe(new Date(T).toISOString());
    expect(Object.keys(body.categories).sort()).toEqual([...CATEGORY_IDS, 'consent'].sort());
    expect(body.categories.messages).toEqual({ stored: 5, overdue: 2, oldestOverdueSeconds: 2 * DAY });
    expect(body.categories.config).toEqual({ stored: 4, overdue: 2, oldestOverdueSeconds: 2 * DAY });
    expect(body.categories.userInfo).toEqual({ stored: 3, overdue: 2, oldestOverdueSeconds: 2 * DAY });
    expect(body.categories.monitoring).toEqual({ stored: 3, overdue: 2, oldestOverdueSeconds: 2 * DAY });
    // Every request is P2 log data too, so log may hold this request's own record by now.
    expect(body.categories.log).toMatchObject({ overdue: 2, oldestOverdueSeconds: 2 * DAY });
    expect(body.categories.log.stored).toBeGreaterThanOrEqual(3);
    console.info(`GET /conformance answered in ${elapsed} ms`);

    const report = (await expire(
      {},
      lambdaContext({ getRemainingTimeInMillis: () => 280_000 }),
    )) as ExpiryReport;
    expect(report.categories.messages).toMatchObject({ deleted: 2, held: 1 });
    const after = JSON.parse(String((await get()).body));
    for (const category of CATEGORY_IDS) {
      expect(after.categories[category]).toMatchObject({ overdue: 0, oldestOverdueSeconds: 0 });
    }
    // The held items are still stored (in their held buckets) and counted.
    expect(after.categories.messages.stored).toBe(3);
    expect(after.categories.config.stored).toBe(2);
  });

  it('counts withdrawn consent records past their evidence period as overdue until expire deletes them', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T);
    const consents = createConsentStore({ doc: db.doc, tableName: db.tables.governance });
    const app = '1400000009';
    const longAgo = addCalendarMonths(new Date(T), -(CONSENT_EVIDENCE_MONTHS + 2));
    const lately = addCalendarMonths(new Date(T), -1);
    for (const [account, at] of [
      ['old-1', longAgo],
      ['old-2', addCalendarMonths(longAgo, 1)],
      ['recent', lately],
    ] as const) {
      await consents.grant(app, account, consentGrantedAt(at), at);
      await consents.withdraw(app, account, at);
    }
    await consents.grant(app, 'active', consentGrantedAt(new Date(T)), new Date(T)); // no expiry: not on the index
    // Written into months an earlier run already passed (only this test's clock goes back): start afresh.
    await db.doc.send(
      new DeleteCommand({ TableName: db.tables.governance, Key: { pk: 'checkpoint', sk: 'expire#consent' } }),
    );

    const before = JSON.parse(String((await get()).body)).categories.consent;
    expect(before).toEqual({
      stored: 3,
      overdue: 2,
      oldestOverdueSeconds: S - expirySeconds(consentEvidenceExpiry(longAgo)),
    });
    await expire({}, lambdaContext({ getRemainingTimeInMillis: () => 280_000 }));
    expect(JSON.parse(String((await get()).body)).categories.consent).toEqual({
      stored: 1,
      overdue: 0,
      oldestOverdueSeconds: 0,
    });
  });
});
