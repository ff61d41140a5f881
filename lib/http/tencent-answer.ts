import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isAppError, loggedDetail } from '../errors.js';
import { json } from './response.js';

/**
 * Tencent IM callback answers: `{"ActionStatus","ErrorCode","ErrorInfo"}` (docs/tencent-im.md
 * "Answers"), plus the replacement `MsgBody`/`CloudCustomData` a before-send callback may return.
 */
export interface TencentAnswer {
  readonly ActionStatus: 'OK' | 'FAIL';
  readonly ErrorCode: number;
  readonly ErrorInfo: string;
  readonly MsgBody?: unknown;
  readonly CloudCustomData?: string;
}

export type TencentResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export function tencentResponse(statusCode: number, answer: TencentAnswer): TencentResponse {
  return json(statusCode, answer) as TencentResponse;
}

/** HTTP 200, OK, ErrorCode 0: handled (or ignored); `extra` carries a before-send replacement. */
export function tencentOk(extra: Pick<TencentAnswer, 'MsgBody' | 'CloudCustomData'> = {}): TencentResponse {
  return tencentResponse(200, { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', ...extra });
}

/** HTTP 200, OK, a non-zero ErrorCode: the callback worked and its answer is "no" (e.g. a refused message). */
export function tencentRefusal(errorCode: number, errorInfo: string): TencentResponse {
  return tencentResponse(200, { ActionStatus: 'OK', ErrorCode: errorCode, ErrorInfo: errorInfo });
}

/** Tencent's "callback error" code, answered when processing failed for a reason not the caller's. */
export const CALLBACK_ERROR_CODE = 1;

/** What the callback answers when something unexpected failed: 200, FAIL, ErrorCode 1, no internals. */
export function callbackErrorResponse(): TencentResponse {
  return tencentResponse(200, {
    ActionStatus: 'FAIL',
    ErrorCode: CALLBACK_ERROR_CODE,
    ErrorInfo: 'the callback could not be processed',
  });
}

export interface TencentAnswerOptions {
  readonly logger?: Logger;
  /**
   * The answer when an error not meant for the caller (a store failure, a timeout, a bug) ends the
   * request; it may depend on the command (a before-send callback fails open). Default: callbackErrorResponse.
   */
  readonly unexpected?: (event: APIGatewayProxyEventV2 & { auth?: unknown }) => TencentResponse;
}

/**
 * Middy middleware rendering errors in Tencent's format: a client error (AppError 4xx: 400, 401, 403,
 * 413) keeps its HTTP status and answers FAIL with ErrorCode = that status and its detail; anything
 * else is answered by `unexpected` and logged by name only. The error stays on the request for the
 * telemetry middleware; this one never returns a value, so later onError middlewares still run.
 */
export function tencentAnswer(opts: TencentAnswerOptions = {}): MiddlewareObj {
  const unexpected = opts.unexpected ?? callbackErrorResponse;
  const tencentAnswerOnError: MiddlewareObj['onError'] = async (request) => {
    const error = request.error;
    if (isAppError(error) && error.expose && error.status >= 400 && error.status < 500) {
      request.response = tencentResponse(error.status, {
        ActionStatus: 'FAIL',
        ErrorCode: error.status,
        ErrorInfo: error.detail,
      });
      return;
    }
    opts.logger?.error('callback failed', {
      errorName: error instanceof Error ? error.name : typeof error,
      errorMessage: loggedDetail(error),
    });
    try {
      request.response = unexpected(request.event as APIGatewayProxyEventV2);
    } catch {
      request.response = callbackErrorResponse();
    }
  };
  return { onError: tencentAnswerOnError };
}
