import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import {
  addCounters,
  EMPTY_COUNTERS,
  type MetricsPoint,
  type MinuteCounters,
  type MinuteKey,
  metricsWindow,
  minuteStart,
  toMetricsPoint,
} from '../policy/monitoring.js';
import { fixedExpiry } from '../policy/retention.js';
import { expirySeconds } from '../policy/time.js';
import { expiringAttributes, KEY_SEPARATOR, keyPart } from './keys.js';
import { liveCondition } from './live.js';
import { queryAllPages } from './query-pages.js';

/**
 * P2 log data and P3 monitoring data in the telemetry table.
 *
 * Log record (one per request, 7 days): pk `log#<app>#<minute>`, sk `<ISO time>#<requestId>`; only
 * the whitelisted fields of `RequestRecord`, never a body, query string, header or credential.
 * Monitoring row (2 days): pk `mon#<app>`, sk `<minute>#<containerId>`, holding one container's
 * cumulative counters for that app and minute. A container rewrites its own row with the running
 * totals (idempotent, so a retried or repeated write never double counts); reads sum a minute's rows.
 */
export const NO_APP = '-';
const BATCH_LIMIT = 25;

/** One finished request, as the telemetry middleware saw it: the whole of what P2 keeps. */
export interface RequestRecord {
  readonly requestId: string;
  /** `im.callback:<CallbackCommand>` or the route key, e.g. `GET /apps/{sdkAppId}/metrics`. */
  readonly api: string;
  /** The app the request was for; undefined when none is known (kept under `-`, not counted in P3). */
  readonly app: string | undefined;
  readonly at: Date;
  readonly callerIp: string | undefined;
  readonly status: number;
  readonly success: boolean;
  readonly latencyMs: number;
  readonly errorName?: string | undefined;
  readonly errorMessage?: string | undefined;
  readonly errorCode?: number | undefined;
}

/** A stored P2 log record as read back. */
export interface LogRecord {
  readonly requestId: string;
  readonly api: string;
  readonly app: string;
  readonly at: string;
  readonly callerIp?: string;
  readonly status: number;
  readonly outcome: 'success' | 'failure';
  readonly latencyMs: number;
  readonly errorName?: string;
  readonly errorMessage?: string;
  readonly errorCode?: number;
  readonly expiresAt: number;
}

/** One container's running totals for one app and minute, plus what it could not record. */
export interface MonitoringRow extends MinuteCounters {
  readonly app: string;
  readonly minute: MinuteKey;
  readonly containerId: string;
  /** P2 records of this app the container dropped (buffer overflow or repeated write failure). */
  readonly droppedLogRecords: number;
  /** Requests whose P3 counts were dropped because their minute could not be written in time. */
  readonly droppedRequests: number;
}

export type TelemetryItem = Record<string, unknown> & { pk: string; sk: string };

/**
 * P2 records of one app and one hour share a partition (sorted by time): an app's records of a day are
 * 24 Queries, its records of P2's 7 days 169, whatever the traffic; DynamoDB splits a busy partition by
 * sort key range on its own.
 */
export function logPartition(app: string | undefined, hour: string): string {
  return ['log', app === undefined ? NO_APP : keyPart(app), hour].join(KEY_SEPARATOR);
}

/** `YYYY-MM-DDTHH` of an instant (UTC). */
const hourOf = (at: Date) => at.toISOString().slice(0, 13);
const HOUR_MS = 3_600_000;

/** Every hour (as `hourOf`) that [from, to] touches. */
function hoursOf(from: Date, to: Date): string[] {
  const hours: string[] = [];
  for (let t = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS; t <= to.getTime(); t += HOUR_MS) {
    hours.push(hourOf(new Date(t)));
  }
  return hours;
}

export function monitoringPartition(app: string): string {
  return ['mon', keyPart(app)].join(KEY_SEPARATOR);
}

export function logRecordItem(record: RequestRecord): TelemetryItem {
  const app = record.app ?? NO_APP;
  const at = record.at.toISOString();
  const pk = logPartition(record.app, hourOf(record.at));
  const sk = [at, record.requestId].join(KEY_SEPARATOR);
  const expiresAt = expirySeconds(fixedExpiry('log', record.at));
  return {
    pk,
    sk,
    ...expiringAttributes('log', app, expiresAt, `${pk}${KEY_SEPARATOR}${sk}`),
    requestId: record.requestId,
    api: record.api,
    at,
    callerIp: record.callerIp,
    status: record.status,
    outcome: record.success ? 'success' : 'failure',
    latencyMs: record.latencyMs,
    errorName: record.errorName,
    errorMessage: record.errorMessage,
    errorCode: record.errorCode,
  };
}

/** A monitoring row expires 2 days after its minute starts: nothing older than 2 days is kept. */
export function monitoringRowItem(row: MonitoringRow): TelemetryItem {
  const pk = monitoringPartition(row.app);
  const sk = [row.minute, row.containerId].join(KEY_SEPARATOR);
  const expiresAt = expirySeconds(fixedExpiry('monitoring', minuteStart(row.minute)));
  return {
    pk,
    sk,
    ...expiringAttributes('monitoring', row.app, expiresAt, `${pk}${KEY_SEPARATOR}${sk}`),
    minute: row.minute,
    requests: row.requests,
    failures: row.failures,
    latencyMsTotal: row.latencyMsTotal,
    droppedLogRecords: row.droppedLogRecords,
    droppedRequests: row.droppedRequests,
  };
}

