import { callbackQuery } from '../tencent-client.js';

/** Counters every HTTP call of the soak feeds: latencies (ms, per attempt) and answers by kind. */
export class Stats {
  readonly callbackLatencies: number[] = [];
  callbacks = 0;
  callbackAttempts = 0;
  /** HTTP 5xx from any route (the stack itself failed to answer properly). */
  serverErrors = 0;
  readonly serverErrorsByRoute = new Map<string, number>();
  /** 200 FAIL ErrorCode 1: Tencent's "callback error", retried like Tencent does. */
  callbackFailures = 0;
  /** 4xx on a well-formed, correctly signed callback: a refusal the soak did not expect. */
  unexpectedClientErrors = 0;
  networkErrors = 0;
  /** The local Lambda runtime timed out the handler (3 s): the handler-timeout fault, retried. */
  lambdaTimeouts = 0;
  /** Callbacks never acknowledged OK within the attempt limit. */
  unacknowledged = 0;
  /** After-sends of a message already recalled, replayed as Tencent may retry them: each must store nothing. */
  recalledReplays = 0;
  readonly failureReasons = new Map<string, number>();

  serverError(route: string) {
    this.serverErrors += 1;
    this.serverErrorsByRoute.set(route, (this.serverErrorsByRoute.get(route) ?? 0) + 1);
  }
}

export interface App {
  readonly sdkAppId: string;
  readonly secretKey: string;
  readonly token: string;
  readonly adminAccount: string;
}

export interface CallbackOutcome {
  readonly ok: boolean;
  readonly answer?: { ActionStatus: string; ErrorCode: number; ErrorInfo: string };
  readonly attempts: number;
  readonly ackedAt?: number;
}

interface RawAnswer {
  ActionStatus?: string;
  ErrorCode?: number;
  ErrorInfo?: string;
  errorType?: string;
}

function parseAnswer(text: string): RawAnswer {
  try {
    return JSON.parse(text) as RawAnswer;
  } catch {
    return { errorType: 'unparseable answer' };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends one callback as Tencent IM would: signed afresh per attempt; a FAIL with ErrorCode 1, a 5xx or
 * a broken connection is retried with backoff (Tencent retries failed callbacks), up to `maxAttempts`.
 */
export async function sendCallback(
  httpUrl: string,
  stats: Stats,
  app: App,
  command: string,
  body: unknown,
  opts: { maxAttempts?: number; onAttempt?: (at: number) => void } = {},
): Promise<CallbackOutcome> {
  const maxAttempts = opts.maxAttempts ?? 12;
  stats.callbacks += 1;
  const payload = JSON.stringify(body);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const started = Date.now();
    opts.onAttempt?.(started);
    stats.callbackAttempts += 1;
    const query = callbackQuery(app.sdkAppId, app.token, command, Math.floor(started / 1000));
    try {
      const response = await fetch(`${httpUrl}/im/callback?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: payload,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      stats.callbackLatencies.push(Date.now() - started);
      const answer = parseAnswer(text);
      if (response.status >= 500) {
        stats.serverError('POST /im/callback');
      } else if (answer.errorType !== undefined) {
        // serverless-offline answers a Lambda that failed or timed out with 200 and the Lambda error;
        // API Gateway would answer 502/504. A timeout is the handler-timeout fault; anything else a server error.
        if (answer.errorType === 'LambdaTimeoutError') stats.lambdaTimeouts += 1;
        else stats.serverError(`POST /im/callback (${answer.errorType})`);
      } else if (response.status === 200 && answer.ActionStatus === 'OK') {
        return {
          ok: true,
          answer: answer as CallbackOutcome['answer'],
          attempts: attempt,
          ackedAt: Date.now(),
        };
      } else if (response.status >= 400) {
        stats.unexpectedClientErrors += 1;
        return { ok: false, answer: answer as CallbackOutcome['answer'], attempts: attempt };
      } else {
        stats.callbackFailures += 1;
        const reason = `${response.status} ${answer.ErrorCode} ${answer.ErrorInfo}`;
        stats.failureReasons.set(reason, (stats.failureReasons.get(reason) ?? 0) + 1);
      }
    } catch (error) {
      stats.networkErrors += 1;
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      stats.failureReasons.set(`network ${cause}`, (stats.failureReasons.get(`network ${cause}`) ?? 0) + 1);
    }
    await sleep(Math.min(2000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random()));
  }
  stats.unacknowledged += 1;
  return { ok: false, attempts: maxAttempts };
}

export interface AdminAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * An admin call with a client's retry policy: a 5xx or a broken connection is retried (the same
 * Idempotency-Key makes a retried POST safe); anything else is the answer.
 */
export async function adminCall(
  stats: Stats,
  url: () => string,
  init: { method: string; headers?: Record<string, string>; body?: unknown },
  route: string,
  maxAttempts = 15,
): Promise<AdminAnswer> {
  let last: AdminAnswer = { status: 0, body: {} };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const response = await fetch(url(), {
        method: init.method,
        headers: { 'content-type': 'application/json', ...init.headers },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      last = { status: response.status, body: text ? (parseAnswer(text) as Record<string, unknown>) : {} };
      const errorType = last.body.errorType;
      if (response.status < 500 && errorType === undefined) return last;
      if (errorType === 'LambdaTimeoutError') stats.lambdaTimeouts += 1;
      else stats.serverError(errorType === undefined ? route : `${route} (${String(errorType)})`);
    } catch {
      stats.networkErrors += 1;
    }
    await sleep(Math.min(3000, 200 * 2 ** (attempt - 1)));
  }
  return last;
}
