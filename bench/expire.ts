import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { ExpireEvent, ExpireResult } from '../functions/expire/handler.js';
import type { ExpiryReport } from '../functions/expire/run.js';
import { startDynamoProxy } from '../scripts/dynamo-proxy.js';
import { capacityBreakdown } from './support/capacity.js';
import { benchDoc, handlerEnv, importHandler, loadItems, type Tables } from './support/database.js';
import { lambdaContext } from './support/events.js';
import { messagesOf, nowSeconds } from './support/items.js';
import { type BenchResults, describe, progress } from './support/result.js';
import { round, runPool, type Summary, summarize } from './support/stats.js';

/**
 * expire.*: the scheduled `expire` handler (functions/expire/handler.ts: lease, holds, expiry-index
 * Query per bucket, BatchWriteItem deletes, checkpoint) deleting `dueCount` due messages, against a raw
 * BatchWriteItem loop over the same keys (known in advance, 25 a call, as many calls in flight as
 * expire allows itself: 8), and the same expire run in a table that also holds the shared live items.
 */
type ExpireHandler = (event: ExpireEvent, context: Context) => Promise<ExpireResult>;

export interface ExpireBenchOptions {
  readonly endpoint: string;
  /** DynamoDB Local's port, for the metering proxy. */
  readonly port: number;
  /** Tables with no live items. */
  readonly empty: Tables;
  /** Tables that also hold the shared live items. */
  readonly live: Tables;
  readonly liveItems: number;
  readonly dueCount?: number;
  readonly runs?: number;
  /** BatchWriteItem calls in flight in the raw loop (expire's own default writeConcurrency is 8). */
  readonly rawConcurrency?: number;
}

const APP = '1400888001';

function dueItems(count: number): Record<string, unknown>[] {
  const now = nowSeconds();
  const accounts = 100;
  return Array.from({ length: accounts }, (_, a) =>
    messagesOf(APP, `due${a}`, Math.ceil(count / accounts), { from: now - 7200, to: now - 3600 }, `due${a}`),
  )
    .flat()
    .slice(0, count);
}

