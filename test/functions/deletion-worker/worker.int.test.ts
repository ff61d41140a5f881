import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../../functions/deletion-worker/run.js';
import { eraseRequest } from '../../../lib/operations/erase-request.js';
import { createAuditStore } from '../../../lib/store/audit.js';
import { createLegalHoldStore } from '../../../lib/store/legal-holds.js';
import { messageKey, userInfoKey } from '../../../lib/store/personal-keys.js';
import {
  seedGroupMessage,
  seedMessages,
  seedUserInfo,
  storedFor,
} from '../../lib/store/personal-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { accountRequest, contextWithBudget, crashingDoc, requestStore, workerDeps } from './deps.js';

let nextApp = 1_400_500_000 + Math.floor(Math.random() * 100_000) * 10;
function newApp(): string {
  nextApp += 1;
  return String(nextApp);
}

describe('deletion worker (D3) on DynamoDB Local', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const seed = (app: string, account: string, count: number) =>
    seedMessages(db.doc, db.tables.personal, { app, account, count });
  const stored = (app: string, account: string) => storedFor(db.doc, db.tables.personal, app, account);

  it('erases exactly an account with 2,000 messages among other accounts and apps, and counts it', async () => {
    const app = newApp();
    const otherApp = newApp();
    await seed(app, 'alice', 2000);
    await seedGroupMessage(db.doc, db.tables.personal, { app, account: 'alice', groupId: 'g1', msgSeq: 1 });
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'alice' });
    await seed(app, 'bob', 300);
    await seedGroupMessage(db.doc, db.tables.personal, { app, account: 'bob', groupId: 'g1', msgSeq: 2 });
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'bob' });
    await seed(app, 'alice2', 20); // shares a prefix with alice
    await seed(otherApp, 'alice', 50);
    await seedUserInfo(db.doc, db.tables.personal, { app: otherApp, account: 'alice' });
    const requests = requestStore(db.doc, db.tables.governance);
    const { request } = await requests.create(accountRequest(app, 'alice'), new Date());

    const started = Date.now();
    const report = await runWorker(
      { app, requestId: request.id },
      contextWithBudget(),
      workerDeps(db.doc, db.tables),
    );
    const elapsedMs = Date.now() - started;

    expect(report.outcomes.completed).toBe(1);
    const done = await requests.get(app, request.id);
    expect(done).toMatchObject({
      status: 'completed',
      deleted: { userInfo: 1, messages: 2001 },
      withheld: { userInfo: 0, messages: 0, holds: [] },
    });
    expect(done?.completedAt).toBeDefined();
    expect(await stored(app, 'alice')).toEqual({ userInfo: 0, messages: 0 });
    expect(await stored(app, 'bob')).toEqual({ userInfo: 1, messages: 301 });
    expect(await stored(app, 'alice2')).toEqual({ userInfo: 0, messages: 20 });
    expect(await stored(otherApp, 'alice')).toEqual({ userInfo: 1, messages: 50 });
    // The base table agrees with the index: the profile is gone, each message is a content-free tombstone
    // (so a replayed after-send cannot store it again), and another account's message is untouched.
    const get = (key: { pk: string; sk: string }) =>
      db.doc.send(new GetCommand({ TableName: db.tables.personal, Key: key, ConsistentRead: true }));
    expect((await get(userInfoKey(app, 'alice'))).Item).toBeUndefined();
    const erased = (await get(messageKey(app, { kind: 'group', groupId: 'g1', msgSeq: 1 }))).Item;
    expect(erased).toMatchObject({ category: 'tombstone', tombstone: 'erased' });
    for (const field of ['account', 'msgBody', 'cloudCustomData', 'ownerSort'])
      expect(erased?.[field]).toBeUndefined();
    expect((await get(messageKey(app, { kind: 'group', groupId: 'g1', msgSeq: 2 }))).Item).toMatchObject({
      category: 'messages',
    });
    console.info(`erased 2,002 items of one account in ${elapsedMs} ms`);
  });

  it('keeps no plain account once completed: the request and its audit trail hold only the keyed hash', async () => {
    const app = newApp();
    const account = 'carol.personal@example.com';
    await seed(app, account, 30);
    const requests = requestStore(db.doc, db.tables.governance);
    const { request } = await requests.create(accountRequest(app, account), new Date());
    expect(request.account).toBe(account); // needed while the work is open

    await runWorker({ app, requestId: request.id }, contextWithBudget(), workerDeps(db.doc, db.tables));

    const raw = await db.doc.send(
      new GetCommand({
        TableName: db.tables.governance,
        Key: { pk: `deletion#${app}`, sk: `request#${request.id}` },
        ConsistentRead: true,
      }),
    );
    expect(JSON.stringify(raw.Item)).not.toContain('carol');
    expect(raw.Item?.accountHash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    const trail = await createAuditStore({ doc: db.doc, tableName: db.tables.governance }).listForApp(app);
    expect(trail.map((entry) => entry.action)).toEqual(['deletionRequested', 'deletionCompleted']);
    expect(JSON.stringify(trail)).not.toContain('carol');
    expect(trail[1]?.details).toMatchObject({
      requestId: request.id,
      accountHash: raw.Item?.accountHash,
      deleted: { userInfo: 0, messages: 30 },
    });
  });

  it.each([
    ['in the middle of a batch delete', { command: 'BatchWriteItemCommand', nth: 7 }],
    ['after a batch was deleted but before it was counted', { command: 'UpdateItemCommand', nth: 5 }],
    ['while saving the next checkpoint', { command: 'UpdateItemCommand', nth: 6 }],
  ])('resumes after a crash %s without redoing or missing anything', async (_label, fault) => {
    const app = newApp();
    await seed(app, 'dave', 730);
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'dave' });
    await seed(app, 'erin', 40);
    const requests = requestStore(db.doc, db.tables.governance);
    const { request } = await requests.create(accountRequest(app, 'dave'), new Date());
    const crashing = crashingDoc(db.endpoint, fault);
    const LEASE_MS = 60_000;

    await expect(
      eraseRequest(workerDeps(crashing.doc, db.tables), request, {
        owner: 'crashed-worker',
        leaseMs: LEASE_MS,
        hasTime: () => true,
      }),
    ).rejects.toThrow();
    expect(crashing.crashed()).toBe(true);
    crashing.destroy();
    const midway = await requests.get(app, request.id);
    expect(midway?.status).toBe('processing');
    expect(midway?.leaseOwner).toBe('crashed-worker'); // the crash left its lease behind
    const left = await stored(app, 'dave');
    expect(left.userInfo + left.messages).toBeGreaterThan(0);
    expect(left.userInfo + left.messages).toBeLessThan(731);

    // Until the lease runs out nobody else may touch it; then the next run takes over.
    expect(
      await eraseRequest(workerDeps(db.doc, db.tables), request, {
        owner: 'b',
        leaseMs: 1000,
        hasTime: () => true,
      }),
    ).toBe('skipped');
    const later = () => new Date(Date.now() + LEASE_MS + 1000);
    const outcome = await eraseRequest(workerDeps(db.doc, db.tables, { now: later }), request, {
      owner: 'next-worker',
      leaseMs: LEASE_MS,
      hasTime: () => true,
    });

    expect(outcome).toBe('completed');
    expect((await requests.get(app, request.id))?.deleted).toEqual({ userInfo: 1, messages: 730 });
    expect(await stored(app, 'dave')).toEqual({ userInfo: 0, messages: 0 });
    expect(await stored(app, 'erin')).toEqual({ userInfo: 0, messages: 40 });
  });

  it('hands over when its time runs out, and the next invocation finishes the same request exactly', async () => {
    const app = newApp();
    await seed(app, 'frank', 450);
    const requests = requestStore(db.doc, db.tables.governance);
    const { request } = await requests.create(accountRequest(app, 'frank'), new Date());
    const started: Record<string, unknown>[] = [];

    const first = await runWorker(
      { app, requestId: request.id },
      contextWithBudget(3),
      workerDeps(db.doc, db.tables, { started }),
    );
    expect(first).toMatchObject({ outcomes: { yielded: 1 }, continued: true });
    expect(started).toEqual([{ app, requestId: request.id }]);
    const paused = await requests.get(app, request.id);
    expect(paused?.leaseOwner).toBeUndefined();
    expect(paused?.deleted.messages).toBeGreaterThan(0);
    expect(paused?.deleted.messages).toBeLessThan(450);

    const second = await runWorker(
      started[0] as { app: string; requestId: string },
      contextWithBudget(),
      workerDeps(db.doc, db.tables),
    );
    expect(second.outcomes.completed).toBe(1);
    expect((await requests.get(app, request.id))?.deleted).toEqual({ userInfo: 0, messages: 450 });
    expect(await stored(app, 'frank')).toEqual({ userInfo: 0, messages: 0 });
  });

  it('withholds what a legal hold covers and completes by itself once the hold is released', async () => {
    const app = newApp();
    await seed(app, 'grace', 120);
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'grace' });
    const holds = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
    const hold = await holds.create(
      { app, account: 'grace', categories: ['messages'], reason: 'court order 12' },
      new Date(),
    );
    const requests = requestStore(db.doc, db.tables.governance);
    const { request } = await requests.create(accountRequest(app, 'grace'), new Date());
    const sweep = () =>
      runWorker({ source: 'aws.events' }, contextWithBudget(), workerDeps(db.doc, db.tables));

    await sweep();
    expect(await requests.get(app, request.id)).toMatchObject({
      status: 'withheld',
      deleted: { userInfo: 1, messages: 0 },
      withheld: { userInfo: 0, messages: 120, holds: [hold.id] },
    });
    expect(await stored(app, 'grace')).toEqual({ userInfo: 0, messages: 120 });

    // While the hold stands, the sweep leaves the request alone (nothing more could go).
    const idle = await sweep();
    expect(idle.outcomes.notDue).toBeGreaterThanOrEqual(1);
    expect((await requests.get(app, request.id))?.status).toBe('withheld');

    await holds.release(app, hold.id, new Date());
    await runWorker({ app, reason: 'holdReleased' }, contextWithBudget(), workerDeps(db.doc, db.tables));

    const done = await requests.get(app, request.id);
    expect(done).toMatchObject({
      status: 'completed',
      deleted: { userInfo: 1, messages: 120 },
      withheld: { userInfo: 0, messages: 0, holds: [] },
    });
    expect(await stored(app, 'grace')).toEqual({ userInfo: 0, messages: 0 });
    const trail = await createAuditStore({ doc: db.doc, tableName: db.tables.governance }).listForApp(app);
    const withheld = trail.find((entry) => entry.action === 'deletionWithheld');
    expect(withheld?.details).toMatchObject({ withheld: { messages: 120, holds: [hold.id] } });
    expect(trail.at(-1)?.action).toBe('deletionCompleted');
  });

  it('erases every account of the app with allAccounts, and nothing of another app', async () => {
    const app = newApp();
    const otherApp = newApp();
    const accounts = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    for (const account of accounts) {
      await seed(app, account, 15);
      await seedUserInfo(db.doc, db.tables.personal, { app, account });
    }
    await seed(otherApp, 'user-0', 25);
    const holds = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
    const hold = await holds.create(
      { app, account: 'user-3', categories: ['userInfo'], reason: 'audit' },
      new Date(),
    );
    const requests = requestStore(db.doc, db.tables.governance);
    const { request } = await requests.create(
      { app, subject: 'allAccounts', categories: ['userInfo', 'messages'], requestedBy: 'appAdmin' },
      new Date(),
    );

    await runWorker(
      { app, requestId: request.id },
      contextWithBudget(),
      workerDeps(db.doc, db.tables, { pageSize: 40 }),
    );

    expect(await requests.get(app, request.id)).toMatchObject({
      status: 'withheld',
      deleted: { userInfo: 11, messages: 180 },
      withheld: { userInfo: 1, messages: 0, holds: [hold.id] },
    });
    for (const account of accounts) {
      expect(await stored(app, account)).toEqual({ userInfo: account === 'user-3' ? 1 : 0, messages: 0 });
    }
    expect(await stored(otherApp, 'user-0')).toEqual({ userInfo: 0, messages: 25 });
  });

  it('a request for messages only leaves the profile', async () => {
    const app = newApp();
    await seed(app, 'heidi', 10);
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'heidi' });
    const requests = requestStore(db.doc, db.tables.governance);
    const { request } = await requests.create(accountRequest(app, 'heidi', ['messages']), new Date());

    await runWorker({ app, requestId: request.id }, contextWithBudget(), workerDeps(db.doc, db.tables));

    expect((await requests.get(app, request.id))?.deleted).toEqual({ userInfo: 0, messages: 10 });
    expect(await stored(app, 'heidi')).toEqual({ userInfo: 1, messages: 0 });
  });
});
