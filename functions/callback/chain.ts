import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { callbackAuth } from '../../lib/auth/callback-signature.js';
import { correlationIds } from '../../lib/http/correlation.js';
import { domainErrors } from '../../lib/http/domain-errors.js';
import { type TelemetryRecorder, telemetry } from '../../lib/http/telemetry.js';
import { tencentAnswer } from '../../lib/http/tencent-answer.js';
import type { AppReader } from '../../lib/store/apps.js';
import { appStoreWithin } from './budget.js';
import { failureAnswer } from './failure-answer.js';
import { type CallbackMainOptions, createCallbackMain } from './main.js';

export interface CallbackHandlerOptions extends CallbackMainOptions {
  /** Only reads: the callback never writes, terminates or purges an app. */
  readonly appStore: AppReader;
  readonly maxSkewSeconds: number;
  readonly recorder?: TelemetryRecorder | undefined;
}

/**
 * The middy chain of `POST /im/callback`: telemetry first (P2/P3, sees the final answer), Tencent-format
 * errors (domain refusals mapped first), callback signature, then the command. handler.ts builds it once with module-scope clients;
 * tests build it with their own stores.
 */
export function createCallbackHandler(opts: CallbackHandlerOptions) {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>();
  if (opts.logger) handler.use(correlationIds({ logger: opts.logger }));
  if (opts.recorder) handler.use(telemetry({ recorder: opts.recorder, logger: opts.logger }));
  return handler
    .use(tencentAnswer({ logger: opts.logger, unexpected: failureAnswer }))
    .use(domainErrors())
    .use(
      callbackAuth({
        appStore: appStoreWithin(opts.appStore),
        maxSkewSeconds: opts.maxSkewSeconds,
        now: opts.now,
      }),
    )
    .handler(createCallbackMain(opts));
}
