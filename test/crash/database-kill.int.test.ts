import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpiryReport } from '../../functions/expire/run.js';
import type { TableKey } from '../../lib/config.js';
import { createDocumentClient, createDynamoClient } from '../../lib/store/dynamo.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { createMissingTables, TABLE_KEYS } from '../../lib/store/tables.js';
import { type DynamoProxy, startDynamoProxy } from '../../scripts/dynamo-proxy.js';
import { freePort, type RunningDynamoDbLocal, startDynamoDbLocal } from '../../scripts/dynamodb-local.js';
import { accountRequest, requestStore } from '../functions/deletion-worker/deps.js';
import { readItem, type StoredTestItem, writeItems } from '../functions/expire/items.js';
import { seedMessages, seedUserInfo, storedFor } from '../lib/store/personal-fixtures.js';
import { handlerEnvironment } from '../support/database.js';
import { lambdaContext } from '../support/events.js';

/**
 * Crash consistency with the database killed mid-run: DynamoDB Local (data on disk) gets SIGKILL in the
 * middle of a deletion and of an expiry run, is started again on the same data, and the functions simply
 * run again. Afterwards every request has completed and exactly the expired or requested items are gone.
 * The functions reach the database through a proxy that watches the writes, so the kill lands mid-run.
 */
type Handler = (event: unknown, context: Context) => Promise<unknown>;

const SHARD_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
let dataDir: string;
let port: number;
let db: RunningDynamoDbLocal;
let proxy: DynamoProxy;
let tables: Record<TableKey, string>;
const direct = () => {
  const client = createDynamoClient({ endpoint: db.endpoint, region: 'us-east-1', requestTimeoutMs: 10_000 });
  return { client, doc: createDocumentClient(client) };
};
let worker: Handler;
let expire: Handler;

/** Kills the database (SIGKILL) when the `nth` write of `operation` passes the proxy; resolves once it is dead. */
function killOn(operation: string, nth: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    proxy.setObserver((op) => {
      if (op !== operation || ++seen !== nth) return;
      proxy.setObserver(undefined);
      db.process.once('exit', () => resolve());
      db.process.kill('SIGKILL');
    });
  });
}

async function restartDatabase() {
  db = await startDynamoDbLocal({ port, dataDir, timeoutMs: 60_000 });
}

