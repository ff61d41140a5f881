import { randomBytes } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLogger } from '../log.js';
import { EMPTY_COUNTERS, type MinuteKey, minuteKey } from '../policy/monitoring.js';
import {
  createTelemetryStore,
  itemId,
  logChunks,
  monitoringRowItem,
  NO_APP,
  type RequestRecord,
} from '../store/telemetry.js';

/**
 * Buffers P2 records and P3 counters in the container's memory and writes them with BatchWriteItem
 * when `maxBufferedRecords` requests wait or the oldest has waited `maxDelayMs`: one round trip per
 * N requests instead of one per request, and one item per app and hour for the P2 records of a flush
 * (log-chunks.ts) instead of one per request. P3 rows hold this container's running totals per app and
 * minute, so rewriting one is idempotent and a failed write is repaired by the next.
 *
 * What a crash (or a container reaped while idle) loses: the requests recorded since the last
 * successful flush, in both P2 and P3: at most `maxBufferedRecords - 1` (19), all from the last
 * `maxDelayMs` (5 s) before the container's last invocation ended. These losses are not counted.
 * While writes fail it holds at most `maxPendingRecords` (500) P2 records, dropping the oldest and
 * counting them in `droppedLogRecords` of the app's P3 row, and retries at most every `maxDelayMs`;
 * P3 rows stay in memory (at most `maxRows`) until written, so no P3 count is lost but to a crash.
 */
export interface TelemetryRecorderOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => Date;
  readonly containerId?: string;
  /** Flush once this many requests wait (default 20: with up to 5 app rows, one BatchWriteItem). */
  readonly maxBufferedRecords?: number;
  /** ...or once the oldest waiting request is this old (default 5000 ms). */
  readonly maxDelayMs?: number;
  /** P2 records held while writes fail; beyond, the oldest are dropped and counted (default 500). */
  readonly maxPendingRecords?: number;
  /** P3 rows held in memory; beyond, the oldest are dropped and their unwritten requests counted (default 2000). */
  readonly maxRows?: number;
  /** The longest a request waits for a flush it triggered; the flush carries on regardless (default 200 ms). */
  readonly flushWaitMs?: number;
  /** Also flush from an unref'd timer after `maxDelayMs` (default true; runs whenever the container is awake). */
  readonly backgroundFlush?: boolean;
  readonly logger?: Logger;
}

export interface FlushReport {
  readonly logRecords: number;
  readonly monitoringRows: number;
  /** P2 records and P3 rows this flush could not write (they wait for the next). */
  readonly failed: number;
}

export interface TelemetryRecorder {
  readonly containerId: string;
  readonly flushWaitMs: number;
  now(): Date;
  record(record: RequestRecord): void;
  /** Flushes when a size or age bound is reached (and no failed flush is backing off). */
  flushIfDue(): Promise<FlushReport | undefined>;
  /** Writes everything waiting now; for tests and shutdown. */
  flush(): Promise<FlushReport>;
  pending(): { logRecords: number; dirtyRows: number; droppedLogRecords: number; droppedRequests: number };
}

interface RowState {
  app: string;
  minute: MinuteKey;
  requests: number;
  failures: number;
  latencyMsTotal: number;
  droppedLogRecords: number;
  droppedRequests: number;
  version: number;
  writtenVersion: number;
  writtenRequests: number;
}

/** A row's minute stays open this long: longer than any request (Lambda's 15 minutes) takes. */
const ROW_OPEN_MS = 20 * 60_000;
const NEW_ROW_VERSION = { version: 0, writtenVersion: 0, writtenRequests: 0 } as const;

/** Every recorder of this process (handler modules make one each), for shutdown and tests. */
const recorders = new Set<TelemetryRecorder>();

/** Flushes every recorder of the process, e.g. on shutdown of the local stack or at the end of a test. */
export async function flushAllTelemetry(): Promise<void> {
  await Promise.all([...recorders].map((recorder) => recorder.flush()));
}

