import type { Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AppRecord } from '../store/apps.js';

/** Who a request was authenticated as; `requireRole` and `callbackAuth` set `event.auth` to one of these. */
export type Principal =
  | { readonly kind: 'operator' }
  | { readonly kind: 'appAdmin'; readonly sdkAppId: string; readonly app: AppRecord }
  | { readonly kind: 'imService'; readonly app: AppRecord };

/** The operator check (lib/auth/operator.ts), as `authenticate` (lib/auth/authenticate.ts) takes it. */
export interface OperatorVerifier {
  /** Resolves when the request carries the operator's bearer token; throws UnauthorizedError otherwise. */
  verify(request: Request): Promise<void>;
}

export type AuthenticatedEvent<E = APIGatewayProxyEventV2> = E & { auth: Principal };

/** Sets the principal on the event a middleware authenticated. */
export function setPrincipal(event: unknown, principal: Principal): void {
  (event as { auth: Principal }).auth = principal;
}

/** The principal `requireRole` (or `callbackAuth`) set; a route without one is a programming error. */
export function principalOf(event: { auth?: Principal }): Principal {
  if (!event.auth) throw new Error('route has no auth middleware');
  return event.auth;
}
