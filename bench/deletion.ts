import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { WorkerEvent, WorkerReport } from '../functions/deletion-worker/run.js';
import { accountPseudonym } from '../lib/policy/pseudonym.js';
import { createAuditStore } from '../lib/store/audit.js';
import { createDeletionRequestStore } from '../lib/store/deletion-requests.js';
import { createDocumentClient, createDynamoClient } from '../lib/store/dynamo.js';
import { ownerIndexQueries } from '../lib/store/personal-keys.js';
import { queryAllPagesOf } from '../lib/store/query-pages.js';
import { startDynamoProxy } from '../scripts/dynamo-proxy.js';
import { capacityBreakdown } from './support/capacity.js';
import {
  BENCH_AUDIT_HMAC_KEY,
  benchDoc,
  handlerEnv,
  importHandler,
  loadItems,
  type Tables,
} from './support/database.js';
import { lambdaContext } from './support/events.js';
import { messagesOf, nowSeconds, userInfoItem } from './support/items.js';
import { type BenchResults, describe, progress } from './support/result.js';
import { round, summarize } from './support/stats.js';

/**
 * deletion.capacityRatio: capacity units the D3 deletion worker (functions/deletion-worker/handler.ts)
 * consumes erasing one account (2,000 messages and its userInfo) in a table holding the shared live
 * items of other accounts of the same app, against the minimum: one owner-index Query for exactly that
 * account's entries plus one delete of each of its items (BatchWriteItem), metered the same way.
 */
type WorkerHandler = (event: WorkerEvent, context: Context) => Promise<WorkerReport>;

export interface DeletionBenchOptions {
  readonly endpoint: string;
  readonly port: number;
  readonly tables: Tables;
  readonly app: string;
  readonly liveItems: number;
  readonly messages?: number;
  readonly runs?: number;
}

const ACCOUNT = 'erasure-target';

/** The minimum: find exactly the account's items on the owner index, delete each once. */
async function minimalErasure(doc: DynamoDBDocumentClient, tableName: string, app: string): Promise<number> {
  const keys = await queryAllPagesOf(
    doc,
    ownerIndexQueries(tableName, app, ACCOUNT).map((query) => ({ ...query, ProjectionExpression: 'pk, sk' })),
  );
  for (let i = 0; i < keys.length; i += 25) {
    let pending = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    while (pending.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  }
  return keys.length;
}

export async function benchDeletion(opts: DeletionBenchOptions): Promise<BenchResults> {
  const messageCount = opts.messages ?? 2000;
  const runs = opts.runs ?? 3;
  const doc = benchDoc(opts.endpoint);
  const proxy = await startDynamoProxy(opts.port, { captureCapacity: true });
  const worker = (
    await importHandler<{ handler: WorkerHandler }>(
      'functions/deletion-worker/handler.ts',
      handlerEnv(proxy.endpoint, opts.tables),
    )
  ).handler;
  const meteredDoc = createDocumentClient(
    createDynamoClient({
      endpoint: proxy.endpoint,
      region: 'us-east-1',
      maxAttempts: 10,
      requestTimeoutMs: 30_000,
    }),
  );
  const requests = createDeletionRequestStore({
    doc,
    tableName: opts.tables.governance,
    audit: createAuditStore({ doc, tableName: opts.tables.governance }),
  });

  const now = nowSeconds();
  const accountItems = [
    ...messagesOf(opts.app, ACCOUNT, messageCount, { from: now + 3600, to: now + 6 * 86_400 }, 'erase'),
    userInfoItem(opts.app, ACCOUNT, new Date(), now + 7 * 86_400),
  ];

  const workerUnits: number[] = [];
  const workerMs: number[] = [];
  const minimumUnits: number[] = [];
  let workerBreakdown = '';
  let minimumBreakdown = '';
  progress(
    `deletion: ${runs} interleaved runs erasing ${accountItems.length} items among ${opts.liveItems} others`,
  );
  for (let run = 0; run < runs; run += 1) {
    for (const which of run % 2 === 0 ? (['worker', 'minimum'] as const) : (['minimum', 'worker'] as const)) {
      await loadItems(doc, opts.tables.personal, accountItems, 32);
      if (which === 'worker') {
        const { request } = await requests.create(
          {
            app: opts.app,
            subject: 'account',
            account: ACCOUNT,
            accountHash: accountPseudonym(BENCH_AUDIT_HMAC_KEY, opts.app, ACCOUNT),
            categories: ['userInfo', 'messages'],
            requestedBy: 'appAdmin',
          },
          new Date(),
        );
        proxy.reset();
        const started = performance.now();
        const report = await worker({ app: opts.app, requestId: request.id }, lambdaContext());
        workerMs.push(performance.now() - started);
        workerUnits.push(proxy.capacityUnits());
        workerBreakdown = capacityBreakdown(proxy, opts.tables);
        const done = await requests.get(opts.app, request.id);
        if (report.outcomes.completed !== 1 || done?.status !== 'completed') {
          throw new Error(`deletion request not completed: ${JSON.stringify(report.outcomes)}`);
        }
        if (done.deleted.messages !== messageCount || done.deleted.userInfo !== 1) {
          throw new Error(`deletion counted ${JSON.stringify(done.deleted)}`);
        }
      } else {
        proxy.reset();
        const found = await minimalErasure(meteredDoc, opts.tables.personal, opts.app);
        if (found !== accountItems.length)
          throw new Error(`owner index held ${found} items, expected ${accountItems.length}`);
        minimumUnits.push(proxy.capacityUnits());
        minimumBreakdown = capacityBreakdown(proxy, opts.tables);
      }
    }
  }
  await proxy.close();
  const subject = summarize(workerUnits);
  const minimum = summarize(minimumUnits);
  return {
    'unit.erasureCapacityPerItem': {
      value: round(subject.median / accountItems.length, 3),
      unit: 'capacity units/erased item',
      detail: `deletion worker ${describe(subject, 'CU', 1)} for ${accountItems.length} items of one account (read and write units, base table and indexes); last run: ${workerBreakdown}`,
    },
    'unit.erasureItemsPerSecond': {
      value: round(accountItems.length / (summarize(workerMs).median / 1000), 0),
      unit: 'items/s (one worker)',
      detail: `one deletion worker invocation erasing ${accountItems.length} items: ${describe(summarize(workerMs), 'ms', 0)} (through the metering proxy, DynamoDB Local on this machine)`,
    },
    'deletion.capacityRatio': {
      value: round(subject.median / minimum.median, 3),
      unit: 'ratio',
      detail:
        `capacity units: deletion worker ${describe(subject, 'CU', 1)} / minimum ${describe(minimum, 'CU', 1)} ` +
        `(${messageCount} messages + 1 userInfo among ${opts.liveItems} live items of other accounts of the same app); ` +
        `worker (last run): ${workerBreakdown}; minimum (last run): ${minimumBreakdown}`,
    },
  };
}
