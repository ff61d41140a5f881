import type { Logger } from '@aws-lambda-powertools/logger';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/**
 * Starts another function asynchronously (InvocationType `Event`): Lambda queues the event and
 * answers 202 at once. A failed start is logged and reported as `false`, never thrown: callers have a
 * scheduled fallback (the deletion worker's sweep) that picks up whatever was not started.
 */
export interface AsyncInvoker {
  start(payload: Record<string, unknown>): Promise<boolean>;
}

export interface AsyncInvokerOptions {
  /** The deployed name, e.g. `${FUNCTION_NAME_PREFIX}deletionWorker`. */
  readonly functionName: string;
  readonly region: string;
  /** Locally the Lambda Invoke API of the local stack; in AWS unset. */
  readonly endpoint?: string | undefined;
  readonly logger?: Logger;
  /** Bounded so a caller answering an HTTP request is never held up long (default 1500 ms). */
  readonly timeoutMs?: number;
}

export function createLambdaClient(opts: Pick<AsyncInvokerOptions, 'region' | 'endpoint' | 'timeoutMs'>) {
  return new LambdaClient({
    region: opts.region,
    endpoint: opts.endpoint,
    maxAttempts: 2,
    requestHandler: { requestTimeout: opts.timeoutMs ?? 1500, connectionTimeout: 500 },
    ...(opts.endpoint ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}

/** Build once at module scope, like the DynamoDB client. */
export function createAsyncInvoker(
  opts: AsyncInvokerOptions,
  client = createLambdaClient(opts),
): AsyncInvoker {
  return {
    async start(payload) {
      try {
        const result = await client.send(
          new InvokeCommand({
            FunctionName: opts.functionName,
            InvocationType: 'Event',
            Payload: new TextEncoder().encode(JSON.stringify(payload)),
          }),
        );
        return result.StatusCode === 202;
      } catch (error) {
        opts.logger?.warn('asynchronous start failed; the scheduled run will pick the work up', {
          functionName: opts.functionName,
          errorName: error instanceof Error ? error.name : typeof error,
        });
        return false;
      }
    },
  };
}
