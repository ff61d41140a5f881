import { fixedExpiry } from '../policy/retention.js';
import { expirySeconds } from '../policy/time.js';
import { expiringAttributes, KEY_SEPARATOR, keyPart } from './keys.js';

/**
 * P2 log records as stored: the records one flush of a container holds for one app and one hour are
 * written as ONE item (a chunk), not one item each. A flush of 20 callbacks is then one or two small
 * items instead of 20 (DynamoDB bills writes per KB of item, and DynamoDB Local pays per item), which is
 * what keeps telemetry from doubling the write work of every stored message.
 *
 * Chunk: pk `log#<app>#<hour>`, sk `<ISO time of its first record>#<that record's requestId>` (so a
 * rewritten chunk lands on itself), `records` (the whitelisted fields of each request), `recordCount`.
 * A chunk expires 7 days after its EARLIEST record: no record outlives P2's 7 days, later records of
 * the same chunk go at most one flush interval (seconds) early.
 */
export const NO_APP = '-';
/** At most this many records in one item (~300 bytes each: far below DynamoDB's 400 KB item limit). */
export const MAX_RECORDS_PER_CHUNK = 100;

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

/** A stored P2 log record as read back; `expiresAt` is its chunk's (when it is deleted). */
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

export type TelemetryItem = Record<string, unknown> & { pk: string; sk: string };

/** A chunk item and the records it holds (so a write that failed can put them back in the queue). */
export interface LogChunk {
  readonly item: TelemetryItem;
  readonly records: readonly RequestRecord[];
}

/** `YYYY-MM-DDTHH` of an instant (UTC). */
export const hourOf = (at: Date) => at.toISOString().slice(0, 13);

/**
 * P2 records of one app and one hour share a partition (sorted by time): an app's records of a day are
 * 24 Queries, its records of P2's 7 days 169, whatever the traffic.
 */
export function logPartition(app: string | undefined, hour: string): string {
  return ['log', app === undefined ? NO_APP : keyPart(app), hour].join(KEY_SEPARATOR);
}

const byTime = (a: RequestRecord, b: RequestRecord) =>
  a.at.getTime() - b.at.getTime() || (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0);

/** Groups `records` by app and hour into chunks of at most `MAX_RECORDS_PER_CHUNK`, oldest first. */
export function logChunks(records: readonly RequestRecord[]): LogChunk[] {
  const groups = new Map<string, RequestRecord[]>();
  for (const record of records) {
    const pk = logPartition(record.app, hourOf(record.at));
    const group = groups.get(pk);
    if (group === undefined) groups.set(pk, [record]);
    else group.push(record);
  }
  const chunks: LogChunk[] = [];
  for (const [pk, group] of groups) {
    const sorted = [...group].sort(byTime);
    for (let i = 0; i < sorted.length; i += MAX_RECORDS_PER_CHUNK) {
      chunks.push(chunkOf(pk, sorted.slice(i, i + MAX_RECORDS_PER_CHUNK)));
    }
  }
  return chunks;
}

function chunkOf(pk: string, records: RequestRecord[]): LogChunk {
  const first = records[0] as RequestRecord;
  const sk = [first.at.toISOString(), first.requestId].join(KEY_SEPARATOR);
  const expiresAt = expirySeconds(fixedExpiry('log', first.at));
  const item: TelemetryItem = {
    pk,
    sk,
    ...expiringAttributes('log', first.app ?? NO_APP, expiresAt, `${pk}${KEY_SEPARATOR}${sk}`),
    recordCount: records.length,
    records: records.map(storedRecord),
  };
  return { item, records };
}

function storedRecord(record: RequestRecord): Record<string, unknown> {
  return {
    requestId: record.requestId,
    api: record.api,
    at: record.at.toISOString(),
    callerIp: record.callerIp,
    status: record.status,
    outcome: record.success ? 'success' : 'failure',
    latencyMs: record.latencyMs,
    errorName: record.errorName,
    errorMessage: record.errorMessage,
    errorCode: record.errorCode,
  };
}

/** The records of a chunk item as read back, each with the chunk's app and expiry. */
export function recordsOfChunk(item: Record<string, unknown>): LogRecord[] {
  const records = Array.isArray(item.records) ? (item.records as Record<string, unknown>[]) : [];
  return records.map(
    (record) =>
      ({ ...record, app: String(item.app), expiresAt: Number(item.expiresAt) }) as unknown as LogRecord,
  );
}
