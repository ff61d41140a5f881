import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ActiveHolds,
  createLegalHoldStore,
  type LegalHoldStore,
} from '../../../lib/store/legal-holds.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
let store: LegalHoldStore & ActiveHolds;
const t0 = new Date('2025-03-01T00:00:00Z');
const later = new Date('2025-03-20T00:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  store = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
});
afterAll(async () => db.drop());

describe('legal hold store', () => {
  it('creates a hold that get, listForApp, activeForApp and listActive all see', async () => {
    const hold = await store.create(
      {
        app: 'app-a',
        account: 'alice',
        categories: ['messages', 'messages', 'userInfo'],
        reason: 'court order',
      },
      t0,
    );
    expect(hold).toMatchObject({ app: 'app-a', account: 'alice', categories: ['messages', 'userInfo'] });
    expect(hold.createdAt).toBe(t0.toISOString());
    expect(await store.get('app-a', hold.id)).toEqual(hold);
    expect(await store.listForApp('app-a')).toEqual([hold]);
    expect(await store.activeForApp('app-a', later)).toEqual([hold]);
    expect((await store.listActive(later)).map((h) => h.id)).toContain(hold.id);
  });

  it('releases a hold: kept as a record, gone from the active lists, released only once', async () => {
    const hold = await store.create({ app: 'app-b', categories: ['log'], reason: 'audit' }, t0);
    const released = await store.release('app-b', hold.id, later);
    expect(released?.releasedAt).toBe(later.toISOString());
    const again = await store.release('app-b', hold.id, new Date('2025-04-01T00:00:00Z'));
    expect(again?.releasedAt).toBe(later.toISOString());
    expect(await store.get('app-b', hold.id)).toEqual(released);
    expect(await store.activeForApp('app-b', later)).toEqual([]);
    expect((await store.listActive(later)).map((h) => h.id)).not.toContain(hold.id);
  });

  it('moves the registry generation with every create and release, and not otherwise', async () => {
    const before = await store.generation();
    const hold = await store.create({ app: 'app-g', categories: ['messages'], reason: 'r' }, t0);
    const created = await store.generation();
    expect(created).toBeGreaterThan(before);
    expect(await store.generation()).toBe(created);
    await store.release('app-g', hold.id, later);
    const released = await store.generation();
    expect(released).toBeGreaterThan(created);
    await store.release('app-g', hold.id, later);
    expect(await store.generation()).toBe(released);
  });

  it('answers undefined when releasing or reading a hold that does not exist', async () => {
    expect(await store.release('app-x', 'nope', later)).toBeUndefined();
    expect(await store.get('app-x', 'nope')).toBeUndefined();
    expect(await store.listForApp('app-x')).toEqual([]);
  });

  it('treats a hold past its until as lapsed', async () => {
    const hold = await store.create(
      { app: 'app-c', categories: ['config'], reason: 'x', until: '2025-03-10T00:00:00Z' },
      t0,
    );
    expect(await store.activeForApp('app-c', new Date('2025-03-09T00:00:00Z'))).toEqual([hold]);
    expect(await store.activeForApp('app-c', later)).toEqual([]);
    expect((await store.listActive(later)).map((h) => h.id)).not.toContain(hold.id);
  });

  it('lists every app active holds across many pages', async () => {
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store.create({ app: `bulk-${i % 3}`, categories: ['messages'], reason: 'r'.repeat(40_000) }, t0),
      ),
    );
    const active = await store.listActive(later);
    for (const h of created) expect(active.map((a) => a.id)).toContain(h.id);
  });
});
