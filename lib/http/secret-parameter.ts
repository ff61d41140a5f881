import type { MiddlewareObj, Request } from '@middy/core';
import ssm from '@middy/ssm';

import { ConfigurationError, StoreError } from '../errors.js';

/**
 * A deployment secret for the handler, under `request.context[contextKey]`: the value itself locally
 * (from the environment), or the SSM SecureString named by `parameter` in AWS, read once per cold start
 * by @middy/ssm. A read failure says which secret could not be read, never its value. `parse` turns the
 * raw string into what the handler uses (checked once, at the first request).
 */
export function secretParameter<T>(opts: {
  contextKey: string;
  what: string;
  value?: string | undefined;
  parameter?: string | undefined;
  parse: (raw: string) => T;
  ssmOptions?: Record<string, unknown>;
}): MiddlewareObj {
  if (opts.value) {
    const parsed = opts.parse(opts.value);
    return {
      before: (request: Request) => {
        (request.context as unknown as Record<string, unknown>)[opts.contextKey] = parsed;
      },
    };
  }
  if (!opts.parameter) throw new ConfigurationError(`needs ${opts.what} or ${opts.what}_PARAMETER`);
  const rawKey = `${opts.contextKey}Raw`;
  const fetcher = ssm({
    fetchData: { [rawKey]: opts.parameter },
    setToContext: true,
    cacheKey: `${opts.contextKey}:${opts.parameter}`,
    cacheExpiry: -1,
    ...opts.ssmOptions,
  });
  let parsed: T | undefined;
  return {
    before: async (request: Request) => {
      try {
        await fetcher.before?.(request as never);
        const context = request.context as unknown as Record<string, unknown>;
        // Parsed once per container (the value is cached for the container's life too); the raw
        // string does not stay on the context.
        parsed ??= opts.parse(String(context[rawKey]));
        delete context[rawKey];
        context[opts.contextKey] = parsed;
      } catch (cause) {
        // Never the value: only that it could not be read.
        throw new StoreError(`${opts.what} parameter could not be read`, { cause });
      }
    },
  };
}

/** What `secretParameter` put on the context; a route without the middleware is a programming error. */
export function secretOf<T>(context: unknown, contextKey: string): T {
  const value = (context as Record<string, unknown>)[contextKey];
  if (value === undefined || value === '') throw new Error(`route has no ${contextKey} middleware`);
  return value as T;
}
