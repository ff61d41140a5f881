import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditStore, auditPk, createAuditStore } from '../../../lib/store/audit.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { newSdkAppId } from './apps-fixtures.js';

describe('audit store (governance table, pk audit#<app>, sk <iso time>#<id>)', () => {
  let db: TestDatabase;
  let audit: AuditStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    audit = createAuditStore({ doc: db.doc, tableName: db.tables.governance });
  });
  afterAll(async () => db.drop());

  it('records entries and lists one app’s, oldest first, and no other app’s', async () => {
    const app = newSdkAppId();
    const other = newSdkAppId();
    const late = await audit.record({ app, action: 'b', at: '2026-02-01T00:00:00.000Z', details: { n: 2 } });
    const early = await audit.record({ app, action: 'a', at: '2026-01-01T00:00:00.000Z', details: { n: 1 } });
    await audit.record({ app: other, action: 'c', at: '2026-01-15T00:00:00.000Z', details: {} });
    expect(await audit.listForApp(app)).toEqual([early, late]);
    expect(early.id).not.toBe(late.id);
  });

  it('keeps records: they carry no expiresAt', () => {
    const put = audit.putFor({ app: '1', action: 'x', at: '2026-01-01T00:00:00.000Z', details: {} }, 'id-1');
    expect(put.Put.Item).toMatchObject({ pk: auditPk('1'), sk: '2026-01-01T00:00:00.000Z#id-1' });
    expect(put.Put.Item.expiresAt).toBeUndefined();
  });

  it('writes inside a transaction, and never overwrites a record with the same key', async () => {
    const app = newSdkAppId();
    const entry = { app, action: 'configPurged', at: '2026-03-01T00:00:00.000Z', details: { purgeAt: 'x' } };
    await db.doc.send(new TransactWriteCommand({ TransactItems: [audit.putFor(entry, 'fixed')] }));
    await expect(
      db.doc.send(
        new TransactWriteCommand({ TransactItems: [audit.putFor({ ...entry, details: {} }, 'fixed')] }),
      ),
    ).rejects.toThrow();
    expect(await audit.listForApp(app)).toEqual([{ ...entry, id: 'fixed' }]);
  });
});
