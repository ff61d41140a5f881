import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExpireResult } from '../../../functions/expire/handler.js';
import type { ExpiryReport } from '../../../functions/expire/run.js';
import { createExpiryStateStore } from '../../../lib/store/expiry-state.js';
import { createLegalHoldStore } from '../../../lib/store/legal-holds.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';
import { emptyTables, must, readItem, type TestItem, writeItems } from './items.js';

let db: TestDatabase;
let handler: (event: unknown, context: Context) => Promise<ExpireResult>;
const T = Date.parse('2025-06-20T10:00:00Z');
const S = T / 1000;
const DAY = 86_400;

beforeAll(async () => {
  db = await createTestDatabase({
    EXPIRY_GRACE_SECONDS: '0',
    POWERTOOLS_METRICS_NAMESPACE: 'ImRetentionTest',
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  ({ handler } = (await import('../../../functions/expire/handler.js')) as never);
});
afterAll(async () => db.drop());
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await emptyTables(db);
});

/** The clock the handler reads (new Date()); timers stay real so the SDK keeps working. */
const setClock = (ms: number) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
};

const everyCategory = (expiresAt: number, app = '1400000001'): TestItem[] => [
  { category: 'log', app, expiresAt },
  { category: 'monitoring', app, expiresAt },
  { category: 'config', app, expiresAt },
  { category: 'userInfo', app, account: 'alice', expiresAt },
  { category: 'messages', app, account: 'alice', expiresAt },
];

const total = (report: ExpiryReport, field: 'due' | 'deleted' | 'overdueBefore' | 'overdueAfter') =>
  Object.values(report.categories).reduce((n, c) => n + c[field], 0);

