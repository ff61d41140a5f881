import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { isAppError, loggedDetail } from '../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

export function problemResponse(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
) {
  const body: ProblemDetails = { type: 'about:blank', title, status, detail, ...extra };
  return {
    statusCode: status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(body),
  } satisfies APIGatewayProxyResultV2;
}

/**
 * RFC 9457 errors for the admin routes: client errors keep their detail; anything else (a StoreError,
 * a 5xx AppError, a bug) is a 500 with no internals. The error is logged by name and status only
 * (never its cause or input).
 */
export function problemJson(opts: { logger?: Logger } = {}): MiddlewareObj {
  const onError: MiddlewareObj['onError'] = async (request) => {
    const error = request.error;
    if (isAppError(error) && error.expose) {
      request.response = problemResponse(error.status, error.title, error.detail, error.extra);
      return;
    }
    opts.logger?.error('unhandled error', {
      errorName: error instanceof Error ? error.name : typeof error,
      errorMessage: loggedDetail(error),
    });
    request.response = problemResponse(500, 'Internal Server Error', 'the request could not be completed');
  };
  return { onError };
}
