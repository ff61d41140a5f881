import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isAppError } from '../errors.js';
import { createLogger } from '../log.js';
import { classifyResponse } from '../policy/monitoring.js';
import type { TelemetryRecorder } from './telemetry-recorder.js';

// The recorder lives in telemetry-recorder.ts; re-exported so `lib/http/telemetry.js` stays the one import.
export {
  createTelemetryRecorder,
  type FlushReport,
  flushAllTelemetry,
  type TelemetryRecorder,
  type TelemetryRecorderOptions,
} from './telemetry-recorder.js';

/**
 * P2/P3 recording for every HTTP function: `middy().use(telemetry({ recorder }))` FIRST, so its `after`
 * and `onError` run last and see the final response (middy 7 runs every `onError` in reverse order of
 * `use`, and setting `request.response` does not stop the chain; only a returned value would).
 *
 * It records the API name, time, caller IP, outcome, latency and, for failures, the error's name and
 * client-facing detail: never a body, query string, header or credential. It never fails a request.
 * Middlewares used after it must throw rather than return early responses from `before`/`after`,
 * or middy skips this one.
 */
export interface TelemetryOptions {
  readonly recorder: TelemetryRecorder;
  /** Overrides the API name (default: the route key, or `im.callback:<CallbackCommand>`). */
  readonly api?: string;
  readonly logger?: Logger;
}

const STARTED_AT = 'telemetryStartedAt';
const CALLBACK_PREFIX = 'im.callback:';
const SAFE_TOKEN = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_ERROR_MESSAGE = 200;

type TelemetryEvent = APIGatewayProxyEventV2 & { auth?: unknown };
type TelemetryRequest = Request<unknown, unknown, unknown>;

export function telemetry(opts: TelemetryOptions): MiddlewareObj {
  const { recorder } = opts;
  const logger = opts.logger ?? createLogger('telemetry');

  const before = (request: TelemetryRequest): void => {
    (request.internal as Record<string, unknown>)[STARTED_AT] = recorder.now();
  };

  const finish = async (request: TelemetryRequest, failed: boolean): Promise<void> => {
    try {
      const endedAt = recorder.now();
      const startedAt = (request.internal as Record<string, unknown>)[STARTED_AT];
      const at = startedAt instanceof Date ? startedAt : endedAt;
      // A thrown error is a failure even when answered "OK" (a before-send callback fails open).
      const answered = request.response === undefined ? undefined : classifyResponse(request.response);
      const outcome = failed
        ? { ...(answered ?? { status: 500 }), success: false }
        : (answered ?? classifyResponse(undefined));
      const event = (request.event ?? {}) as TelemetryEvent;
      const cause = outcome.success ? {} : describeCause(request.error);
      recorder.record({
        requestId: requestIdOf(request),
        api: apiName(event, opts.api),
        app: appOf(event),
        at,
        callerIp: callerIpOf(event),
        status: outcome.status,
        success: outcome.success,
        latencyMs: Math.max(0, endedAt.getTime() - at.getTime()),
        errorCode: 'errorCode' in outcome ? outcome.errorCode : undefined,
        ...cause,
      });
      await waitAtMost(recorder.flushIfDue(), recorder.flushWaitMs);
    } catch (error) {
      logger.warn('telemetry not recorded', {
        errorName: error instanceof Error ? error.name : typeof error,
      });
    }
  };

  return {
    before,
    after: (request) => finish(request, false),
    onError: (request) => finish(request, true),
  };
}

function isCallback(event: TelemetryEvent): boolean {
  return typeof event.routeKey === 'string' && event.routeKey.endsWith('/im/callback');
}

/** `im.callback:<CallbackCommand>` for callbacks, else the route key (a template, never the raw path). */
export function apiName(event: TelemetryEvent, override?: string): string {
  const command = event.queryStringParameters?.CallbackCommand;
  if (isCallback(event) && command !== undefined) {
    return `${CALLBACK_PREFIX}${SAFE_TOKEN.test(command) ? command : 'invalid'}`;
  }
  if (override) return override;
  return event.routeKey && event.routeKey !== '$default' ? event.routeKey : 'unknown';
}

/** The authenticated app, else the one the request names (path `sdkAppId`, callback `SdkAppid`). */
export function appOf(event: TelemetryEvent): string | undefined {
  const auth = event.auth as { kind?: string; sdkAppId?: string; app?: { sdkAppId?: string } } | undefined;
  const authenticated = auth?.kind === 'appAdmin' ? auth.sdkAppId : auth?.app?.sdkAppId;
  const claimed =
    event.pathParameters?.sdkAppId ?? (isCallback(event) ? event.queryStringParameters?.SdkAppid : undefined);
  const app = authenticated ?? claimed;
  return app !== undefined && SAFE_TOKEN.test(app) ? app : undefined;
}

/**
 * P2's "public egress IP of the caller": the address the request itself came from (for a callback, the
 * IM service's). Never a callback's `ClientIP`, which is the end user's address: personal data no policy
 * clause covers, so it is never stored (docs/tencent-im.md).
 */
export function callerIpOf(event: TelemetryEvent): string | undefined {
  const sourceIp = event.requestContext?.http?.sourceIp;
  return sourceIp && isIP(sourceIp) ? sourceIp : undefined;
}

function requestIdOf(request: TelemetryRequest): string {
  const event = request.event as Partial<TelemetryEvent> | undefined;
  const id = event?.requestContext?.requestId ?? request.context?.awsRequestId;
  return id && SAFE_TOKEN.test(id) ? id : randomBytes(8).toString('hex');
}

/**
 * The cause P2 keeps: the error's name, and the detail only of errors meant for clients (which the
 * caller was shown anyway). A hidden error (500) keeps its name alone: its message may hold internals.
 */
export function describeCause(error: unknown): { errorName?: string; errorMessage?: string } {
  if (error === undefined || error === null) return {};
  const name = error instanceof Error && SAFE_TOKEN.test(error.name) ? error.name : 'Error';
  if (isAppError(error) && error.expose) {
    return { errorName: name, errorMessage: error.detail.slice(0, MAX_ERROR_MESSAGE) };
  }
  return { errorName: name };
}

async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  if (ms <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([settled, timeout]);
  clearTimeout(timer);
}
