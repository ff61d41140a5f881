import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';
import { accountRequest, requestStore } from '../deletion-worker/deps.js';

describe('deletionDeadlines (D3: nothing silently overruns)', () => {
  let db: TestDatabase;
  let handler: (
    event: unknown,
    context: unknown,
  ) => Promise<{
    overdue: number;
    withheld: number;
    requests: Array<{ id: string; overdueSeconds: number }>;
  }>;

  beforeAll(async () => {
    db = await createTestDatabase();
    handler = (await import('../../../functions/deletion-deadlines/handler.js')).handler as never;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('reports open requests past dueAt, and no request still within its month', async () => {
    const requests = requestStore(db.doc, db.tables.governance);
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    const overdue = await requests.create(accountRequest('1400000001', 'old-account'), longAgo);
    await requests.create(accountRequest('1400000001', 'new-account'), new Date());

    const report = await handler({ source: 'aws.events' }, lambdaContext());

    expect(report.overdue).toBe(1);
    expect(report.withheld).toBe(0);
    expect(report.requests[0]).toMatchObject({ id: overdue.request.id });
    expect(report.requests[0]?.overdueSeconds).toBeGreaterThan(8 * 86_400);
    expect(JSON.stringify(report)).not.toContain('old-account');
  });
});
