import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { assertSameApp } from '../auth/app-admin.js';
import { type AdminKind, type AuthenticatorOptions, createAuthenticator } from '../auth/authenticate.js';
import { setPrincipal } from '../auth/principal.js';
import { ForbiddenError } from '../errors.js';
import { type RouteDoc, routeKey } from './routes.js';

/** What the admin routes of a function authenticate with (none when all its routes are public). */
export type RouteAuthOptions = AuthenticatorOptions;

const WRONG_ROLE: Record<AdminKind, string> = {
  operator: 'this route is for the app admin, not the operator',
  appAdmin: 'this route is for the operator, not an app admin',
};

/**
 * Lets in exactly the callers the route table names for `route` (its `actors`): nothing for a public
 * route; otherwise `authenticate`, then 403 for a caller of another role, and an app admin only on its
 * own app. Sets `event.auth`. A route the function cannot authenticate for fails at cold start.
 *
 * @example
 * middy().use(requireRole(routeByOperationId('getApp'), { appStore, operator })).handler(getApp);
 */
export function requireRole(route: RouteDoc, auth?: RouteAuthOptions): MiddlewareObj {
  if (route.actors.includes('public')) {
    const publicRouteBefore: MiddlewareObj['before'] = () => undefined;
    return { before: publicRouteBefore };
  }
  const accepts = adminKinds(route);
  if (auth === undefined) throw new Error(`${routeKey(route)}: needs authentication options`);
  if (accepts.includes('operator') && !auth.operator) {
    throw new Error(`${routeKey(route)}: an operator route needs the operator verifier`);
  }
  const authenticate = createAuthenticator(auth);
  const requireRoleBefore: MiddlewareObj['before'] = async (request) => {
    const event = request.event as APIGatewayProxyEventV2;
    const principal = await authenticate(request, accepts);
    if (!accepts.includes(principal.kind)) throw new ForbiddenError(WRONG_ROLE[principal.kind]);
    if (principal.kind === 'appAdmin') assertSameApp(event, principal.sdkAppId);
    setPrincipal(event, principal);
  };
  return { before: requireRoleBefore };
}

function adminKinds(route: RouteDoc): AdminKind[] {
  const kinds = route.actors.filter(
    (actor): actor is AdminKind => actor === 'operator' || actor === 'appAdmin',
  );
  if (kinds.length !== route.actors.length) {
    throw new Error(`${routeKey(route)}: an HTTP admin route names only operator and appAdmin`);
  }
  return kinds;
}