/** Runs `run` until `done` says so (a crashed run may hold its lease a few seconds). */
async function until<T>(run: () => Promise<T>, done: (result: T) => boolean, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await run().catch((error: unknown) => error as T);
    if (done(result) || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(SHARD_DIR, 'im-retention-crash-'));
  port = await freePort();
  db = await startDynamoDbLocal({ port, dataDir });
  proxy = await startDynamoProxy(port);
  const prefix = `crash${Math.random().toString(36).slice(2, 8)}`;
  tables = Object.fromEntries(TABLE_KEYS.map((key) => [key, `${prefix}-${key}`])) as Record<TableKey, string>;
  const { client } = direct();
  // TTL off: DynamoDB Local's own TTL sweep would delete expired items behind the functions' backs (and
  // unmoved held ones, see test/security/held-recall); here only the functions under test delete.
  await createMissingTables(client, tables, { ttl: false });
  client.destroy();
  Object.assign(process.env, handlerEnvironment(proxy.endpoint, tables), {
    // Nothing listens there: a hand-over to a fresh invocation fails and is left to the schedule.
    LAMBDA_ENDPOINT: 'http://127.0.0.1:9',
    FUNCTION_NAME_PREFIX: 'im-retention-crash-',
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
  });
  worker = (await import('../../functions/deletion-worker/handler.js')).handler as unknown as Handler;
  expire = (await import('../../functions/expire/handler.js')).handler as unknown as Handler;
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await db?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A context whose remaining time stays at `ms`: short leases, so a crashed run's lease runs out soon. */
const contextWith = (ms: number) => lambdaContext({ getRemainingTimeInMillis: () => ms });

describe('the database is killed mid-deletion', () => {
  it('after a restart the request completes: the account is erased, nothing else is touched', {
    timeout: 120_000,
  }, async () => {
    const app = '1400800001';
    const otherApp = '1400800002';
    let { client, doc } = direct();
    await seedMessages(doc, tables.personal, { app, account: 'doomed', count: 300 });
    await seedUserInfo(doc, tables.personal, { app, account: 'doomed' });
    await seedMessages(doc, tables.personal, { app, account: 'doomed-2', count: 40 });
    await seedMessages(doc, tables.personal, { app, account: 'bystander', count: 40 });
    await seedUserInfo(doc, tables.personal, { app, account: 'bystander' });
    await seedMessages(doc, tables.personal, { app: otherApp, account: 'doomed', count: 40 });
    const { request } = await requestStore(doc, tables.governance).create(
      accountRequest(app, 'doomed'),
      new Date(),
    );
    client.destroy();

    const killed = killOn('BatchWriteItem', 4);
    const crashed = await worker({ app, requestId: request.id }, contextWith(4000)).catch(
      (error: unknown) => error,
    );
    await killed;
    expect(crashed).not.toMatchObject({ outcomes: { completed: 1 } });
    await restartDatabase();

    ({ client, doc } = direct());
    const partial = await storedFor(doc, tables.personal, app, 'doomed');
    expect(partial.messages).toBeLessThan(300);
    expect(partial.messages + partial.userInfo).toBeGreaterThan(0);

    const store = requestStore(doc, tables.governance);
    const finished = await until(
      async () => {
        await worker({}, contextWith(4000));
        return store.get(app, request.id);
      },
      (current) => (current as { status?: string } | undefined)?.status === 'completed',
    );
    expect(finished?.status).toBe('completed');
    expect(await storedFor(doc, tables.personal, app, 'doomed')).toEqual({ userInfo: 0, messages: 0 });
    expect(await storedFor(doc, tables.personal, app, 'doomed-2')).toEqual({ userInfo: 0, messages: 40 });
    expect(await storedFor(doc, tables.personal, app, 'bystander')).toEqual({ userInfo: 1, messages: 40 });
    expect(await storedFor(doc, tables.personal, otherApp, 'doomed')).toEqual({ userInfo: 0, messages: 40 });
    expect(finished?.deleted).toEqual({ userInfo: 1, messages: 300 });
    client.destroy();
  });
});

describe('the database is killed mid-expiry', () => {
  it('after a restart the next run finishes: every expired, unheld item is gone and everything else is intact', {
    timeout: 120_000,
  }, async () => {
    const app = '1400800011';
    const now = Math.floor(Date.now() / 1000);
    let { client, doc } = direct();
    await createLegalHoldStore({ doc, tableName: tables.governance }).create(
      { app, account: 'keeper', categories: ['messages'], reason: 'crash test hold' },
      new Date(),
    );
    const expired = await writeItems(doc, tables, [
      ...Array.from({ length: 150 }, (_, i) => ({
        category: 'messages' as const,
        app,
        account: `user-${i % 7}`,
        expiresAt: now - 60 - i,
      })),
      ...Array.from({ length: 100 }, (_, i) => ({ category: 'log' as const, app, expiresAt: now - 30 - i })),
      ...Array.from({ length: 30 }, (_, i) => ({
        category: 'userInfo' as const,
        app,
        account: `user-${i}`,
        expiresAt: now - 10 - i,
      })),
    ]);
    const held = await writeItems(
      doc,
      tables,
      Array.from({ length: 20 }, (_, i) => ({
        category: 'messages' as const,
        app,
        account: 'keeper',
        expiresAt: now - 100 - i,
      })),
    );
    const live = await writeItems(doc, tables, [
      ...Array.from({ length: 60 }, (_, i) => ({
        category: 'messages' as const,
        app,
        account: `user-${i % 7}`,
        expiresAt: now + 3600 + i,
      })),
      ...Array.from({ length: 40 }, (_, i) => ({ category: 'log' as const, app, expiresAt: now + 600 + i })),
      ...Array.from({ length: 10 }, (_, i) => ({
        category: 'userInfo' as const,
        app,
        account: `live-${i}`,
        expiresAt: now + 86_400,
      })),
    ]);
    client.destroy();

    const killed = killOn('BatchWriteItem', 3);
    const crashed = await expire({}, contextWith(5000)).catch((error: unknown) => error);
    await killed;
    expect(crashed).not.toMatchObject({ stoppedEarly: false, categories: { messages: { complete: true } } });
    await restartDatabase();

    ({ client, doc } = direct());
    const present = async (items: StoredTestItem[]) => {
      let count = 0;
      for (const item of items) if (await readItem(doc, tables, item)) count += 1;
      return count;
    };
    expect(await present(expired)).toBeGreaterThan(0);

    const report = (await until(
      () => expire({}, contextWith(5000)) as Promise<ExpiryReport | { skipped: string }>,
      (result) =>
        typeof result === 'object' &&
        result !== null &&
        'categories' in result &&
        Object.values((result as ExpiryReport).categories).every((c) => c?.complete && c.errors === 0),
    )) as ExpiryReport;
    expect(report.categories.messages?.complete).toBe(true);
    expect(await present(expired)).toBe(0);
    expect(await present(held)).toBe(held.length);
    expect(await present(live)).toBe(live.length);
    client.destroy();
  });
});
