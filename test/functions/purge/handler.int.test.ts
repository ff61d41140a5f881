import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPurgeDeps } from '../../../functions/purge/deps.js';
import { PURGE_ACTION, type PurgeDependencies, purgeDueApps } from '../../../functions/purge/purge-apps.js';
import { NotFoundError } from '../../../lib/errors.js';
import { type AppStores, CONFIG_TTL_MARGIN_SECONDS, createAppStore } from '../../../lib/store/apps.js';
import { type AuditStore, createAuditStore } from '../../../lib/store/audit.js';
import { createLegalHoldStore, type LegalHoldStore } from '../../../lib/store/legal-holds.js';
import { fullConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';

const at = (iso: string) => new Date(iso);
const TERMINATED = at('2026-01-01T00:00:00Z');
const PURGE_AT = at('2026-03-01T00:00:00Z');
const AFTER = at('2026-03-01T00:00:01Z');

/** A document client that records the command names it sends (to prove the purge never Scans). */
function recording(doc: DynamoDBDocumentClient): { doc: DynamoDBDocumentClient; commands: string[] } {
  const commands: string[] = [];
  const proxy = new Proxy(doc, {
    get(target, property, receiver) {
      if (property === 'send') {
        return (command: { constructor: { name: string } }) => {
          commands.push(command.constructor.name);
          return target.send(command as never);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return { doc: proxy, commands };
}

describe('purge: P4 config purge two calendar months after termination', () => {
  let db: TestDatabase;
  let appStore: AppStores;
  let auditStore: AuditStore;
  let holdStore: LegalHoldStore;
  let deps: PurgeDependencies;
  let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

  /** The purge receipts of an app (its deletion request's own audit records aside). */
  const purgeRecords = async (app: string) =>
    (await auditStore.listForApp(app)).filter((entry) => entry.action === PURGE_ACTION);

  beforeAll(async () => {
    db = await createTestDatabase();
    appStore = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    auditStore = createAuditStore({ doc: db.doc, tableName: db.tables.governance });
    holdStore = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
    deps = { ...createPurgeDeps(db.doc, db.tables), appStore, auditStore, holds: holdStore };
    ({ handler } = (await import('../../../functions/purge/handler.js')) as unknown as {
      handler: typeof handler;
    });
  });
  afterAll(async () => db.drop());

  const raw = async (id: string) =>
    (await db.doc.send(new GetCommand({ TableName: db.tables.apps, Key: { appId: id } }))).Item;

  async function terminatedApp(terminatedAt = TERMINATED, now = terminatedAt): Promise<string> {
    const id = newSdkAppId();
    await appStore.put(id, fullConfig(), now);
    await appStore.terminate(id, terminatedAt, now);
    return id;
  }

  describe('the scheduled handler', () => {
    it('deletes the config and secrets of a due app and leaves an audit record without personal data', async () => {
      const id = await terminatedApp(at('2024-05-31T12:00:00Z'), new Date());
      const report = (await handler(
        { source: 'aws.events', 'detail-type': 'Scheduled Event' },
        lambdaContext(),
      )) as {
        purged: string[];
      };
      expect(report).toMatchObject({ purged: expect.arrayContaining([id]), held: [], failed: [] });
      expect(await raw(id)).toBeUndefined();
      expect(await appStore.get(id)).toBeUndefined();
      const audit = await purgeRecords(id);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        app: id,
        action: 'configPurged',
        details: {
          clause: 'P4',
          sdkAppId: id,
          terminatedAt: '2024-05-31T12:00:00.000Z',
          purgeAt: '2024-07-31T12:00:00.000Z',
          removed: { category: 'config', secrets: ['secretKey', 'callback.token', 'offlinePush.appSecret'] },
        },
      });
      expect(Date.parse(audit[0]?.details.purgedAt as string)).toBeLessThanOrEqual(Date.now());
      const text = JSON.stringify(audit);
      for (const value of [...Object.values(SECRETS), 'administrator', 'Chat Demo', 'callback.example.com']) {
        expect(text).not.toContain(value);
      }
    });

    it('is idempotent: a second run purges nothing more and writes no second audit record', async () => {
      const id = await terminatedApp(at('2024-01-01T00:00:00Z'), new Date());
      await handler({}, lambdaContext());
      const second = (await handler({}, lambdaContext())) as { purged: string[] };
      expect(second.purged).not.toContain(id);
      expect(await purgeRecords(id)).toHaveLength(1);
    });

    it('leaves apps whose purge time has not come, and active apps, alone', async () => {
      const notDue = await terminatedApp(new Date(), new Date());
      const active = newSdkAppId();
      await appStore.put(active, fullConfig(), new Date());
      await handler({}, lambdaContext());
      expect(await appStore.get(notDue)).toMatchObject({ status: 'terminated' });
      expect(await appStore.get(active)).toMatchObject({ status: 'active' });
      expect(await purgeRecords(notDue)).toEqual([]);
    });
  });

  describe('purgeDueApps', () => {
    it('finds due apps by Query on the expiry index, never a Scan', async () => {
      const id = await terminatedApp();
      const { doc, commands } = recording(db.doc);
      const recordingDeps = createPurgeDeps(doc, db.tables);
      const report = await purgeDueApps(recordingDeps, AFTER);
      expect(report.purged).toContain(id);
      expect(commands).not.toContain('ScanCommand');
      expect(commands).toContain('QueryCommand');
      expect(commands).toContain('TransactWriteCommand');
    });

    it('exactly one of several concurrent runs purges and records each app', async () => {
      const ids = await Promise.all(Array.from({ length: 5 }, () => terminatedApp()));
      const reports = await Promise.all(Array.from({ length: 4 }, () => purgeDueApps(deps, AFTER)));
      for (const id of ids) {
        const purgers = reports.filter((report) => report.purged.includes(id));
        expect(purgers, id).toHaveLength(1);
        expect(await purgeRecords(id)).toHaveLength(1);
        expect(await raw(id)).toBeUndefined();
      }
      expect(reports.every((report) => report.failed.length === 0)).toBe(true);
    });

    it('purge racing a reactivation: exactly one wins and the loser fails cleanly', async () => {
      // Two clocks a second apart either side of purgeAt: each write alone would succeed.
      for (let round = 0; round < 8; round += 1) {
        const id = await terminatedApp();
        const [report, reactivation] = await Promise.allSettled([
          purgeDueApps(deps, AFTER),
          appStore.reactivate(id, at('2026-02-28T23:59:59Z')),
        ]);
        if (report.status !== 'fulfilled') throw report.reason;
        const purged = report.value.purged.includes(id);
        const reactivated = reactivation.status === 'fulfilled';
        expect(purged !== reactivated, `round ${round}: purged=${purged} reactivated=${reactivated}`).toBe(
          true,
        );
        if (purged) {
          expect(reactivation.status === 'rejected' && reactivation.reason).toBeInstanceOf(NotFoundError);
          expect(await raw(id)).toBeUndefined();
          expect(await purgeRecords(id)).toHaveLength(1);
        } else {
          expect(await raw(id)).toMatchObject({ status: 'active' });
          expect(await purgeRecords(id)).toEqual([]);
        }
        expect(report.value.failed).toEqual([]);
      }
    });

    it('a reactivated app is not purged even if the index still lists it', async () => {
      const id = await terminatedApp();
      await appStore.reactivate(id, at('2026-02-01T00:00:00Z'));
      const report = await purgeDueApps(deps, AFTER);
      expect(report.purged).not.toContain(id);
      expect(await raw(id)).toMatchObject({ status: 'active' });
    });

    it('an app exactly at its purgeAt is due (inclusive), one second before is not', async () => {
      const id = await terminatedApp();
      expect((await purgeDueApps(deps, at('2026-02-28T23:59:59Z'))).purged).not.toContain(id);
      expect((await purgeDueApps(deps, PURGE_AT)).purged).toContain(id);
    });
  });

  describe('legal holds (D3 exception) covering config', () => {
    it('keeps a held app, moves its expiry ahead of TTL, and purges it once the hold is released', async () => {
      const id = await terminatedApp();
      const hold = await holdStore.create(
        { app: id, categories: ['config'], reason: 'litigation' },
        TERMINATED,
      );
      const held = await purgeDueApps(deps, AFTER, { holdRecheckSeconds: 3 * 3600 });
      expect(held.held).toContainEqual({ sdkAppId: id, holds: [hold.id] });
      expect(held.purged).not.toContain(id);
      const item = await raw(id);
      expect(item).toMatchObject({ status: 'terminated', heldBy: [hold.id] });
      expect(item?.expiresAt).toBe(AFTER.getTime() / 1000 + 3 * 3600 + CONFIG_TTL_MARGIN_SECONDS);
      expect(await appStore.get(id, AFTER)).toBeUndefined();
      expect(await purgeRecords(id)).toEqual([]);

      await holdStore.release(id, hold.id, at('2026-03-01T01:00:00Z'));
      const later = at('2026-03-01T02:00:00Z');
      const released = await purgeDueApps(deps, later);
      expect(released.purged).toContain(id);
      expect(await raw(id)).toBeUndefined();
      expect(await purgeRecords(id)).toHaveLength(1);
    });

    it('re-extends a held app before its moved expiry comes (TTL never reaches it)', async () => {
      const id = await terminatedApp();
      await holdStore.create({ app: id, categories: ['config'], reason: 'regulator' }, TERMINATED);
      // Found within the look-ahead, two hours before purgeAt: moved on before TTL could act.
      const early = await purgeDueApps(deps, at('2026-02-28T23:00:00Z'));
      expect(early.held.map((entry) => entry.sdkAppId)).toContain(id);
      const first = (await raw(id))?.expiresAt as number;
      const dueAgain = (first - CONFIG_TTL_MARGIN_SECONDS) * 1000;
      const again = await purgeDueApps(deps, new Date(dueAgain - 3600_000));
      expect(again.held.map((entry) => entry.sdkAppId)).toContain(id);
      expect((await raw(id))?.expiresAt).toBeGreaterThan(first);
    });

    it.each([
      ['a hold on messages only', { categories: ['messages' as const] }],
      ['a hold on one account', { categories: ['config' as const, 'messages' as const], account: 'user-1' }],
      ['a lapsed hold', { categories: ['config' as const], until: '2026-02-01T00:00:00Z' }],
    ])('purges despite %s', async (_name, hold) => {
      const id = await terminatedApp();
      await holdStore.create({ app: id, reason: 'other', ...hold }, TERMINATED);
      expect((await purgeDueApps(deps, AFTER)).purged).toContain(id);
    });

    it('a hold on another app does not keep this one', async () => {
      const id = await terminatedApp();
      await holdStore.create({ app: newSdkAppId(), categories: ['config'], reason: 'other app' }, TERMINATED);
      expect((await purgeDueApps(deps, AFTER)).purged).toContain(id);
    });
  });
});