export function createTelemetryRecorder(opts: TelemetryRecorderOptions): TelemetryRecorder {
  const store = createTelemetryStore({ doc: opts.doc, tableName: opts.tableName });
  const now = opts.now ?? (() => new Date());
  const containerId = opts.containerId ?? randomBytes(6).toString('hex');
  const maxBuffered = opts.maxBufferedRecords ?? 20;
  const maxDelayMs = opts.maxDelayMs ?? 5000;
  const maxPending = opts.maxPendingRecords ?? 500;
  const maxRows = opts.maxRows ?? 2000;
  const logger = opts.logger ?? createLogger('telemetry');

  let logs: RequestRecord[] = [];
  const rows = new Map<string, RowState>();
  let pendingSince: number | undefined;
  let retryAfter = 0;
  let inFlight: Promise<FlushReport> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let droppedLogRecords = 0;
  let droppedRequests = 0;

  function rowFor(app: string, minute: MinuteKey): RowState {
    const key = `${app}\u0000${minute}`;
    let row = rows.get(key);
    if (!row) {
      row = { app, minute, ...EMPTY_COUNTERS, droppedLogRecords: 0, droppedRequests: 0, ...NEW_ROW_VERSION };
      rows.set(key, row);
    }
    return row;
  }

  /** Forgets written rows of closed minutes; beyond `maxRows`, drops the oldest and counts what it lost. */
  function evictRows(): void {
    const openFrom = minuteKey(new Date(now().getTime() - ROW_OPEN_MS));
    for (const [key, row] of rows) {
      if (row.version === row.writtenVersion && row.minute < openFrom) rows.delete(key);
    }
    const lostByApp = new Map<string, number>();
    const oldestFirst = [...rows].sort(([, a], [, b]) => (a.minute < b.minute ? -1 : 1));
    for (const [key, row] of oldestFirst.slice(0, Math.max(0, rows.size - maxRows))) {
      rows.delete(key);
      const lost = row.requests - row.writtenRequests;
      if (lost > 0) lostByApp.set(row.app, (lostByApp.get(row.app) ?? 0) + lost);
    }
    for (const [app, lost] of lostByApp) {
      droppedRequests += lost;
      bump(rowFor(app, minuteKey(now())), { droppedRequests: lost });
    }
  }

  function bump(row: RowState, delta: Partial<Omit<RowState, 'app' | 'minute'>>): void {
    row.requests += delta.requests ?? 0;
    row.failures += delta.failures ?? 0;
    row.latencyMsTotal += delta.latencyMsTotal ?? 0;
    row.droppedLogRecords += delta.droppedLogRecords ?? 0;
    row.droppedRequests += delta.droppedRequests ?? 0;
    row.version += 1;
    markPending();
  }

  function enqueueLogs(records: readonly RequestRecord[], atFront: boolean): void {
    if (atFront) logs = [...records, ...logs];
    else logs.push(...records);
    while (logs.length > maxPending) {
      const dropped = logs.shift() as RequestRecord;
      droppedLogRecords += 1;
      bump(rowFor(dropped.app ?? NO_APP, minuteKey(now())), { droppedLogRecords: 1 });
    }
    if (logs.length > 0) markPending();
  }

  function markPending(): void {
    pendingSince ??= now().getTime();
    if (opts.backgroundFlush !== false && !timer) {
      timer = setTimeout(() => {
        timer = undefined;
        flush().catch(() => undefined);
      }, maxDelayMs);
      timer.unref();
    }
  }

  function isDue(): boolean {
    if (pendingSince === undefined || now().getTime() < retryAfter) return false;
    return logs.length >= maxBuffered || now().getTime() - pendingSince >= maxDelayMs;
  }

  async function writeOnce(): Promise<FlushReport> {
    evictRows();
    const chunks = logChunks(logs);
    const recordCount = logs.length;
    logs = [];
    pendingSince = undefined;
    const dirty = [...rows.values()]
      .filter((row) => row.version !== row.writtenVersion)
      .map((row) => ({
        row,
        version: row.version,
        requests: row.requests,
        item: monitoringRowItem({ ...row, containerId }),
      }));
    let unprocessed: Set<string>;
    try {
      unprocessed = await store.write([
        ...chunks.map((chunk) => chunk.item),
        ...dirty.map((entry) => entry.item),
      ]);
    } catch (error) {
      logger.warn('telemetry flush failed', {
        errorName: error instanceof Error ? error.name : typeof error,
        logRecords: recordCount,
        monitoringRows: dirty.length,
      });
      unprocessed = new Set(
        [...chunks.map((chunk) => chunk.item), ...dirty.map((entry) => entry.item)].map(itemId),
      );
    }
    for (const { row, version, requests, item } of dirty) {
      if (unprocessed.has(itemId(item))) continue;
      if (row.version === version) row.writtenVersion = version;
      row.writtenRequests = requests;
    }
    const unwritten = chunks
      .filter((chunk) => unprocessed.has(itemId(chunk.item)))
      .flatMap((chunk) => chunk.records);
    const unwrittenRows = dirty.filter(({ item }) => unprocessed.has(itemId(item))).length;
    enqueueLogs(unwritten, true);
    if (dirty.some(({ row }) => row.version !== row.writtenVersion)) markPending();
    if (unprocessed.size > 0) retryAfter = now().getTime() + maxDelayMs;
    return {
      logRecords: recordCount,
      monitoringRows: dirty.length,
      failed: unwritten.length + unwrittenRows,
    };
  }

  async function flush(): Promise<FlushReport> {
    while (inFlight) await inFlight.catch(() => undefined);
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    inFlight = writeOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  const recorder: TelemetryRecorder = {
    containerId,
    flushWaitMs: opts.flushWaitMs ?? 200,
    now,
    record(record) {
      enqueueLogs([record], false);
      if (record.app === undefined) return;
      bump(rowFor(record.app, minuteKey(record.at)), {
        requests: 1,
        failures: record.success ? 0 : 1,
        latencyMsTotal: record.latencyMs,
      });
      if (rows.size > maxRows) evictRows();
    },
    async flushIfDue() {
      return isDue() && !inFlight ? flush() : undefined;
    },
    flush,
    pending() {
      const dirtyRows = [...rows.values()].filter((row) => row.version !== row.writtenVersion).length;
      return { logRecords: logs.length, dirtyRows, droppedLogRecords, droppedRequests };
    },
  };
  recorders.add(recorder);
  return recorder;
}
