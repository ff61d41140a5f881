import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpiryDeps } from '../../../functions/expire/deps.js';
import { runExpiry } from '../../../functions/expire/run.js';
import { CATEGORY_IDS, type CategoryId } from '../../../lib/policy/categories.js';
import { HOLD_LOOKAHEAD_SECONDS } from '../../../lib/policy/expiry.js';
import { addMonths, epochSeconds, monthOf } from '../../../lib/policy/time.js';
import { createLegalHoldStore } from '../../../lib/store/legal-holds.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { emptyTables, readItem, type StoredTestItem, writeItems } from './items.js';

const DAY = 86_400;
const BASE = Date.parse('2025-01-15T00:00:00Z');

interface HoldSpec {
  app: number;
  account: number | null;
  categories: CategoryId[];
  state: 'open' | 'released' | 'lapsed' | 'untilFuture';
}

const scenario = fc.record({
  nowSeconds: fc.integer({ min: 0, max: 400 * DAY }).map((s) => Math.floor(BASE / 1000) + s),
  grace: fc.constantFrom(0, 3600),
  items: fc.array(
    fc.record({
      category: fc.constantFrom(...CATEGORY_IDS),
      app: fc.integer({ min: 0, max: 2 }),
      account: fc.integer({ min: 0, max: 2 }),
      offset: fc.oneof(
        fc.integer({ min: -60 * DAY, max: 3 * DAY }),
        fc.integer({ min: -2 * 3600, max: 2 * 3600 }),
        fc.integer({ min: 40 * DAY, max: 400 * DAY }),
      ),
    }),
    { maxLength: 40 },
  ),
  holds: fc.array(
    fc.record({
      app: fc.integer({ min: 0, max: 2 }),
      account: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
      categories: fc.subarray([...CATEGORY_IDS], { minLength: 1 }),
      state: fc.constantFrom('open', 'released', 'lapsed', 'untilFuture'),
    }),
    { maxLength: 3 },
  ),
  advance: fc.integer({ min: 0, max: 3 * DAY }),
});

/** The oracle, written independently of lib/policy: does an active hold keep this item? */
function keptByHold(holds: HoldSpec[], item: StoredTestItem, apps: string[], accounts: string[]): boolean {
  return holds.some(
    (hold) =>
      (hold.state === 'open' || hold.state === 'untilFuture') &&
      apps[hold.app] === item.app &&
      hold.categories.includes(item.category) &&
      (hold.account === null || (item.account !== undefined && accounts[hold.account] === item.account)),
  );
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());

describe('runExpiry on DynamoDB Local', () => {
  it('deletes exactly the expired, unheld items in every category, and the held ones once released', {
    timeout: 120_000,
  }, async () => {
    let iteration = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        iteration += 1;
        // Every case starts from empty tables, so the report's counts must match the case exactly.
        const tables = db;
        try {
          const doc = tables.doc;
          const deps = createExpiryDeps(doc, tables.tables, { baseDelayMs: 1, maxDelayMs: 5 });
          const holdStore = createLegalHoldStore({ doc, tableName: tables.tables.governance });
          const apps = [0, 1, 2].map((i) => `14000${iteration}${i}`);
          const accounts = ['alice', 'bob', 'carol#1'];
          const now = new Date(s.nowSeconds * 1000);
          // The oldest item expires 60 days back: start the walk there instead of the 12-month look-back.
          for (const category of CATEGORY_IDS)
            await doc.send(
              new PutCommand({
                TableName: tables.tables.governance,
                Item: {
                  pk: 'checkpoint',
                  sk: `expire#${category}`,
                  month: addMonths(monthOf(s.nowSeconds), -3),
                },
              }),
            );
          const stored = await writeItems(
            doc,
            tables.tables,
            s.items.map((i) => ({
              category: i.category,
              app: apps[i.app] as string,
              ...(i.category === 'userInfo' || i.category === 'messages'
                ? { account: accounts[i.account] }
                : {}),
              expiresAt: s.nowSeconds + i.offset,
            })),
          );
          const created = [];
          for (const spec of s.holds) {
            const until =
              spec.state === 'lapsed'
                ? new Date(now.getTime() - 1000).toISOString()
                : spec.state === 'untilFuture'
                  ? new Date(now.getTime() + 30 * DAY * 1000).toISOString()
                  : undefined;
            const hold = await holdStore.create(
              {
                app: apps[spec.app] as string,
                ...(spec.account !== null ? { account: accounts[spec.account] as string } : {}),
                categories: spec.categories,
                reason: 'property',
                ...(until ? { until } : {}),
              },
              new Date(now.getTime() - 5 * DAY * 1000),
            );
            if (spec.state === 'released') await holdStore.release(hold.app, hold.id, now);
            created.push(hold);
          }

          // Phase 1: holds in force.
          const cutoff = s.nowSeconds - s.grace;
          const report = await runExpiry(deps, {
            now,
            graceSeconds: s.grace,
            dryRun: false,
            shouldStop: () => false,
          });
          let expectDeleted = 0;
          let expectHeld = 0;
          let expectWithinGrace = 0;
          const afterPhase1 = await Promise.all(stored.map((item) => readItem(doc, tables.tables, item)));
          for (const [i, item] of stored.entries()) {
            const after = afterPhase1[i];
            const kept = keptByHold(s.holds, item, apps, accounts);
            if (kept && item.expiresAt <= s.nowSeconds + HOLD_LOOKAHEAD_SECONDS) {
              expectHeld += 1;
              expect(after?.expiresAt).toBe(-item.expiresAt);
            } else if (!kept && item.expiresAt <= cutoff) {
              expectDeleted += 1;
              expect(after).toBeUndefined();
            } else {
              if (!kept && item.expiresAt <= s.nowSeconds) expectWithinGrace += 1;
              expect(after?.expiresAt).toBe(item.expiresAt);
            }
          }
          const sum = (f: (c: NonNullable<(typeof report.categories)[CategoryId]>) => number) =>
            Object.values(report.categories).reduce((n, c) => n + f(c), 0);
          expect(sum((c) => c.deleted)).toBe(expectDeleted);
          expect(sum((c) => c.due)).toBe(expectDeleted);
          expect(sum((c) => c.held)).toBe(expectHeld);
          expect(sum((c) => c.overdueAfter)).toBe(expectWithinGrace);
          expect(sum((c) => c.errors)).toBe(0);
          expect(report.stoppedEarly).toBe(false);

          // Phase 2: every hold released, the clock moves on; held items go, or come back if not yet due.
          for (const hold of created) await holdStore.release(hold.app, hold.id, now);
          const now2 = new Date((s.nowSeconds + s.advance) * 1000);
          const cutoff2 = epochSeconds(now2) - s.grace;
          const report2 = await runExpiry(deps, {
            now: now2,
            graceSeconds: s.grace,
            dryRun: false,
            shouldStop: () => false,
          });
          const afterPhase2 = await Promise.all(stored.map((item) => readItem(doc, tables.tables, item)));
          for (const [i, item] of stored.entries()) {
            const after = afterPhase2[i];
            if (item.expiresAt <= cutoff2) expect(after).toBeUndefined();
            else expect(after?.expiresAt).toBe(item.expiresAt);
          }
          expect(Object.values(report2.categories).every((c) => c.complete)).toBe(true);
        } finally {
          await emptyTables(db);
        }
      }),
      { numRuns: 15 },
    );
  });
});
