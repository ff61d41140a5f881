import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerationChangedError, LeaseLostError } from '../../../lib/errors.js';
import { accountRequest, requestStore } from '../../functions/deletion-worker/deps.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

describe('deletion request store', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  const store = () => requestStore(db.doc, db.tables.governance);

  it('creates one request when many arrive at once for the same account; the others join it', async () => {
    const requests = store();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => requests.create(accountRequest('1400000010', 'nina'), new Date())),
    );
    expect(new Set(answers.map((answer) => answer.request.id)).size).toBe(1);
    expect(answers.filter((answer) => answer.outcome === 'created')).toHaveLength(1);
    expect(answers.filter((answer) => answer.outcome === 'joined')).toHaveLength(5);
    const open = (await requests.listOpen()).filter((request) => request.app === '1400000010');
    expect(open).toHaveLength(1);
  });

  it('answers one request for one Idempotency-Key even under concurrency', async () => {
    const requests = store();
    const input = { ...accountRequest('1400000011', 'olga'), idempotencyKey: 'k-1' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => requests.create(input, new Date())));
    expect(new Set(answers.map((answer) => answer.request.id)).size).toBe(1);
    const again = await requests.create(input, new Date());
    expect(again).toMatchObject({ outcome: 'replayed', request: { id: answers[0]?.request.id } });
  });

  it('treats an expired Idempotency-Key as unused, whether or not TTL has deleted it yet', async () => {
    const requests = store();
    const first = await requests.create(
      { ...accountRequest('1400000013', 'rita'), idempotencyKey: 'k-old' },
      new Date(),
    );
    expect(first.outcome).toBe('created');
    // Two days on, the same key for another account is a new request, not a conflict or a replay.
    const later = new Date(Date.now() + 2 * 86_400_000);
    const second = await requests.create(
      { ...accountRequest('1400000013', 'sam'), idempotencyKey: 'k-old' },
      later,
    );
    expect(second.outcome).toBe('created');
    expect(second.request.id).not.toBe(first.request.id);
  });

  it('keeps requests of different accounts and apps apart', async () => {
    const requests = store();
    const a = await requests.create(accountRequest('1400000012', 'pat'), new Date());
    const b = await requests.create(accountRequest('1400000012', 'quinn'), new Date());
    const c = await requests.create(accountRequest('1400000013', 'pat'), new Date());
    const all = await requests.create(
      { app: '1400000012', subject: 'allAccounts', categories: ['messages'], requestedBy: 'appAdmin' },
      new Date(),
    );
    expect(new Set([a, b, c, all].map((x) => x.request.id)).size).toBe(4);
    expect(await requests.get('1400000013', a.request.id)).toBeUndefined();
  });

  it('makes a leased worker restart its pass when a joiner widens the request, and stops a worker that lost its lease', async () => {
    const requests = store();
    const { request } = await requests.create(accountRequest('1400000014', 'rita', ['messages']), new Date());
    const leased = await requests.acquire('1400000014', request.id, 'w1', new Date(), 60_000);
    expect(leased).toMatchObject({ status: 'processing', leaseOwner: 'w1', generation: 0 });
    expect(await requests.acquire('1400000014', request.id, 'w2', new Date(), 60_000)).toBeUndefined();

    const joined = await requests.create(accountRequest('1400000014', 'rita', ['userInfo']), new Date());
    expect(joined).toMatchObject({
      outcome: 'joined',
      request: { id: request.id, categories: ['userInfo', 'messages'], generation: 1 },
    });

    const page = { cursor: { step: 1 }, passWithheld: { userInfo: 0, messages: 0 }, passHolds: [] };
    await expect(requests.checkpoint(leased as never, 'w1', page)).rejects.toBeInstanceOf(
      GenerationChangedError,
    );
    await expect(requests.checkpoint(joined.request, 'w2', page)).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('lists overdue open requests earliest deadline first, and frees the subject once completed', async () => {
    const requests = store();
    const day = 86_400_000;
    const older = await requests.create(accountRequest('1400000015', 'sam'), new Date(Date.now() - 50 * day));
    const newer = await requests.create(
      accountRequest('1400000015', 'tess'),
      new Date(Date.now() - 35 * day),
    );
    await requests.create(accountRequest('1400000015', 'uma'), new Date());
    const overdue = (await requests.listOverdue(new Date())).filter(
      (request) => request.app === '1400000015',
    );
    expect(overdue.map((request) => request.id)).toEqual([older.request.id, newer.request.id]);

    const leased = await requests.acquire('1400000015', older.request.id, 'w', new Date(), 60_000);
    const finished = await requests.finishPass(leased as never, 'w', { status: 'completed', at: new Date() });
    expect(finished).toMatchObject({ status: 'completed', completedAt: expect.any(String) });
    expect(finished.account).toBeUndefined();
    expect((await requests.listOverdue(new Date())).map((request) => request.id)).not.toContain(
      older.request.id,
    );
    const next = await requests.create(accountRequest('1400000015', 'sam'), new Date());
    expect(next.outcome).toBe('created');
  });

  it('never leases a completed request again: it moved to the completed partition, out of the open one', async () => {
    const requests = store();
    const { request } = await requests.create(accountRequest('1400000016', 'vera'), new Date());
    const leased = await requests.acquire('1400000016', request.id, 'w', new Date(), 60_000);
    await requests.finishPass(leased as never, 'w', { status: 'completed', at: new Date() });
    // Its own worker, whose lease completion removed, and any other worker alike.
    expect(await requests.acquire('1400000016', request.id, 'w', new Date(), 60_000)).toBeUndefined();
    expect(await requests.acquire('1400000016', request.id, 'w2', new Date(), 60_000)).toBeUndefined();
    expect((await requests.listOpen()).map((open) => open.id)).not.toContain(request.id);
    expect(await requests.get('1400000016', request.id)).toMatchObject({ status: 'completed' });
  });
});
