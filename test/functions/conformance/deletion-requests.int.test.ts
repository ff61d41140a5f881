import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppStore } from '../../../lib/store/apps.js';
import { requestKey } from '../../../lib/store/deletion-records.js';
import type { DeletionRequest, DeletionRequestStore } from '../../../lib/store/deletion-requests.js';
import { minimalConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';
import { adminQuery } from '../apps/client.js';
import { accountRequest, requestStore } from '../deletion-worker/deps.js';

/**
 * GET /deletion-requests: the operator's list of every app's D3 requests, from the byState index's open
 * and completed partitions; overdue ones are a key range of the open partition. Never the account.
 */
type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let db: TestDatabase;
let conformance: Handler;
let store: DeletionRequestStore;
const T = Date.parse('2025-09-15T12:00:00Z');
const DAY = 86_400_000;
const operator = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` };
const appA = '1400000701';
const appB = '1400000702';
/** Filed at these times; the month deadline makes the first three overdue at T. */
const made: Record<string, DeletionRequest> = {};

interface Summary {
  app: string;
  id: string;
  status: string;
  receivedAt: string;
  dueAt: string;
  completedAt?: string;
  overdue: boolean;
  ageSeconds: number;
}

const at = (ms: number) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
};
const list = async (query: Record<string, string> = {}, headers: Record<string, string> = operator) => {
  const answer = await conformance(
    httpEvent('GET', '/deletion-requests', { routePath: '/deletion-requests', headers, query }),
    lambdaContext(),
  );
  return { status: answer.statusCode, body: JSON.parse(String(answer.body)) as Record<string, unknown> };
};
const idsOf = (body: Record<string, unknown>) => (body.requests as Summary[]).map((r) => r.id);
/** Every page of a filter, `limit` at a time. */
async function allPages(query: Record<string, string>, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page = await list({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    expect(page.status).toBe(200);
    expect((page.body.requests as unknown[]).length).toBeLessThanOrEqual(limit);
    ids.push(...idsOf(page.body));
    cursor = page.body.nextCursor as string | null;
    if (cursor === null) return ids;
  }
  throw new Error('no last page');
}

beforeAll(async () => {
  db = await createTestDatabase({ POWERTOOLS_METRICS_DISABLED: 'true' });
  conformance = (
    (await import('../../../functions/conformance/handler.js')) as unknown as { handler: Handler }
  ).handler;
  store = requestStore(db.doc, db.tables.governance);
  const file = async (name: string, app: string, account: string, filedAt: number) => {
    made[name] = (await store.create(accountRequest(app, account), new Date(filedAt))).request;
  };
  await file('overdueReceived', appA, 'alice-listed', T - 45 * DAY);
  await file('overdueProcessing', appB, 'bob-listed', T - 40 * DAY);
  await file('overdueWithheld', appA, 'carol-listed', T - 35 * DAY);
  await file('received', appB, 'dave-listed', T - 3 * DAY);
  await file('completedEarly', appA, 'erin-listed', T - 20 * DAY);
  await file('completedLate', appB, 'frank-listed', T - 10 * DAY);
  const lease = (r: DeletionRequest, now: number) =>
    store.acquire(r.app, r.id, 'lister', new Date(now), 60_000);
  await lease(made.overdueProcessing as DeletionRequest, T - 39 * DAY);
  const withheld = await lease(made.overdueWithheld as DeletionRequest, T - 34 * DAY);
  await store.finishPass(withheld as DeletionRequest, 'lister', {
    status: 'withheld',
    at: new Date(T - 34 * DAY),
    withheld: { userInfo: 1, messages: 0, holds: ['h-1'] },
  });
  for (const [name, completedAt] of [
    ['completedEarly', T - 19 * DAY],
    ['completedLate', T - 9 * DAY],
  ] as const) {
    const leased = await lease(made[name] as DeletionRequest, completedAt);
    made[name] = await store.finishPass(leased as DeletionRequest, 'lister', {
      status: 'completed',
      at: new Date(completedAt),
    });
  }
});
afterAll(async () => db.drop());
afterEach(() => vi.useRealTimers());

const id = (name: string) => (made[name] as DeletionRequest).id;
const OPEN_BY_DEADLINE = ['overdueReceived', 'overdueProcessing', 'overdueWithheld', 'received'];
const COMPLETED_LATEST_FIRST = ['completedLate', 'completedEarly'];

describe('GET /deletion-requests', () => {
  it('lists open requests earliest deadline first, then completed ones latest first, with times and age, never the account', async () => {
    at(T);
    const answer = await list();
    expect(answer.status).toBe(200);
    expect(idsOf(answer.body)).toEqual([...OPEN_BY_DEADLINE, ...COMPLETED_LATEST_FIRST].map(id));
    expect(answer.body.nextCursor).toBeNull();
    const byId = new Map((answer.body.requests as Summary[]).map((r) => [r.id, r]));
    const first = made.overdueReceived as DeletionRequest;
    expect(byId.get(first.id)).toEqual({
      app: appA,
      id: first.id,
      status: 'received',
      receivedAt: new Date(T - 45 * DAY).toISOString(),
      dueAt: first.dueAt,
      overdue: true,
      ageSeconds: (45 * DAY) / 1000,
    });
    expect(byId.get(id('overdueProcessing'))).toMatchObject({ status: 'processing', overdue: true });
    expect(byId.get(id('overdueWithheld'))).toMatchObject({ status: 'withheld', overdue: true });
    expect(byId.get(id('received'))).toMatchObject({
      status: 'received',
      overdue: false,
      ageSeconds: 3 * 86_400,
    });
    expect(byId.get(id('completedLate'))).toEqual({
      app: appB,
      id: id('completedLate'),
      status: 'completed',
      receivedAt: new Date(T - 10 * DAY).toISOString(),
      dueAt: (made.completedLate as DeletionRequest).dueAt,
      completedAt: new Date(T - 9 * DAY).toISOString(),
      overdue: false,
      ageSeconds: 86_400,
    });
    const text = JSON.stringify(answer.body);
    for (const account of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'])
      expect(text).not.toContain(account);
    expect(text).not.toContain('accountHash');
    expect(answer.body.checkedAt).toBe(new Date(T).toISOString());
  });

  it.each([
    ['received', ['overdueReceived', 'received']],
    ['processing', ['overdueProcessing']],
    ['withheld', ['overdueWithheld']],
    ['completed', COMPLETED_LATEST_FIRST],
  ])('filters by status=%s', async (status, names) => {
    at(T);
    expect(await allPages({ status }, 50)).toEqual(names.map(id));
  });

  it('answers overdue=true from the open partition up to now, and overdue=false with the rest', async () => {
    at(T);
    expect(await allPages({ overdue: 'true' }, 50)).toEqual(OPEN_BY_DEADLINE.slice(0, 3).map(id));
    expect(await allPages({ overdue: 'false' }, 50)).toEqual(['received', ...COMPLETED_LATEST_FIRST].map(id));
    expect(await allPages({ overdue: 'true', status: 'withheld' }, 50)).toEqual([id('overdueWithheld')]);
    expect(await allPages({ overdue: 'true', status: 'completed' }, 50)).toEqual([]);
    // A month on, the request received 3 days before T is overdue too.
    at(T + 30 * DAY);
    expect(await allPages({ overdue: 'true' }, 50)).toEqual(OPEN_BY_DEADLINE.map(id));
  });

  it.each([1, 2, 3, 5])(
    'gives the same list page by page (limit %i), across both partitions',
    async (limit) => {
      at(T);
      expect(await allPages({}, limit)).toEqual([...OPEN_BY_DEADLINE, ...COMPLETED_LATEST_FIRST].map(id));
      expect(await allPages({ status: 'received' }, limit)).toEqual(['overdueReceived', 'received'].map(id));
    },
  );

  it('hides a request whose record has expired, whether or not TTL has deleted it yet', async () => {
    at(T);
    const key = requestKey(appB, id('received'));
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tables.governance,
        Key: key,
        UpdateExpression: 'SET expiresAt = :at',
        ExpressionAttributeValues: { ':at': T / 1000 - 1 },
      }),
    );
    try {
      expect(await allPages({}, 2)).not.toContain(id('received'));
    } finally {
      await db.doc.send(
        new UpdateCommand({
          TableName: db.tables.governance,
          Key: key,
          UpdateExpression: 'REMOVE expiresAt',
        }),
      );
    }
  });

  it.each([
    [{ status: 'done' }, /status/],
    [{ overdue: 'yes' }, /overdue/],
    [{ limit: '0' }, /limit/],
    [{ limit: '201' }, /limit/],
    [{ limit: 'ten' }, /limit/],
    [{ cursor: 'not-a-cursor' }, /cursor/],
    [{ cursor: Buffer.from('{"segment":0}').toString('base64url') }, /cursor/],
  ])('answers 400 naming the field for %j', async (query, detail) => {
    at(T);
    const answer = await list(query);
    expect(answer.status).toBe(400);
    expect(String(answer.body.detail)).toMatch(detail);
  });

  it('refuses a cursor given with other filters, or one whose key lies outside its range', async () => {
    at(T);
    const first = await list({ limit: '1' });
    const cursor = String(first.body.nextCursor);
    expect((await list({ limit: '1', cursor })).status).toBe(200);
    expect((await list({ limit: '1', cursor, status: 'received' })).status).toBe(400);
    expect((await list({ limit: '1', cursor, overdue: 'true' })).status).toBe(400);
    const overdueCursor = String((await list({ limit: '1', overdue: 'true' })).body.nextCursor);
    const forged = JSON.parse(Buffer.from(overdueCursor, 'base64url').toString('utf8'));
    const notOverdue = made.received as DeletionRequest;
    forged.lastKey = {
      ...forged.lastKey,
      pk: requestKey(notOverdue.app, notOverdue.id).pk,
      sk: requestKey(notOverdue.app, notOverdue.id).sk,
      stateSort: `${notOverdue.dueAt}#${notOverdue.app}#${notOverdue.id}`,
    };
    const answer = await list({
      overdue: 'true',
      cursor: Buffer.from(JSON.stringify(forged)).toString('base64url'),
    });
    expect(answer.status).toBe(400);
  });

  it("is the operator's alone: 401 without a token or with a wrong one, 403 for an app admin", async () => {
    const app = newSdkAppId();
    await createAppStore({ doc: db.doc, tableName: db.tables.apps }).put(app, minimalConfig(), new Date());
    expect((await list({}, {})).status).toBe(401);
    expect((await list({}, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await list(adminQuery(app, SECRETS.secretKey), {})).status).toBe(403);
  });
});