describe('expire handler', () => {
  it('dry run reports what would be deleted and deletes nothing', async () => {
    setClock(T);
    const due = await writeItems(db.doc, db.tables, everyCategory(S - 3600));
    const report = (await handler({ dryRun: true }, lambdaContext())) as ExpiryReport;
    expect(report.dryRun).toBe(true);
    for (const category of ['log', 'monitoring', 'config', 'userInfo', 'messages'] as const) {
      expect(report.categories[category]).toMatchObject({
        due: 1,
        deleted: 0,
        overdueBefore: 1,
        overdueAfter: 1,
      });
      expect(report.categories[category]?.oldestOverdueSecondsBefore).toBe(3600);
    }
    for (const item of due) expect(await readItem(db.doc, db.tables, item)).toBeDefined();
    const state = createExpiryStateStore({ doc: db.doc, tableName: db.tables.governance });
    expect((await state.getCheckpoint('log')).month).toBeUndefined();
  });

  it('deletes the due item of every category, leaves the rest, and emits the counts as EMF metrics', async () => {
    setClock(T);
    const due = await writeItems(db.doc, db.tables, everyCategory(S - 40 * DAY));
    const dueNow = await writeItems(db.doc, db.tables, everyCategory(S));
    const later = await writeItems(db.doc, db.tables, everyCategory(S + 1));
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const report = (await handler(
      { version: '0', 'detail-type': 'Scheduled Event' },
      lambdaContext(),
    )) as ExpiryReport;
    vi.mocked(process.stdout.write).mockRestore();
    expect(report.dryRun).toBe(false);
    expect(total(report, 'deleted')).toBe(10);
    expect(total(report, 'overdueBefore')).toBe(10);
    expect(total(report, 'overdueAfter')).toBe(0);
    expect(report.categories.messages?.oldestOverdueSecondsBefore).toBe(40 * DAY);
    expect(report.categories.messages?.oldestOverdueSecondsAfter).toBe(0);
    for (const item of [...due, ...dueNow]) expect(await readItem(db.doc, db.tables, item)).toBeUndefined();
    for (const item of later) expect((await readItem(db.doc, db.tables, item))?.expiresAt).toBe(S + 1);
    // The checkpoint moved to the current month: later runs skip the drained months.
    const state = createExpiryStateStore({ doc: db.doc, tableName: db.tables.governance });
    expect((await state.getCheckpoint('messages')).month).toBe('2025-06');

    const emf = out
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line));
    const messages = emf.find((m) => m.category === 'messages');
    expect(messages).toMatchObject({
      ExpiryDeleted: 2,
      OverdueBefore: 2,
      OverdueAfter: 0,
      OldestOverdueSecondsBefore: 40 * DAY,
    });
    expect(messages._aws.CloudWatchMetrics[0].Namespace).toBe('ImRetentionTest');
    expect(emf.map((m) => m.category).sort()).toEqual([
      'config',
      'consent',
      'evidence',
      'log',
      'messages',
      'monitoring',
      'tombstone',
      'userInfo',
    ]);
  });

  it('keeps what an active hold covers, and deletes it at the next run after the release', async () => {
    setClock(T);
    const holds = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
    const [aliceMsg, bobMsg] = await writeItems(db.doc, db.tables, [
      { category: 'messages', app: 'held-app', account: 'alice', expiresAt: S - DAY },
      { category: 'messages', app: 'held-app', account: 'bob', expiresAt: S - DAY },
    ]);
    const hold = await holds.create(
      { app: 'held-app', account: 'alice', categories: ['messages'], reason: 'court' },
      new Date(T),
    );
    const first = (await handler({}, lambdaContext())) as ExpiryReport;
    expect(first.categories.messages).toMatchObject({ deleted: 1, held: 1, overdueAfter: 0 });
    expect(await readItem(db.doc, db.tables, must(aliceMsg))).toMatchObject({ expiresAt: -(S - DAY) });
    expect(await readItem(db.doc, db.tables, must(bobMsg))).toBeUndefined();

    // Runs while the hold lasts leave the held item alone and re-read nothing old.
    setClock(T + 900_000);
    const second = (await handler({}, lambdaContext())) as ExpiryReport;
    expect(second.categories.messages).toMatchObject({ due: 0, deleted: 0, monthsWalked: 1 });
    expect(await readItem(db.doc, db.tables, must(aliceMsg))).toBeDefined();

    await holds.release('held-app', hold.id, new Date(T + 1_000_000));
    setClock(T + 1_800_000);
    const third = (await handler({}, lambdaContext())) as ExpiryReport;
    expect(third.categories.messages).toMatchObject({
      due: 1,
      deleted: 1,
      overdueBefore: 1,
      overdueAfter: 0,
    });
    expect(await readItem(db.doc, db.tables, must(aliceMsg))).toBeUndefined();
    const state = createExpiryStateStore({ doc: db.doc, tableName: db.tables.governance });
    expect(await state.listHeldBuckets()).toEqual([]);
  });

  it('stops before the remaining time runs out and resumes where it stopped on the next run', async () => {
    setClock(T);
    // 12 months of due messages: 96 buckets, so a short run cannot walk them all.
    const items = await writeItems(
      db.doc,
      db.tables,
      Array.from({ length: 240 }, (_, i) => ({
        category: 'messages' as const,
        app: 'busy',
        account: `u${i}`,
        expiresAt: S - (1 + (i % 12) * 30) * DAY - i,
      })),
    );
    let calls = 0;
    const short = lambdaContext({ getRemainingTimeInMillis: () => (++calls < 40 ? 200_000 : 1_000) });
    const cut = (await handler({}, short)) as ExpiryReport;
    expect(cut.stoppedEarly).toBe(true);
    expect(cut.categories.messages?.complete).toBe(false);
    const left = (await Promise.all(items.map((i) => readItem(db.doc, db.tables, i)))).filter(Boolean).length;
    expect(left).toBeGreaterThan(0);
    expect(cut.categories.messages?.deleted).toBe(240 - left);
    // The months not yet drained stay ahead of the checkpoint, so the next run walks them again.
    expect((cut.categories.messages?.checkpointAfter ?? '0000-00') < '2025-06').toBe(true);

    const resumed = (await handler({}, lambdaContext())) as ExpiryReport;
    expect(resumed.stoppedEarly).toBe(false);
    expect(resumed.categories.messages).toMatchObject({ deleted: left, overdueAfter: 0, complete: true });
    expect((await Promise.all(items.map((i) => readItem(db.doc, db.tables, i)))).filter(Boolean)).toEqual([]);
  });

  it('skips when another run holds the lease, so overlapping runs never double-count', async () => {
    setClock(T);
    const due = await writeItems(db.doc, db.tables, everyCategory(S - 60));
    const state = createExpiryStateStore({ doc: db.doc, tableName: db.tables.governance });
    expect(await state.acquireLease('other-run', new Date(T), new Date(T + 60_000))).toBe(true);
    expect(await handler({}, lambdaContext())).toEqual({ skipped: 'anotherRunInProgress' });
    for (const item of due) expect(await readItem(db.doc, db.tables, item)).toBeDefined();
    // A lease whose holder died lapses at its deadline.
    setClock(T + 61_000);
    const report = (await handler({}, lambdaContext())) as ExpiryReport;
    expect(total(report, 'deleted')).toBe(5);
    // Two runs started together: one works, the other skips; the deletions are counted once.
    await writeItems(db.doc, db.tables, everyCategory(S));
    const both = await Promise.all([handler({}, lambdaContext()), handler({}, lambdaContext())]);
    const reports = both.filter((r): r is ExpiryReport => !('skipped' in r));
    expect(reports).toHaveLength(1);
    expect(total(reports[0] as ExpiryReport, 'deleted')).toBe(5);
  });
});
