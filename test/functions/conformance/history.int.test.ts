import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';
import { writeItems } from '../expire/items.js';

/**
 * GET /conformance/history: every expire and purge run leaves its evidence (counts per category, no
 * personal data), read back a bounded page at a time, kept 400 days and then expired like anything else.
 */
type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let db: TestDatabase;
let conformance: Handler;
let expire: Handler;
let purge: Handler;
const T = Date.parse('2025-03-10T08:00:00Z');
const S = T / 1000;
const HOUR = 3600_000;
const operator = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` };
const runContext = () => lambdaContext({ getRemainingTimeInMillis: () => 280_000 });

beforeAll(async () => {
  db = await createTestDatabase({ EXPIRY_GRACE_SECONDS: '0', POWERTOOLS_METRICS_DISABLED: 'true' });
  const load = async (path: string) => ((await import(path)) as { handler: Handler }).handler;
  conformance = await load('../../../functions/conformance/handler.js');
  expire = await load('../../../functions/expire/handler.js');
  purge = await load('../../../functions/purge/handler.js');
});
afterAll(async () => db.drop());
afterEach(() => vi.useRealTimers());

const at = (ms: number) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
};
const history = async (query: Record<string, string>, headers: Record<string, string> = operator) => {
  const answer = await conformance(
    httpEvent('GET', '/conformance/history', { routePath: '/conformance/history', headers, query }),
    lambdaContext(),
  );
  return { status: answer.statusCode, body: JSON.parse(String(answer.body)) as Record<string, unknown> };
};

describe('GET /conformance/history', () => {
  it('gives every expire and purge run its evidence, oldest first, page by page, without personal data', async () => {
    at(T);
    await writeItems(db.doc, db.tables, [
      { category: 'messages', app: '1400000401', account: 'alice-history', expiresAt: S - 60 },
      { category: 'messages', app: '1400000401', account: 'alice-history', expiresAt: S - 30 },
    ]);
    await expire({}, runContext());
    at(T + HOUR);
    await purge({}, runContext());
    at(T + 2 * HOUR);
    await expire({}, runContext());

    const range = { from: new Date(T - HOUR).toISOString(), to: new Date(T + 3 * HOUR).toISOString() };
    const all = await history(range);
    expect(all.status).toBe(200);
    const runs = all.body.runs as Array<Record<string, unknown>>;
    expect(runs.map((r) => [r.run, r.startedAt])).toEqual([
      ['expire', new Date(T).toISOString()],
      ['purge', new Date(T + HOUR).toISOString()],
      ['expire', new Date(T + 2 * HOUR).toISOString()],
    ]);
    expect(runs[0]).toMatchObject({
      completed: true,
      categories: { messages: { due: 2, deleted: 2, overdueBefore: 2, overdueAfter: 0, errors: 0 } },
    });
    expect(runs[1]).toMatchObject({ run: 'purge', completed: true, apps: { purged: 0, failed: 0 } });
    expect(JSON.stringify(all.body)).not.toContain('alice-history');

    const first = await history({ ...range, limit: '2' });
    expect((first.body.runs as unknown[]).length).toBe(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await history({ ...range, limit: '2', cursor: String(first.body.nextCursor) });
    expect(second.body.runs).toEqual([runs[2]]);
    expect(second.body.nextCursor).toBeNull();
    // A cursor belongs to its range: another range is a 400, never a failed Query.
    const other = {
      from: range.from,
      to: new Date(T + 4 * HOUR).toISOString(),
      cursor: String(first.body.nextCursor),
    };
    expect((await history(other)).status).toBe(400);
  });

  it('refuses a bad range or cursor with 400, and a caller without the operator token with 401', async () => {
    at(T);
    expect((await history({ from: '2025-03-10T00:00:00Z', to: '2025-03-09T00:00:00Z' })).status).toBe(400);
    expect((await history({ from: '2023-01-01T00:00:00Z', to: '2025-03-09T00:00:00Z' })).status).toBe(400);
    expect((await history({ cursor: 'bm90IGEgY3Vyc29y' })).status).toBe(400);
    expect((await history({ limit: '0' })).status).toBe(400);
    expect((await history({}, {})).status).toBe(401);
  });

  it('keeps a run’s evidence 400 days, then hides it and expire deletes it', async () => {
    const R = Date.parse('2025-04-15T12:00:00Z');
    at(R);
    await expire({}, runContext());
    const pk = 'evidence#2025-04';
    const stored = async () =>
      (
        await db.doc.send(
          new QueryCommand({
            TableName: db.tables.governance,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
          }),
        )
      ).Items ?? [];
    expect(await stored()).toHaveLength(1);
    at(R + 399 * 24 * HOUR);
    expect(
      (await history({ from: new Date(R - HOUR).toISOString(), to: new Date(R + HOUR).toISOString() })).body
        .runs,
    ).toHaveLength(1);
    at(R + 401 * 24 * HOUR);
    expect((await history({ from: new Date(R + 2 * 24 * HOUR).toISOString() })).status).toBe(200);
    await expire({}, runContext());
    expect(await stored()).toHaveLength(0);
  });
});