async function rawDelete(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  concurrency: number,
): Promise<void> {
  await runPool(Math.ceil(keys.length / 25), concurrency, async (index) => {
    let pending = keys.slice(index * 25, index * 25 + 25).map((Key) => ({ DeleteRequest: { Key } }));
    while (pending.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  });
}

async function runExpire(handler: ExpireHandler, expected: number): Promise<number> {
  const started = performance.now();
  const result = await handler({}, lambdaContext());
  const elapsed = performance.now() - started;
  if ('skipped' in result) throw new Error('expire skipped its run: another run held the lease');
  const deleted = Object.values((result as ExpiryReport).categories).reduce(
    (sum, c) => sum + (c?.deleted ?? 0),
    0,
  );
  if (deleted !== expected) throw new Error(`expire deleted ${deleted} items, expected ${expected}`);
  return elapsed;
}

export async function benchExpire(opts: ExpireBenchOptions): Promise<BenchResults> {
  const dueCount = opts.dueCount ?? 5000;
  const runs = opts.runs ?? 7;
  const rawConcurrency = opts.rawConcurrency ?? 8;
  const doc = benchDoc(opts.endpoint);
  const onEmpty = (
    await importHandler<{ handler: ExpireHandler }>(
      'functions/expire/handler.ts',
      handlerEnv(opts.endpoint, opts.empty),
    )
  ).handler;
  const onLive = (
    await importHandler<{ handler: ExpireHandler }>(
      'functions/expire/handler.ts',
      handlerEnv(opts.endpoint, opts.live),
    )
  ).handler;

  // Steady state: a first run walks INITIAL_LOOKBACK_MONTHS of buckets and sets each category's
  // checkpoint; scheduled runs after it walk from the checkpoint (here, the current month).
  progress('expire: warm-up runs (checkpoints, JIT)');
  const warm = dueItems(500);
  for (const [tables, handler] of [
    [opts.empty, onEmpty],
    [opts.live, onLive],
  ] as const) {
    for (let i = 0; i < 2; i += 1) {
      await loadItems(doc, tables.personal, warm, 32);
      await runExpire(handler, warm.length);
    }
  }

  const items = dueItems(dueCount);
  const keys = items.map((item) => ({ pk: item.pk, sk: item.sk }));
  const expireEmptyMs: number[] = [];
  const expireLiveMs: number[] = [];
  const rawMs: number[] = [];
  const idleMs: number[] = [];
  progress(
    `expire: ${runs} interleaved rounds of ${dueCount} due items (expire empty, raw loop, expire among ${opts.liveItems} live)`,
  );
  for (let run = 0; run < runs; run += 1) {
    const steps = ['empty', 'raw', 'live'] as const;
    for (const step of run % 2 === 0 ? steps : [...steps].reverse()) {
      const tables = step === 'live' ? opts.live : opts.empty;
      await loadItems(doc, tables.personal, items, 32);
      if (step === 'raw') {
        const started = performance.now();
        await rawDelete(doc, tables.personal, keys, rawConcurrency);
        rawMs.push(performance.now() - started);
      } else if (step === 'empty') expireEmptyMs.push(await runExpire(onEmpty, dueCount));
      else expireLiveMs.push(await runExpire(onLive, dueCount));
    }
    // A run with nothing due: the fixed cost of a run (lease, holds, checkpoints, one Query per bucket).
    idleMs.push(await runExpire(onEmpty, 0));
  }
  const metered = await meteredExpire(opts, items, dueCount);
  const rate = (ms: number) => (dueCount / ms) * 1000;
  const expireRate = summarize(expireEmptyMs.map(rate));
  const rawRate = summarize(rawMs.map(rate));
  const emptyTime = summarize(expireEmptyMs);
  const liveTime = summarize(expireLiveMs);
  const pairRatios = summarize(expireEmptyMs.map((ms, i) => (rawMs[i] as number) / ms));
  return {
    'unit.expireCapacityPerItem': {
      value: round(metered.units.median / dueCount, 3),
      unit: 'capacity units/expired item',
      detail: `one expire run deleting ${dueCount} due items: ${describe(metered.units, 'CU', 1)} (read and write units, base table and indexes); per item (last run): ${metered.breakdown}`,
    },
    'unit.expireItemsPerSecond': {
      value: round(expireRate.median, 0),
      unit: 'items/s (one run)',
      detail: `one expire run, 8 BatchWriteItem calls in flight: ${describe(expireRate, 'items/s', 0)} (same runs as expire.throughputRatio)`,
    },
    'expire.throughputRatio': {
      value: round(expireRate.median / rawRate.median, 3),
      unit: 'ratio',
      detail:
        `median items deleted/s: expire handler ${describe(expireRate, 'items/s', 0)} / raw BatchWriteItem loop ` +
        `${describe(rawRate, 'items/s', 0)} (${rawConcurrency} calls in flight, keys known in advance); ` +
        `per-round ratio ${describe(pairRatios)}; expire run with nothing due ${describe(summarize(idleMs), 'ms', 0)}; ` +
        `${dueCount} due messages per run, runs interleaved, steady state (checkpoint set by warm-up runs)`,
    },
    'expire.scanIndependence': {
      value: round(liveTime.median / emptyTime.median, 3),
      unit: 'ratio',
      detail:
        `median time to expire ${dueCount} due items among ${opts.liveItems} live items ${describe(liveTime, 'ms', 0)} / ` +
        `with no live items ${describe(emptyTime, 'ms', 0)}; live items expire over the next 7 days, ` +
        `in the same expiry-index buckets as the due ones`,
    },
  };
}

/** Capacity one expire run consumes per deleted item, metered at the wire (3 runs on the empty tables). */
async function meteredExpire(
  opts: ExpireBenchOptions,
  items: readonly Record<string, unknown>[],
  dueCount: number,
): Promise<{ units: Summary; breakdown: string }> {
  const doc = benchDoc(opts.endpoint);
  const proxy = await startDynamoProxy(opts.port, { captureCapacity: true });
  try {
    const handler = (
      await importHandler<{ handler: ExpireHandler }>(
        'functions/expire/handler.ts',
        handlerEnv(proxy.endpoint, opts.empty),
      )
    ).handler;
    const units: number[] = [];
    let breakdown = '';
    for (let run = 0; run < 3; run += 1) {
      await loadItems(doc, opts.empty.personal, items, 32);
      proxy.reset();
      await runExpire(handler, dueCount);
      units.push(proxy.capacityUnits());
      breakdown = capacityBreakdown(proxy, opts.empty, dueCount);
    }
    return { units: summarize(units), breakdown };
  } finally {
    await proxy.close();
  }
}
