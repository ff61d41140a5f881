import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { correlationIds } from './correlation.js';
import { domainErrors } from './domain-errors.js';
import { problemJson } from './problem.js';
import { type TelemetryRecorder, telemetry } from './telemetry.js';

export interface HttpHandlerOptions {
  readonly logger: Logger;
  readonly recorder: TelemetryRecorder;
}

/**
 * The middlewares every HTTP function starts with, in this order: correlation ids on every log line,
 * P2/P3 telemetry (first, so it sees the final answer), problem+json errors and the mapping of domain
 * refusals to client errors (lib/http/domain-errors.ts). The function adds only
 * its authentication, body validation and business logic. A route of the table: `httpOperation` or
 * `httpRouter` (http-router.ts), which add the route's `requireRole`.
 * The type parameters are middy's own (`httpHandler<Event, Result>()` types like `middy<Event, Result>()`).
 *
 * @example
 * export const handler = httpHandler({ logger, recorder })
 *   .use(requireRole(routeByOperationId('getConformance'), { appStore, operator }))
 *   .handler(async () => json(200, body));
 */
export function httpHandler<
  TEvent = unknown,
  // biome-ignore lint/suspicious/noExplicitAny: the same default as middy(), so httpHandler() types as middy() did
  TResult = any,
  TContext extends Context = Context,
>(opts: HttpHandlerOptions) {
  const { logger, recorder } = opts;
  return middy<TEvent, TResult, Error, TContext>()
    .use(correlationIds({ logger }))
    .use(telemetry({ recorder, logger }))
    .use(problemJson({ logger }))
    .use(domainErrors());
}
