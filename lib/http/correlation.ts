import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj, Request } from '@middy/core';

type EventWithRequestId = { requestContext?: { requestId?: string } } | undefined;

/**
 * Correlation ids for structured logs: every line the request logs carries the Lambda context
 * (`function_request_id`, `cold_start`) and `correlation_id`, the API Gateway request id (the id a caller
 * can quote from the `apigw-requestid` response header), else the Lambda request id for scheduled and
 * asynchronous invocations. Temporary keys are reset after each request.
 * Use it first: `middy().use(correlationIds({ logger })).use(telemetry(...))`; it never answers by itself.
 */
export function correlationIds(opts: { logger: Logger }): MiddlewareObj<EventWithRequestId> {
  const { logger } = opts;
  const inject = injectLambdaContext(logger, { resetKeys: true });

  const before = async (request: Request<EventWithRequestId>): Promise<void> => {
    await inject.before?.(request as Request);
    logger.setCorrelationId(request.event?.requestContext?.requestId ?? request.context.awsRequestId);
  };

  return {
    before,
    after: inject.after as MiddlewareObj<EventWithRequestId>['after'],
    onError: inject.onError as MiddlewareObj<EventWithRequestId>['onError'],
  };
}
