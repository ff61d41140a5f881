import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpiryDeps } from '../../../functions/expire/deps.js';
import { runExpiry } from '../../../functions/expire/run.js';
import { TTL_MARGIN_SECONDS } from '../../../lib/policy/expiry.js';
import { createLegalHoldStore } from '../../../lib/store/legal-holds.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { must, readItem, writeItems } from './items.js';

/** Here DynamoDB Local's own TTL stays on: the free bulk-deletion layer, and what a hold must survive. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({}, { ttl: true });
});
afterAll(async () => db.drop());

describe('expire alongside DynamoDB TTL', () => {
  it('lets TTL reach an item only TTL_MARGIN_SECONDS after its expiry, and never a held one', async () => {
    const now = new Date();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    // Expired long enough ago that TTL may take it within seconds (its ttlDeleteAt is just ahead).
    const longAgo = nowSeconds - TTL_MARGIN_SECONDS + 2;
    const [held, unheld, recent] = await writeItems(db.doc, db.tables, [
      { category: 'messages', app: 'ttl-app', account: 'alice', expiresAt: longAgo },
      { category: 'messages', app: 'ttl-app', account: 'bob', expiresAt: longAgo },
      // Expired a minute ago: still within the margin, so TTL must leave it to `expire`.
      { category: 'messages', app: 'ttl-app', account: 'carol', expiresAt: nowSeconds - 60 },
    ]);
    await createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance }).create(
      { app: 'ttl-app', account: 'alice', categories: ['messages'], reason: 'court' },
      now,
    );
    // A grace as long as the margin: this run parks the held item and deletes nothing, leaving bob to TTL.
    const report = await runExpiry(createExpiryDeps(db.doc, db.tables), {
      now,
      graceSeconds: TTL_MARGIN_SECONDS,
      dryRun: false,
      shouldStop: () => false,
    });
    expect(report.categories.messages).toMatchObject({ held: 1, deleted: 0 });

    // DynamoDB Local's TTL sweeps within seconds; wait until it has taken the unheld item.
    const deadline = Date.now() + 30_000;
    while ((await readItem(db.doc, db.tables, must(unheld))) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await readItem(db.doc, db.tables, must(unheld))).toBeUndefined();
    const parked = await readItem(db.doc, db.tables, must(held));
    expect(parked).toMatchObject({ expiresAt: -longAgo, account: 'alice' });
    expect(parked?.ttlDeleteAt).toBeUndefined();
    expect(await readItem(db.doc, db.tables, must(recent))).toMatchObject({ account: 'carol' });
  }, 45_000);
});
