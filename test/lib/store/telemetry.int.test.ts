import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetryRecorder } from '../../../lib/http/telemetry.js';
import { expirySeconds } from '../../../lib/policy/time.js';
import { createTelemetryStore, type RequestRecord } from '../../../lib/store/telemetry.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

const DAY_MS = 86_400_000;
const T0 = new Date('2031-03-10T08:15:00.000Z');
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);

function request(overrides: Partial<RequestRecord> & Pick<RequestRecord, 'app' | 'at'>): RequestRecord {
  return {
    requestId: `r${Math.random().toString(36).slice(2)}`,
    api: 'im.callback:C2C.CallbackAfterSendMsg',
    callerIp: '198.51.100.4',
    status: 200,
    success: true,
    latencyMs: 10,
    ...overrides,
  };
}

/** Counts the commands sent through a real client; for faults, throws instead for the first `failures`. */
function countingDoc(doc: DynamoDBDocumentClient, opts: { failures?: number } = {}) {
  const sent: string[] = [];
  let failures = opts.failures ?? 0;
  const wrapped = new Proxy(doc, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        if (failures > 0) {
          failures -= 1;
          const error = new Error('injected');
          error.name = 'ProvisionedThroughputExceededException';
          throw error;
        }
        return target.send(command as never);
      };
    },
  });
  return { doc: wrapped, sent };
}

