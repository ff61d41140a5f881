import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordNotFoundError, StateConflictError } from '../../../lib/errors.js';
import { expirySeconds } from '../../../lib/policy/time.js';
import { type AppStores, CONFIG_TTL_MARGIN_SECONDS, createAppStore } from '../../../lib/store/apps.js';
import { createAuditStore } from '../../../lib/store/audit.js';
import { expiryBucket } from '../../../lib/store/keys.js';
import { createRetentionCutRegistry } from '../../../lib/store/retention-cut-registry.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { fullConfig, minimalConfig, newSdkAppId } from './apps-fixtures.js';

const at = (iso: string) => new Date(iso);

describe('app store on DynamoDB Local', () => {
  let db: TestDatabase;
  let store: AppStores;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = createAppStore({
      doc: db.doc,
      tableName: db.tables.apps,
      cuts: createRetentionCutRegistry({ doc: db.doc, tableName: db.tables.governance }),
    });
  });
  afterAll(async () => db.drop());

  const raw = async (sdkAppId: string) =>
    (await db.doc.send(new GetCommand({ TableName: db.tables.apps, Key: { appId: sdkAppId } }))).Item;

  describe('registration', () => {
    it('stores the full config with server-set times and reads it back', async () => {
      const id = newSdkAppId();
      const now = at('2026-01-10T08:00:00Z');
      const { record, created } = await store.put(id, fullConfig(), now);
      expect(created).toBe(true);
      expect(record).toEqual({
        sdkAppId: id,
        config: fullConfig(),
        status: 'active',
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      });
      expect(await store.get(id, now)).toEqual(record);
      const item = await raw(id);
      expect(item).toMatchObject({ appId: id, category: 'config', app: id, version: 1 });
      expect(item?.expiresAt).toBeUndefined();
    });

    it('replaces the config of a registered app, keeping createdAt', async () => {
      const id = newSdkAppId();
      await store.put(id, fullConfig(), at('2026-01-10T08:00:00Z'));
      const { record, created } = await store.put(id, minimalConfig(), at('2026-01-11T08:00:00Z'));
      expect(created).toBe(false);
      expect(record.config).toEqual(minimalConfig());
      expect(record.createdAt).toBe('2026-01-10T08:00:00.000Z');
      expect(record.updatedAt).toBe('2026-01-11T08:00:00.000Z');
    });

    it('answers undefined for an unknown app', async () => {
      expect(await store.get(newSdkAppId())).toBeUndefined();
    });

    it('keeps every concurrent replacement consistent (optimistic version, retried)', async () => {
      const id = newSdkAppId();
      await store.put(id, minimalConfig(), new Date());
      const names = Array.from({ length: 3 }, (_, i) => `name-${i}`);
      const results = await Promise.allSettled(
        names.map((appName) => store.put(id, minimalConfig({ appName }), new Date())),
      );
      const stored = await raw(id);
      const winners = results.filter((result) => result.status === 'fulfilled');
      expect(winners.length).toBeGreaterThanOrEqual(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(StateConflictError);
      }
      expect(stored?.version).toBe(1 + winners.length);
      expect(names).toContain(stored?.config.appName);
    });
  });

  describe('privacy settings', () => {
    it('replaces only the settings given', async () => {
      const id = newSdkAppId();
      await store.put(id, fullConfig(), new Date());
      const record = await store.updatePrivacy(id, { sensitiveData: 'mask' }, new Date());
      expect(record.config.privacy).toEqual({
        userInfo: { mode: 'stored', retentionDays: 30 },
        messages: { mode: 'notStored' },
        sensitiveData: 'mask',
      });
      const again = await store.updatePrivacy(
        id,
        { messages: { mode: 'stored', retentionDays: 3 } },
        new Date(),
      );
      expect(again.config.privacy?.messages).toEqual({ mode: 'stored', retentionDays: 3 });
      expect(again.config.secretKey).toBe(fullConfig().secretKey);
    });

    it('creates the privacy object of an app registered without one', async () => {
      const id = newSdkAppId();
      await store.put(id, minimalConfig(), new Date());
      const record = await store.updatePrivacy(id, { userInfo: { mode: 'notStored' } }, new Date());
      expect(record.config.privacy).toEqual({ userInfo: { mode: 'notStored' } });
    });

    it('throws RecordNotFoundError for an unknown app', async () => {
      await expect(store.updatePrivacy(newSdkAppId(), { sensitiveData: 'off' }, new Date())).rejects.toThrow(
        RecordNotFoundError,
      );
    });
  });

  describe('termination', () => {
    // P4 (docs/policy.md): two calendar months, clamped to the end of a shorter month, in UTC.
    it.each([
      ['2025-12-31T10:00:00.000Z', '2026-02-28T10:00:00.000Z'],
      ['2023-12-31T23:59:59.000Z', '2024-02-29T23:59:59.000Z'],
      ['2023-12-30T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
      ['2024-12-29T12:00:00.000Z', '2025-02-28T12:00:00.000Z'],
      ['2026-08-31T00:00:00.000Z', '2026-10-31T00:00:00.000Z'],
      ['2026-07-31T00:00:00.000Z', '2026-09-30T00:00:00.000Z'],
      ['2026-01-31T05:06:07.890Z', '2026-03-31T05:06:07.890Z'],
      ['2026-11-30T00:00:00.000Z', '2027-01-30T00:00:00.000Z'],
      ['2099-12-31T00:00:00.000Z', '2100-02-28T00:00:00.000Z'],
      ['2099-12-29T00:00:00.000Z', '2100-02-28T00:00:00.000Z'],
      ['2095-12-29T00:00:00.000Z', '2096-02-29T00:00:00.000Z'],
    ])('terminated %s is purged at %s', async (terminatedAt, purgeAt) => {
      const id = newSdkAppId();
      const now = at('2026-01-01T00:00:00Z');
      await store.put(id, minimalConfig(), now);
      const { record } = await store.terminate(id, at(terminatedAt), now);
      expect(record).toMatchObject({ status: 'terminated', terminatedAt, purgeAt });
    });

    it('puts a terminated app on the byExpiry index, its TTL a margin after its purge time', async () => {
      const id = newSdkAppId();
      const now = at('2026-01-15T00:00:00Z');
      await store.put(id, minimalConfig(), now);
      await store.terminate(id, now, now);
      const expiresAt = expirySeconds(at('2026-03-15T00:00:00Z')) + CONFIG_TTL_MARGIN_SECONDS;
      expect(await raw(id)).toMatchObject({
        status: 'terminated',
        expiresAt,
        expiryBucket: expiryBucket('config', expiresAt, id),
        category: 'config',
        app: id,
      });
      const { Items } = await db.doc.send(
        new QueryCommand({
          TableName: db.tables.apps,
          IndexName: 'byExpiry',
          KeyConditionExpression: 'expiryBucket = :b AND expiresAt <= :t',
          ExpressionAttributeValues: { ':b': expiryBucket('config', expiresAt, id), ':t': expiresAt },
        }),
      );
      expect(Items?.map((item) => item.appId)).toContain(id);
    });

    it('a termination long past is due at once: indexed at now, not in an old month', async () => {
      const id = newSdkAppId();
      const now = at('2026-06-15T00:00:00Z');
      await store.put(id, minimalConfig(), now);
      const { record } = await store.terminate(id, at('2024-01-01T00:00:00Z'), now);
      expect(record.purgeAt).toBe('2024-03-01T00:00:00.000Z');
      expect((await raw(id))?.expiresAt).toBe(expirySeconds(now) + CONFIG_TTL_MARGIN_SECONDS);
      expect(await store.get(id, now)).toBeUndefined();
    });

    it('a repeated termination leaves the first standing', async () => {
      const id = newSdkAppId();
      const now = at('2026-01-15T00:00:00Z');
      await store.put(id, minimalConfig(), now);
      await store.terminate(id, at('2026-01-10T00:00:00Z'), now);
      const second = await store.terminate(id, at('2026-01-14T00:00:00Z'), now);
      expect(second.alreadyTerminated).toBe(true);
      expect(second.record.purgeAt).toBe('2026-03-10T00:00:00.000Z');
    });

    it('counts the app as purged from purgeAt on, before the item is deleted', async () => {
      const id = newSdkAppId();
      await store.put(id, minimalConfig(), at('2026-01-01T00:00:00Z'));
      await store.terminate(id, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'));
      expect(await store.get(id, at('2026-02-28T23:59:59Z'))).toMatchObject({ status: 'terminated' });
      expect(await store.get(id, at('2026-03-01T00:00:00Z'))).toBeUndefined();
      expect(await raw(id)).toBeDefined();
      await expect(
        store.terminate(id, at('2026-03-02T00:00:00Z'), at('2026-03-02T00:00:00Z')),
      ).rejects.toThrow(RecordNotFoundError);
      await expect(store.put(id, minimalConfig(), at('2026-03-02T00:00:00Z'))).rejects.toThrow(
        StateConflictError,
      );
    });

    it('throws RecordNotFoundError when terminating an unknown app', async () => {
      await expect(store.terminate(newSdkAppId(), new Date(), new Date())).rejects.toThrow(
        RecordNotFoundError,
      );
    });
  });

  describe('reactivation', () => {
    it('clears the termination and takes the app off the expiry index', async () => {
      const id = newSdkAppId();
      const now = at('2026-01-15T00:00:00Z');
      await store.put(id, minimalConfig(), now);
      await store.terminate(id, now, now);
      const record = await store.reactivate(id, at('2026-02-01T00:00:00Z'));
      expect(record).toMatchObject({ status: 'active', updatedAt: '2026-02-01T00:00:00.000Z' });
      expect(record.purgeAt).toBeUndefined();
      expect(record.terminatedAt).toBeUndefined();
      const item = await raw(id);
      expect(item?.expiresAt).toBeUndefined();
      expect(item?.expiryBucket).toBeUndefined();
    });

    it('is idempotent for an active app', async () => {
      const id = newSdkAppId();
      await store.put(id, minimalConfig(), new Date());
      expect((await store.reactivate(id, new Date())).status).toBe('active');
    });

    it('is refused (RecordNotFoundError) once purgeAt has passed, even before the purge ran', async () => {
      const id = newSdkAppId();
      await store.put(id, minimalConfig(), at('2026-01-01T00:00:00Z'));
      await store.terminate(id, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'));
      await expect(store.reactivate(id, at('2026-03-01T00:00:00Z'))).rejects.toThrow(RecordNotFoundError);
      expect((await raw(id))?.status).toBe('terminated');
    });

    it('throws RecordNotFoundError for an unknown app', async () => {
      await expect(store.reactivate(newSdkAppId(), new Date())).rejects.toThrow(RecordNotFoundError);
    });
  });

  describe('purge primitives', () => {
    it('finds due apps by Query of the expiry buckets, not the ones due later', async () => {
      const due = newSdkAppId();
      const later = newSdkAppId();
      const now = at('2026-05-20T00:00:00Z');
      for (const id of [due, later]) await store.put(id, minimalConfig(), now);
      await store.terminate(due, at('2026-03-19T00:00:00Z'), at('2026-03-19T00:00:00Z'));
      await store.terminate(later, at('2026-03-21T00:00:00Z'), at('2026-03-21T00:00:00Z'));
      const ids = (await store.findPurgeCandidates(now)).map((candidate) => candidate.sdkAppId);
      expect(ids).toContain(due);
      expect(ids).not.toContain(later);
    });

    it('purges conditionally: a stale version loses cleanly and leaves no audit record', async () => {
      const audit = createAuditStore({ doc: db.doc, tableName: db.tables.governance });
      const id = newSdkAppId();
      await store.put(id, minimalConfig(), at('2026-01-01T00:00:00Z'));
      await store.terminate(id, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'));
      const stale = await store.readStored(id);
      if (!stale) throw new Error('app not stored');
      await store.put(id, minimalConfig({ appName: 'changed' }), at('2026-02-01T00:00:00Z'));
      const now = at('2026-03-02T00:00:00Z');
      const entry = { app: id, action: 'configPurged', at: now.toISOString(), details: {} };
      expect(await store.purge(stale, now, [audit.putFor(entry)])).toBe(false);
      expect(await audit.listForApp(id)).toEqual([]);
      const fresh = await store.readStored(id);
      if (!fresh) throw new Error('app not stored');
      expect(await store.purge(fresh, at('2026-02-28T00:00:00Z'))).toBe(false);
      expect(await store.purge(fresh, now, [audit.putFor(entry)])).toBe(true);
      expect(await raw(id)).toBeUndefined();
      expect(await audit.listForApp(id)).toHaveLength(1);
      expect(await store.purge(fresh, now, [audit.putFor(entry)])).toBe(false);
      expect(await audit.listForApp(id)).toHaveLength(1);
    });
  });
});
