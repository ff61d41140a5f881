import type { MiddlewareObj, Request } from '@middy/core';
import ssm from '@middy/ssm';
import { ConfigurationError } from '../config.js';
import { StoreError } from '../errors.js';

/**
 * The deployment's AUDIT_HMAC_KEY (lib/policy/pseudonym.ts) for the handler: from env locally, from the
 * SSM SecureString named by AUDIT_HMAC_KEY_PARAMETER in AWS (read once per cold start by @middy/ssm).
 * The handler reads it with `auditKeyOf(context)`.
 */
export const AUDIT_KEY_CONTEXT = 'auditHmacKey';

export function auditHmacKey(opts: {
  key?: string | undefined;
  parameter?: string | undefined;
  ssmOptions?: Record<string, unknown>;
}): MiddlewareObj {
  if (opts.key) {
    const key = opts.key;
    return {
      before: (request: Request) => {
        (request.context as unknown as Record<string, unknown>)[AUDIT_KEY_CONTEXT] = key;
      },
    };
  }
  if (!opts.parameter) throw new ConfigurationError('needs AUDIT_HMAC_KEY or AUDIT_HMAC_KEY_PARAMETER');
  const fetcher = ssm({
    fetchData: { [AUDIT_KEY_CONTEXT]: opts.parameter },
    setToContext: true,
    cacheKey: `audit-hmac-key:${opts.parameter}`,
    cacheExpiry: -1,
    ...opts.ssmOptions,
  });
  return {
    before: async (request: Request) => {
      try {
        await fetcher.before?.(request as never);
      } catch (cause) {
        // Never the value: only that it could not be read.
        throw new StoreError('audit key parameter could not be read', { cause });
      }
    },
  };
}

/** The key the middleware put on the context; a route without the middleware is a programming error. */
export function auditKeyOf(context: unknown): string {
  const key = (context as Record<string, unknown>)[AUDIT_KEY_CONTEXT];
  if (typeof key !== 'string' || key === '') throw new Error('route has no audit key middleware');
  return key;
}