describe('telemetry store and recorder on DynamoDB Local', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  const store = () => createTelemetryStore({ doc: db.doc, tableName: db.tables.telemetry });
  const recorder = (
    opts: Parameters<typeof createTelemetryRecorder>[0] extends infer O ? Partial<O> : never,
  ) =>
    createTelemetryRecorder({
      doc: db.doc,
      tableName: db.tables.telemetry,
      now: () => T0,
      backgroundFlush: false,
      ...opts,
    });

  it('reports exact counts, success rates and average latencies for a known sequence, summed over containers', async () => {
    const app = 'exact1';
    const a = recorder({ containerId: 'ca' });
    const b = recorder({ containerId: 'cb' });
    // minute 08:15: 3 successes (10, 20, 30 ms) on container a, 1 failure (40 ms) on container b
    a.record(request({ app, at: at(1_000), latencyMs: 10 }));
    a.record(request({ app, at: at(2_000), latencyMs: 20 }));
    a.record(request({ app, at: at(3_000), latencyMs: 30 }));
    b.record(request({ app, at: at(4_000), latencyMs: 40, success: false, status: 500 }));
    // minute 08:16: 2 failures (5, 15 ms) and 1 success with a D5 reject answer (counted as success)
    a.record(request({ app, at: at(61_000), latencyMs: 5, success: false, status: 401 }));
    b.record(request({ app, at: at(62_000), latencyMs: 15, success: false, status: 400 }));
    b.record(request({ app, at: at(63_000), latencyMs: 7 }));
    // another app, and a request without an app: neither leaks into this app's series
    a.record(request({ app: 'exact2', at: at(1_000), latencyMs: 99 }));
    a.record(request({ app: undefined, at: at(1_000), latencyMs: 99 }));
    await a.flush();
    await b.flush();

    const points = await store().metrics(app, { now: at(10 * 60_000) });
    expect(points).toEqual([
      { minute: '2031-03-10T08:15:00.000Z', requests: 4, successRate: 0.75, avgLatencyMs: 25 },
      { minute: '2031-03-10T08:16:00.000Z', requests: 3, successRate: 1 / 3, avgLatencyMs: 9 },
    ]);
    expect(await store().metrics('exact2', { now: at(10 * 60_000) })).toEqual([
      { minute: '2031-03-10T08:15:00.000Z', requests: 1, successRate: 1, avgLatencyMs: 99 },
    ]);
  });

  it('rewrites a container row with running totals, so repeated flushes never double count', async () => {
    const app = 'rewrite';
    const r = recorder({ containerId: 'c1' });
    r.record(request({ app, at: at(1_000), latencyMs: 100 }));
    await r.flush();
    r.record(request({ app, at: at(2_000), latencyMs: 200, success: false }));
    await r.flush();
    await r.flush();
    expect(await store().metrics(app, { now: at(60_000) })).toEqual([
      { minute: '2031-03-10T08:15:00.000Z', requests: 2, successRate: 0.5, avgLatencyMs: 150 },
    ]);
  });

  it('keeps log records exactly 7 days and monitoring rows exactly 2 days', async () => {
    const app = 'expiry';
    const r = recorder({});
    const requestAt = at(30_500);
    r.record(request({ app, at: requestAt, requestId: 'expiry-1' }));
    await r.flush();
    const minuteStart = T0; // 08:15:00, the minute of 08:15:30.5
    const logExpiry = new Date(requestAt.getTime() + 7 * DAY_MS);
    const monExpiry = new Date(minuteStart.getTime() + 2 * DAY_MS);
    const range = { from: T0, to: at(60_000) };

    const [record] = await store().logRecords(app, { ...range, now: requestAt });
    expect(record?.expiresAt).toBe(expirySeconds(logExpiry));
    expect(
      await store().logRecords(app, { ...range, now: new Date(logExpiry.getTime() - 1000) }),
    ).toHaveLength(1);
    expect(await store().logRecords(app, { ...range, now: new Date(logExpiry.getTime() + 1000) })).toEqual(
      [],
    );

    const before = await store().metrics(app, { now: new Date(monExpiry.getTime() - 1000) });
    expect(before.map((p) => p.requests)).toEqual([1]);
    expect(await store().metrics(app, { now: monExpiry })).toEqual([]);
    // asking for an older window never reaches past the 2-day horizon
    expect(await store().metrics(app, { from: T0, to: at(60_000), now: monExpiry })).toEqual([]);
  });

  it('stores only the whitelisted P2 fields', async () => {
    const r = recorder({});
    r.record(
      request({
        app: 'fields',
        at: at(5_000),
        requestId: 'fields-1',
        success: false,
        status: 400,
        errorName: 'BadRequestError',
        errorMessage: 'MsgBody: required',
      }),
    );
    await r.flush();
    const [record] = await store().logRecords('fields', { from: T0, to: at(60_000), now: T0 });
    expect(Object.keys(record ?? {}).sort()).toEqual(
      [
        'api',
        'app',
        'at',
        'callerIp',
        'errorMessage',
        'errorName',
        'expiresAt',
        'latencyMs',
        'outcome',
        'requestId',
        'status',
      ].sort(),
    );
    expect(record).toMatchObject({
      api: 'im.callback:C2C.CallbackAfterSendMsg',
      at: '2031-03-10T08:15:05.000Z',
      callerIp: '198.51.100.4',
      outcome: 'failure',
      errorName: 'BadRequestError',
    });
  });

  it('writes one BatchWriteItem per 20 requests, never one per request', async () => {
    const { doc, sent } = countingDoc(db.doc);
    const r = createTelemetryRecorder({
      doc,
      tableName: db.tables.telemetry,
      now: () => T0,
      backgroundFlush: false,
      maxBufferedRecords: 20,
      maxDelayMs: 60_000,
    });
    for (let i = 0; i < 100; i += 1) {
      r.record(request({ app: 'batched', at: at(i * 100) }));
      await r.flushIfDue();
    }
    expect(sent).toEqual(Array(5).fill('BatchWriteCommand'));
    expect(r.pending().logRecords).toBe(0);
    expect((await store().metrics('batched', { now: T0 }))[0]?.requests).toBe(100);
  });

  it('flushes by age: a request arriving after maxDelayMs writes what waited', async () => {
    let now = T0;
    const r = recorder({ now: () => now, maxBufferedRecords: 1000, maxDelayMs: 5_000 });
    r.record(request({ app: 'aged', at: now }));
    expect(await r.flushIfDue()).toBeUndefined();
    now = at(5_000);
    r.record(request({ app: 'aged', at: now }));
    expect(await r.flushIfDue()).toEqual({ logRecords: 2, monitoringRows: 1, failed: 0 });
  });

  it('writes the P2 records of one flush as one item per app and hour, and reads each record back in its range', async () => {
    const { doc, sent } = countingDoc(db.doc);
    const r = createTelemetryRecorder({
      doc,
      tableName: db.tables.telemetry,
      now: () => T0,
      backgroundFlush: false,
      maxBufferedRecords: 250,
    });
    // 230 requests of one app (three chunks: 100 + 100 + 30), 2 of another, one without an app
    for (let i = 0; i < 230; i += 1)
      r.record(request({ app: 'chunked', at: at(i * 10), requestId: `c${i}` }));
    r.record(request({ app: 'chunked-other', at: at(5) }));
    r.record(request({ app: 'chunked-other', at: at(6) }));
    r.record(request({ app: undefined, at: at(7) }));
    expect(await r.flush()).toEqual({ logRecords: 233, monitoringRows: 2, failed: 0 });
    expect(sent).toEqual(['BatchWriteCommand']);
    const items = await db.doc.send(
      new (await import('@aws-sdk/lib-dynamodb')).QueryCommand({
        TableName: db.tables.telemetry,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'log#chunked#2031-03-10T08' },
      }),
    );
    expect(items.Items?.map((item) => item.recordCount)).toEqual([100, 100, 30]);
    // a range that starts inside the first chunk and ends in the second finds exactly its records, in order
    const records = await store().logRecords('chunked', { from: at(505), to: at(1_005), now: T0 });
    expect(records.map((record) => record.requestId)).toEqual(
      Array.from({ length: 50 }, (_, i) => `c${51 + i}`),
    );
    expect(records[0]).toMatchObject({ app: 'chunked', outcome: 'success', status: 200 });
    expect(await store().logRecords('chunked-other', { from: T0, to: at(60_000), now: T0 })).toHaveLength(2);
    expect(await store().logRecords(undefined, { from: at(7), to: at(7), now: T0 })).toHaveLength(1);
  });

  it('loses nothing when a flush fails: records wait and are written by the next flush', async () => {
    let now = T0;
    const { doc, sent } = countingDoc(db.doc, { failures: 1 });
    const r = createTelemetryRecorder({
      doc,
      tableName: db.tables.telemetry,
      now: () => now,
      backgroundFlush: false,
      maxBufferedRecords: 3,
      maxDelayMs: 1_000,
    });
    for (let i = 0; i < 3; i += 1) r.record(request({ app: 'retry', at: at(i) }));
    expect(await r.flushIfDue()).toMatchObject({ failed: 4 });
    r.record(request({ app: 'retry', at: at(10) }));
    expect(await r.flushIfDue()).toBeUndefined(); // backing off, no round trip
    now = at(1_000);
    expect(await r.flushIfDue()).toMatchObject({ logRecords: 4, failed: 0 });
    expect(sent).toHaveLength(2);
    expect((await store().metrics('retry', { now }))[0]?.requests).toBe(4);
    expect(await store().logRecords('retry', { from: T0, to: at(60_000), now })).toHaveLength(4);
  });

  it('caps what it holds while writes fail, and counts every dropped log record', async () => {
    const { doc } = countingDoc(db.doc, { failures: 2 });
    const r = createTelemetryRecorder({
      doc,
      tableName: db.tables.telemetry,
      now: () => T0,
      backgroundFlush: false,
      maxPendingRecords: 5,
    });
    for (let i = 0; i < 8; i += 1) r.record(request({ app: 'overflow', at: at(i) }));
    await r.flush(); // fails
    await r.flush(); // fails
    expect(r.pending()).toMatchObject({ logRecords: 5, droppedLogRecords: 3 });
    await r.flush();
    expect(r.pending()).toMatchObject({ logRecords: 0, dirtyRows: 0 });
    expect(await store().logRecords('overflow', { from: T0, to: at(60_000), now: T0 })).toHaveLength(5);
    // P3 still counts all 8 requests; the row says 3 P2 records were dropped
    const rows = await db.doc.send(
      new (await import('@aws-sdk/lib-dynamodb')).QueryCommand({
        TableName: db.tables.telemetry,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'mon#overflow' },
      }),
    );
    expect(rows.Items?.[0]).toMatchObject({ requests: 8, droppedLogRecords: 3 });
  });

  it('loses on a crash at most the requests since the last flush (fewer than maxBufferedRecords)', async () => {
    const r = recorder({ maxBufferedRecords: 10, maxDelayMs: 60_000 });
    for (let i = 0; i < 29; i += 1) {
      r.record(request({ app: 'crash', at: at(i) }));
      await r.flushIfDue();
    }
    // the container dies here without flushing: 9 requests (29 - 2 * 10) were only in memory
    expect(r.pending().logRecords).toBe(9);
    expect((await store().metrics('crash', { now: T0 }))[0]?.requests).toBe(20);
  });
});
