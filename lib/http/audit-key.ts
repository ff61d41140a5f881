import type { MiddlewareObj } from '@middy/core';
import { secretOf, secretParameter } from './secret-parameter.js';

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
  return secretParameter({
    contextKey: AUDIT_KEY_CONTEXT,
    what: 'AUDIT_HMAC_KEY',
    value: opts.key,
    parameter: opts.parameter,
    parse: (raw) => raw,
    ...(opts.ssmOptions ? { ssmOptions: opts.ssmOptions } : {}),
  });
}

/** The key the middleware put on the context; a route without the middleware is a programming error. */
export function auditKeyOf(context: unknown): string {
  return secretOf<string>(context, AUDIT_KEY_CONTEXT);
}