export interface TelemetryStore {
  /** Writes items with BatchWriteItem (25 a call); returns the `pk#sk` of those DynamoDB left unprocessed. */
  write(items: readonly TelemetryItem[]): Promise<Set<string>>;
  /** P3: one point per minute with requests, from `from` to `to`, clamped to the last 2 days. */
  metrics(
    app: string,
    range: { from?: Date | undefined; to?: Date | undefined; now: Date },
  ): Promise<MetricsPoint[]>;
  /** P2: the unexpired log records of `app` (undefined: requests without an app) in [from, to]; one Query an hour. */
  logRecords(app: string | undefined, range: { from: Date; to: Date; now: Date }): Promise<LogRecord[]>;
  /**
   * End of service: deletes every P2 record of `app` written in [from, to] (one Query an hour, 16 at
   * once) and all its P3 rows (one partition); answers how many of each went.
   */
  eraseApp(app: string, range: { from: Date; to: Date }): Promise<{ log: number; monitoring: number }>;
}

const ERASE_CONCURRENCY = 16;

export function itemId(item: { pk: unknown; sk: unknown }): string {
  return `${String(item.pk)}${KEY_SEPARATOR}${String(item.sk)}`;
}

export function createTelemetryStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): TelemetryStore {
  const { doc, tableName } = opts;

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>) {
    return queryAllPages(doc, { ...input, TableName: tableName }).catch((cause: unknown) => {
      throw new StoreError('telemetry query failed', { cause });
    });
  }

  return {
    async write(items) {
      const unprocessed = new Set<string>();
      for (let i = 0; i < items.length; i += BATCH_LIMIT) {
        const chunk = items.slice(i, i + BATCH_LIMIT);
        const result = await doc
          .send(
            new BatchWriteCommand({
              RequestItems: { [tableName]: chunk.map((Item) => ({ PutRequest: { Item } })) },
            }),
          )
          .catch((cause: unknown) => {
            throw new StoreError('telemetry write failed', { cause });
          });
        for (const request of result.UnprocessedItems?.[tableName] ?? []) {
          const item = request.PutRequest?.Item;
          if (item) unprocessed.add(itemId({ pk: item.pk, sk: item.sk }));
        }
      }
      return unprocessed;
    },

    async metrics(app, range) {
      const window = metricsWindow(range.now, range);
      if (!window) return [];
      const live = liveCondition(range.now);
      const rows = await queryAll({
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        FilterExpression: live.expression,
        ExpressionAttributeNames: { ...live.names, '#minute': 'minute' },
        ExpressionAttributeValues: {
          ...live.values,
          ':pk': monitoringPartition(app),
          ':from': window.fromMinute,
          ':to': `${window.toMinute}${KEY_SEPARATOR}\uffff`,
        },
        ProjectionExpression: '#minute, requests, failures, latencyMsTotal',
      });
      const byMinute = new Map<MinuteKey, MinuteCounters>();
      for (const row of rows) {
        const minute = String(row.minute);
        byMinute.set(minute, addCounters(byMinute.get(minute) ?? EMPTY_COUNTERS, countersOf(row)));
      }
      return [...byMinute]
        .filter(([, counters]) => counters.requests > 0)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([minute, counters]) => toMetricsPoint(minute, counters));
    },

    async eraseApp(app, range) {
      const deleteAll = async (pk: string) => {
        const keys = await queryAll({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
        });
        for (let i = 0; i < keys.length; i += BATCH_LIMIT) {
          let requests = keys.slice(i, i + BATCH_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
          for (let attempt = 0; requests.length > 0; attempt += 1) {
            if (attempt >= 8) throw new StoreError('telemetry erasure: DynamoDB kept writes unprocessed');
            const result = await doc
              .send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }))
              .catch((cause: unknown) => {
                throw new StoreError('telemetry erasure failed', { cause });
              });
            requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
          }
        }
        return keys.length;
      };
      const partitions = hoursOf(range.from, range.to).map((hour) => logPartition(app, hour));
      let log = 0;
      for (let i = 0; i < partitions.length; i += ERASE_CONCURRENCY) {
        const counts = await Promise.all(partitions.slice(i, i + ERASE_CONCURRENCY).map(deleteAll));
        log += counts.reduce((sum, n) => sum + n, 0);
      }
      return { log, monitoring: await deleteAll(monitoringPartition(app)) };
    },

    async logRecords(app, range) {
      const live = liveCondition(range.now);
      const records: LogRecord[] = [];
      for (const hour of hoursOf(range.from, range.to)) {
        const items = await queryAll({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          FilterExpression: live.expression,
          ExpressionAttributeNames: live.names,
          ExpressionAttributeValues: {
            ...live.values,
            ':pk': logPartition(app, hour),
            ':from': range.from.toISOString(),
            ':to': `${range.to.toISOString()}${KEY_SEPARATOR}\uffff`,
          },
        });
        for (const item of items) {
          const { pk: _pk, sk: _sk, category: _c, expiryBucket: _b, ttlDeleteAt: _t, ...record } = item;
          records.push(record as unknown as LogRecord);
        }
      }
      return records;
    },
  };
}

function countersOf(row: Record<string, unknown>): MinuteCounters {
  return {
    requests: Number(row.requests ?? 0),
    failures: Number(row.failures ?? 0),
    latencyMsTotal: Number(row.latencyMsTotal ?? 0),
  };
}
