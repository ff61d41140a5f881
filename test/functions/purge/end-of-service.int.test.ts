import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURGE_ACTION } from '../../../functions/purge/purge-apps.js';
import { type SignedReceipt, verifyReceipt } from '../../../lib/evidence/receipt-signature.js';
import { minuteKey } from '../../../lib/policy/monitoring.js';
import { accountPseudonym } from '../../../lib/policy/pseudonym.js';
import { createAppStore } from '../../../lib/store/apps.js';
import { createAuditStore } from '../../../lib/store/audit.js';
import { createConsentStore } from '../../../lib/store/consents.js';
import { createDeletionRequestStore } from '../../../lib/store/deletion-requests.js';
import { createLegalHoldStore } from '../../../lib/store/legal-holds.js';
import { createRetentionCutRegistry } from '../../../lib/store/retention-cut-registry.js';
import { TABLE_KEYS } from '../../../lib/store/tables.js';
import { createTelemetryStore, logChunks, monitoringRowItem } from '../../../lib/store/telemetry.js';
import { minimalConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import { callRoute, seedMessages, seedUserInfo } from '../../lib/store/personal-fixtures.js';
import { consentGrantedAt } from '../../support/consent.js';
import {
  createTestDatabase,
  TEST_AUDIT_HMAC_KEY,
  TEST_OPERATOR_TOKEN,
  type TestDatabase,
} from '../../support/database.js';
import {
  type AccessRecorder,
  asFunction,
  grantedDynamoAccesses,
  isGranted,
  recordDynamoAccesses,
} from '../../support/dynamo-accesses.js';
import { httpEvent, lambdaContext } from '../../support/events.js';
import { exportedMessages } from '../../support/personal.js';
import { adminQuery } from '../apps/client.js';

/**
 * End of service (docs/policy.md "End of service"): an app with messages, profiles, telemetry, a deletion
 * request and a legal hold is terminated (back-dated) and purged through the real handler. Afterwards a
 * raw read of every table finds nothing of it but what the active hold covers, the hold, and receipts
 * that name no account; a new registration of the same SdkAppid sees none of it; after the release the
 * deletion worker's next run removes the rest.
 */
type Handler = (event: unknown, context: Context) => Promise<unknown>;
let db: TestDatabase;
let purge: Handler;
let worker: Handler;
let conformance: Handler;
let recorder: AccessRecorder;

beforeAll(async () => {
  db = await createTestDatabase();
  recorder = recordDynamoAccesses(db.tables);
  const purgeHandler = (await import('../../../functions/purge/handler.js')).handler as unknown as Handler;
  const workerHandler = (await import('../../../functions/deletion-worker/handler.js'))
    .handler as unknown as Handler;
  const conformanceHandler = (await import('../../../functions/conformance/handler.js'))
    .handler as unknown as Handler;
  purge = (event, ctx) => asFunction('purge', () => purgeHandler(event, ctx));
  conformance = (event, ctx) => asFunction('conformance', () => conformanceHandler(event, ctx));
  worker = (event, ctx) => asFunction('deletionWorker', () => workerHandler(event, ctx));
});
afterAll(async () => {
  recorder?.stop();
  await db?.drop();
});

const context = () => lambdaContext({ getRemainingTimeInMillis: () => 120_000 });

/** Every item of every table that mentions `needle` anywhere, as JSON. */
async function itemsMentioning(
  needle: string,
): Promise<Array<{ table: string; item: Record<string, unknown> }>> {
  const found: Array<{ table: string; item: Record<string, unknown> }> = [];
  for (const key of TABLE_KEYS) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.doc.send(
        new ScanCommand({ TableName: db.tables[key], ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? [])
        if (JSON.stringify(item).includes(needle)) found.push({ table: key, item });
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return found;
}

describe('end of service: nothing of a customer’s end users outlives the customer', () => {
  it('purges messages, profiles, telemetry and records naming accounts; keeps what a hold covers until its release', async () => {
    const app = newSdkAppId();
    const now = new Date();
    const apps = createAppStore({
      doc: db.doc,
      tableName: db.tables.apps,
      cuts: createRetentionCutRegistry({ doc: db.doc, tableName: db.tables.governance }),
    });
    const audit = createAuditStore({ doc: db.doc, tableName: db.tables.governance });
    const holds = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
    const requests = createDeletionRequestStore({ doc: db.doc, tableName: db.tables.governance, audit });
    await apps.put(app, minimalConfig(), new Date(now.getTime() - 90 * 86_400_000));
    await seedMessages(db.doc, db.tables.personal, { app, account: 'alice-eos', count: 5 });
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'alice-eos' });
    await seedMessages(db.doc, db.tables.personal, { app, account: 'bob-eos', count: 3 });
    await createTelemetryStore({ doc: db.doc, tableName: db.tables.telemetry }).write([
      ...logChunks([
        {
          requestId: 'req-eos-1',
          api: 'GET /apps/{sdkAppId}',
          app,
          at: new Date(now.getTime() - 3 * 86_400_000),
          callerIp: '203.0.113.7',
          status: 200,
          success: true,
          latencyMs: 12,
        },
      ]).map((chunk) => chunk.item),
      monitoringRowItem({
        app,
        minute: minuteKey(now),
        containerId: 'c-eos',
        requests: 1,
        failures: 0,
        latencyMsTotal: 12,
        droppedLogRecords: 0,
        droppedRequests: 0,
      }),
    ]);
    await requests.create(
      {
        app,
        subject: 'account',
        account: 'carol-eos',
        accountHash: accountPseudonym(TEST_AUDIT_HMAC_KEY, app, 'carol-eos'),
        categories: ['messages'],
        requestedBy: 'appAdmin',
      },
      now,
    );
    await worker({ app, reason: 'sweep' }, context());
    // D6: consent records name accounts in the clear; an active and a withdrawn one both go.
    const consents = createConsentStore({ doc: db.doc, tableName: db.tables.governance });
    const consent = consentGrantedAt(now);
    await consents.grant(app, 'alice-eos', consent, now);
    await consents.grant(app, 'dave-eos', consent, now);
    await consents.withdraw(app, 'dave-eos', now);
    const hold = await holds.create(
      { app, account: 'bob-eos', categories: ['messages'], reason: 'litigation' },
      now,
    );
    // Terminated long enough ago that the purge is due now.
    await apps.terminate(app, new Date(now.getTime() - 70 * 86_400_000), now);

    const report = (await purge({}, context())) as { purged: string[]; erasing: string[] };
    expect(report.purged).toContain(app);

    const left = await itemsMentioning(app);
    expect(left.filter(({ table }) => table === 'apps' || table === 'telemetry')).toEqual([]);
    // What stays: bob's held messages, the hold itself, content-free tombstones of the erased messages
    // (key and expiry only, so a replayed callback cannot store them again), and receipts with hashes.
    const [tombstones, rest] = [
      left.filter(({ item }) => item.category === 'tombstone'),
      left.filter(({ item }) => item.category !== 'tombstone'),
    ];
    expect(tombstones).toHaveLength(5);
    for (const { item } of tombstones) {
      expect(Object.keys(item).sort()).toEqual(
        [
          'app',
          'category',
          'expiresAt',
          'expiryBucket',
          'pk',
          'sk',
          'tombstone',
          'tombstonedAt',
          'ttlDeleteAt',
        ].sort(),
      );
    }
    expect(JSON.stringify(rest)).not.toContain('alice-eos');
    expect(JSON.stringify(rest)).not.toContain('carol-eos');
    expect(JSON.stringify(rest)).not.toContain('dave-eos');
    expect(left.filter(({ item }) => item.category === 'consent')).toEqual([]);
    const personal = rest.filter(({ table }) => table === 'personal').map(({ item }) => item);
    expect(personal.map((item) => item.account)).toEqual(['bob-eos', 'bob-eos', 'bob-eos']);
    const receipts = (await audit.listForApp(app)).filter((entry) => entry.action === PURGE_ACTION);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.details).toMatchObject({
      erased: { userInfo: 1, messages: 5, log: 1, monitoring: 1, consent: 2 },
      withheld: { messages: 3, holds: [hold.id] },
    });
    expect(JSON.stringify(receipts)).not.toMatch(/alice-eos|bob-eos|carol-eos|dave-eos|203\.0\.113\.7/);

    // A new registration of the same SdkAppid starts empty, while the held messages are still stored.
    const { record } = await apps.put(app, minimalConfig(), new Date());
    expect(
      await exportedMessages(
        db.doc,
        db.tables.personal,
        app,
        'bob-eos',
        new Date(),
        record.retentionCuts?.messages,
      ),
    ).toEqual([]);

    // The signed purge receipt outlives the purge and the re-registration (operator; verifies offline).
    const receiptsRoute = (await import('../../../functions/receipts/handler.js'))
      .handler as unknown as Handler;
    const operatorHeaders = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` };
    const signed = (await receiptsRoute(
      httpEvent('GET', `/apps/${app}/purge-receipt`, {
        routePath: '/apps/{sdkAppId}/purge-receipt',
        pathParameters: { sdkAppId: app },
        headers: operatorHeaders,
      }),
      context(),
    )) as { statusCode: number; body: string };
    expect(signed.statusCode).toBe(200);
    const purgeReceipt = JSON.parse(signed.body) as SignedReceipt<Record<string, unknown>>;
    expect(verifyReceipt(purgeReceipt)).toMatchObject({ valid: true });
    expect(purgeReceipt.body).toMatchObject({
      type: 'purgeReceipt',
      sdkAppId: app,
      erased: { userInfo: 1, messages: 5, log: 1, monitoring: 1 },
      withheld: { messages: 3, holds: [hold.id] },
      configuration: { removed: true, secrets: expect.arrayContaining(['secretKey']) },
    });
    expect(JSON.stringify(purgeReceipt)).not.toMatch(/alice-eos|bob-eos|carol-eos|203\.0\.113\.7/);
    const never = (await receiptsRoute(
      httpEvent('GET', `/apps/${newSdkAppId()}/purge-receipt`, {
        routePath: '/apps/{sdkAppId}/purge-receipt',
        pathParameters: { sdkAppId: '1499999999' },
        headers: operatorHeaders,
      }),
      context(),
    )) as { statusCode: number };
    expect(never.statusCode).toBe(404);

    // After the release the worker's next run erases what the hold kept.
    await holds.release(app, hold.id, new Date());
    await worker({ app, reason: 'holdReleased' }, context());
    const afterRelease = (await itemsMentioning(app)).filter(
      ({ table, item }) => table === 'personal' && item.category !== 'tombstone',
    );
    expect(afterRelease).toEqual([]);
  });

  it('lets the app admin take the whole app back between termination and purgeAt, page by page', async () => {
    const app = newSdkAppId();
    const now = new Date();
    const apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    await apps.put(app, minimalConfig(), new Date(now.getTime() - 86_400_000));
    await seedMessages(db.doc, db.tables.personal, { app, account: 'dora-eos', count: 7 });
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'dora-eos' });
    await seedMessages(db.doc, db.tables.personal, { app, account: 'emil-eos', count: 4 });
    await seedMessages(db.doc, db.tables.personal, { app: newSdkAppId(), account: 'dora-eos', count: 2 });
    await apps.terminate(app, now, now);
    const rawExport = (await import('../../../functions/app-export/handler.js'))
      .handler as unknown as Handler;
    const exportHandler = ((event: unknown, ctx: Context) =>
      asFunction('appExport', () => rawExport(event, ctx))) as never;
    const appsHandler = (await import('../../../functions/apps/handler.js')).handler as never;
    const admin = () => adminQuery(app, SECRETS.secretKey);

    const messages: unknown[] = [];
    const profiles: Array<{ account?: unknown }> = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const answer = await callRoute(
        exportHandler,
        'GET',
        { template: '/apps/{sdkAppId}/export', params: { sdkAppId: app } },
        {
          query: { ...admin(), limit: '3', ...(cursor ? { cursor } : {}) },
        },
      );
      expect(answer.status).toBe(200);
      messages.push(...(answer.body.messages as unknown[]));
      profiles.push(...(answer.body.userInfo as Array<{ account?: unknown }>));
      cursor = answer.body.nextCursor as string | null;
      pages += 1;
    } while (cursor && pages < 100);
    expect(cursor).toBeNull();
    expect(messages).toHaveLength(11);
    expect(profiles.map((profile) => profile.account)).toEqual(['dora-eos']);

    const foreign = await callRoute(
      exportHandler,
      'GET',
      { template: '/apps/{sdkAppId}/export', params: { sdkAppId: app } },
      {
        query: {
          ...admin(),
          cursor: Buffer.from(JSON.stringify({ app: '1400000001', shard: 0 })).toString('base64url'),
        },
      },
    );
    expect(foreign.status).toBe(400);
    const patch = await callRoute(
      appsHandler,
      'PATCH',
      { template: '/apps/{sdkAppId}/privacy', params: { sdkAppId: app } },
      {
        query: admin(),
        body: { sensitiveData: 'mask' },
      },
    );
    expect(patch.status).toBe(409);
    const read = await callRoute(
      appsHandler,
      'GET',
      { template: '/apps/{sdkAppId}', params: { sdkAppId: app } },
      { query: admin() },
    );
    expect(read.status).toBe(200);
  });

  it('counts what an unfinished purge left as overdue in GET /conformance, since purgeAt, until it is erased', async () => {
    type Figures = { overdue: number; oldestOverdueSeconds: number };
    const measure = async () => {
      const response = (await conformance(
        httpEvent('GET', '/conformance', { headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` } }),
        context(),
      )) as { statusCode: number; body: string };
      expect(response.statusCode).toBe(200);
      return (
        JSON.parse(response.body) as { categories: Record<'messages' | 'userInfo' | 'consent', Figures> }
      ).categories;
    };
    const app = newSdkAppId();
    const now = new Date();
    const apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    const holds = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
    await apps.put(app, minimalConfig(), new Date(now.getTime() - 90 * 86_400_000));
    await seedMessages(db.doc, db.tables.personal, { app, account: 'dora-eos', count: 4 });
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'dora-eos' });
    await seedMessages(db.doc, db.tables.personal, { app, account: 'emil-eos', count: 2 });
    const hold = await holds.create(
      { app, account: 'emil-eos', categories: ['messages'], reason: 'court' },
      now,
    );
    // Consent records name accounts in the clear: an active and a withdrawn one are left over too.
    const consents = createConsentStore({ doc: db.doc, tableName: db.tables.governance });
    const consent = consentGrantedAt(now);
    await consents.grant(app, 'dora-eos', consent, now);
    await consents.grant(app, 'emil-eos', consent, now);
    await consents.withdraw(app, 'emil-eos', now);
    const before = await measure();

    // purgeAt about ten days ago; no purge has run yet.
    await apps.terminate(app, new Date(now.getTime() - 70 * 86_400_000), now);
    const unfinished = await measure();
    expect(unfinished.messages.overdue - before.messages.overdue).toBe(4); // emil's two are held
    expect(unfinished.userInfo.overdue - before.userInfo.overdue).toBe(1);
    expect(unfinished.messages.oldestOverdueSeconds).toBeGreaterThanOrEqual(9 * 86_400);
    expect(unfinished.consent.overdue - before.consent.overdue).toBe(2); // no hold covers consent records
    expect(unfinished.consent.oldestOverdueSeconds).toBeGreaterThanOrEqual(9 * 86_400);

    await purge({}, context());
    const purged = await measure();
    expect(purged.messages.overdue).toBe(before.messages.overdue);
    expect(purged.userInfo.overdue).toBe(before.userInfo.overdue);
    expect(purged.consent.overdue).toBe(before.consent.overdue);
    await holds.release(app, hold.id, new Date());
  });

  it('erases the end users at purgeAt even while a hold on the configuration alone keeps the app', async () => {
    const app = newSdkAppId();
    const now = new Date();
    const apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    const holds = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
    await apps.put(app, minimalConfig(), new Date(now.getTime() - 90 * 86_400_000));
    await seedMessages(db.doc, db.tables.personal, { app, account: 'fay-eos', count: 3 });
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'fay-eos' });
    const hold = await holds.create({ app, categories: ['config'], reason: 'regulator inquiry' }, now);
    await apps.terminate(app, new Date(now.getTime() - 70 * 86_400_000), now);

    const report = (await purge({}, context())) as { held: Array<{ sdkAppId: string }> };
    expect(report.held.map((h) => h.sdkAppId)).toContain(app);
    expect((await apps.readStored(app))?.status).toBe('terminated');
    const personal = (await itemsMentioning(app)).filter(
      ({ table, item }) => table === 'personal' && item.category !== 'tombstone',
    );
    expect(personal).toEqual([]);

    // The configuration itself goes at the re-check after the release (purge handler tests).
    await holds.release(app, hold.id, new Date());
  });

  it('grants the purge, the worker, the app export and conformance every DynamoDB action they made', async () => {
    const granted = await grantedDynamoAccesses(process.cwd());
    for (const fn of ['purge', 'deletionWorker', 'appExport', 'conformance']) {
      const made = [...(recorder.byFunction.get(fn) ?? [])];
      expect(made.length, fn).toBeGreaterThan(0);
      expect(
        made.filter((access) => !isGranted(granted.get(fn), access)),
        fn,
      ).toEqual([]);
    }
  }, 60_000);
});
