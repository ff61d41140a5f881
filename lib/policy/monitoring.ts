import { CATEGORIES } from './categories.js';
import { addDays } from './time.js';

/**
 * P2/P3 arithmetic, pure: which minute a request belongs to, whether an answer counts as a failure,
 * and the success rate and average latency GET /apps/{sdkAppId}/metrics reports.
 */

/** A minute as stored in sort keys: `YYYY-MM-DDTHH:MM` (UTC), which sorts in time order. */
export type MinuteKey = string;

export function minuteKey(at: Date): MinuteKey {
  return at.toISOString().slice(0, 16);
}

/** The ISO-8601 instant a minute starts, as the metrics route reports it. */
export function minuteIso(minute: MinuteKey): string {
  return `${minute}:00.000Z`;
}

export function minuteStart(minute: MinuteKey): Date {
  return new Date(minuteIso(minute));
}

/** What one container counted for one app and minute. */
export interface MinuteCounters {
  readonly requests: number;
  readonly failures: number;
  readonly latencyMsTotal: number;
}

export const EMPTY_COUNTERS: MinuteCounters = { requests: 0, failures: 0, latencyMsTotal: 0 };

export function addCounters(a: MinuteCounters, b: MinuteCounters): MinuteCounters {
  return {
    requests: a.requests + b.requests,
    failures: a.failures + b.failures,
    latencyMsTotal: a.latencyMsTotal + b.latencyMsTotal,
  };
}

/** One point of the P3 series, exactly as docs/api.md's metrics route shapes it. */
export interface MetricsPoint {
  readonly minute: string;
  readonly requests: number;
  readonly successRate: number;
  readonly avgLatencyMs: number;
}

export function toMetricsPoint(minute: MinuteKey, counters: MinuteCounters): MetricsPoint {
  const { requests, failures, latencyMsTotal } = counters;
  return {
    minute: minuteIso(minute),
    requests,
    successRate: requests === 0 ? 1 : (requests - failures) / requests,
    avgLatencyMs: requests === 0 ? 0 : Math.round((latencyMsTotal / requests) * 100) / 100,
  };
}

/** The oldest instant monitoring data may describe at `now` (P3: 2 days). */
export function monitoringHorizon(now: Date): Date {
  const retention = CATEGORIES.monitoring.retention;
  if (retention.kind !== 'days') throw new Error('monitoring retention must be in days');
  return addDays(now, -retention.days);
}

/**
 * The minutes a metrics query covers: `from`/`to` as asked, clamped to the last 2 days and to now.
 * `undefined` when nothing of the asked range is still kept.
 */
export function metricsWindow(
  now: Date,
  asked: { from?: Date | undefined; to?: Date | undefined } = {},
): { fromMinute: MinuteKey; toMinute: MinuteKey } | undefined {
  const horizon = monitoringHorizon(now);
  const from = asked.from && asked.from > horizon ? asked.from : horizon;
  const to = asked.to && asked.to < now ? asked.to : now;
  if (from > to) return undefined;
  return { fromMinute: minuteKey(from), toMinute: minuteKey(to) };
}

/** How a finished request went, as P2 records it and P3 counts it. */
export interface ResponseOutcome {
  readonly status: number;
  readonly success: boolean;
  /** Tencent callback answers: the `ErrorCode` of an `ActionStatus: FAIL` answer. */
  readonly errorCode?: number;
}

/**
 * HTTP status >= 400 is a failure. A Tencent callback answer is a failure when its `ActionStatus` is
 * `FAIL`; a non-zero `ErrorCode` with `OK` (e.g. the D5 guard rejecting a message) is the callback
 * working as asked, so a success.
 */
export function classifyResponse(response: unknown): ResponseOutcome {
  const structured = isStructuredResponse(response);
  const status = structured ? response.statusCode : 200;
  const answer = tencentAnswer(structured ? response.body : response);
  if (status >= 400) return withErrorCode({ status, success: false }, answer);
  if (answer?.ActionStatus === 'FAIL') return withErrorCode({ status, success: false }, answer);
  return { status, success: true };
}

interface TencentAnswer {
  ActionStatus?: unknown;
  ErrorCode?: unknown;
}

function withErrorCode(outcome: ResponseOutcome, answer: TencentAnswer | undefined): ResponseOutcome {
  return typeof answer?.ErrorCode === 'number' && answer.ErrorCode !== 0
    ? { ...outcome, errorCode: answer.ErrorCode }
    : outcome;
}

function isStructuredResponse(response: unknown): response is { statusCode: number; body?: unknown } {
  return (
    typeof response === 'object' &&
    response !== null &&
    typeof (response as { statusCode?: unknown }).statusCode === 'number'
  );
}

/** Reads only `ActionStatus`/`ErrorCode` of a callback answer; any other body yields undefined. */
function tencentAnswer(body: unknown): TencentAnswer | undefined {
  if (typeof body === 'object' && body !== null && 'ActionStatus' in body) return body as TencentAnswer;
  if (typeof body !== 'string' || !body.includes('"ActionStatus"') || body.length > 65_536) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as TencentAnswer) : undefined;
  } catch {
    return undefined;
  }
}
