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
import { hourOf, type LogRecord, logPartition, recordsOfChunk, type TelemetryItem } from './log-chunks.js';
import { queryAllPages } from './query-pages.js';

/**
 * P2 log data and P3 monitoring data in the telemetry table.
 *
 * Log records: chunks of the records one container flush holds for one app and hour (log-chunks.ts),
 * only the whitelisted fields of `RequestRecord`, never a body, query string, header or credential.
 * Monitoring row (2 days): pk `mon#<app>`, sk `<minute>#<containerId>`, holding one container's
 * cumulative counters for that app and minute. A container rewrites its own row with the running
 * totals (idempotent, so a retried or repeated write never double counts); reads sum a minute's rows.
 */
export {
  type LogChunk,
  type LogRecord,
  logChunks,
  logPartition,
  NO_APP,
  type RequestRecord,
  type TelemetryItem,
} from './log-chunks.js';

const BATCH_LIMIT = 25;

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
   * once) and all its P3 rows (one partition); answers how many of each went (P2: records, not chunks).
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
        const found = await queryAll({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk, recordCount',
        });
        const keys = found.map(({ pk, sk }) => ({ pk, sk }));
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
        return found.reduce((sum, item) => sum + Number(item.recordCount ?? 1), 0);
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
      const from = range.from.toISOString();
      const to = range.to.toISOString();
      const records: LogRecord[] = [];
      for (const hour of hoursOf(range.from, range.to)) {
        // A chunk's sort key is its first record's time: one that began before `from` may hold later ones.
        const items = await queryAll({
          KeyConditionExpression: 'pk = :pk AND sk <= :to',
          FilterExpression: live.expression,
          ExpressionAttributeNames: live.names,
          ExpressionAttributeValues: {
            ...live.values,
            ':pk': logPartition(app, hour),
            ':to': `${to}${KEY_SEPARATOR}\uffff`,
          },
        });
        for (const item of items) {
          records.push(...recordsOfChunk(item).filter((record) => record.at >= from && record.at <= to));
        }
      }
      return records.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
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
