import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpiryDeps } from '../../../functions/expire/deps.js';
import { runExpiry } from '../../../functions/expire/run.js';
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
  it('takes a held item out of TTL reach before it expires; TTL (epoch seconds) deletes the unheld one', async () => {
    const now = new Date();
    const expiresAt = Math.floor(now.getTime() / 1000) + 2;
    const [held, unheld] = await writeItems(db.doc, db.tables, [
      { category: 'messages', app: 'ttl-app', account: 'alice', expiresAt },
      { category: 'messages', app: 'ttl-app', account: 'bob', expiresAt },
    ]);
    await createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance }).create(
      { app: 'ttl-app', account: 'alice', categories: ['messages'], reason: 'court' },
      now,
    );
    const report = await runExpiry(createExpiryDeps(db.doc, db.tables), {
      now,
      graceSeconds: 0,
      dryRun: false,
      shouldStop: () => false,
    });
    expect(report.categories.messages).toMatchObject({ held: 1, deleted: 0 });

    // DynamoDB Local's TTL sweeps within seconds; wait until it has taken the unheld item.
    const deadline = Date.now() + 30_000;
    while ((await readItem(db.doc, db.tables, must(unheld))) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await readItem(db.doc, db.tables, must(unheld))).toBeUndefined();
    expect(await readItem(db.doc, db.tables, must(held))).toMatchObject({
      expiresAt: -expiresAt,
      account: 'alice',
    });
  }, 45_000);
});
