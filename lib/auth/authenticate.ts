import type { Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AppReader } from '../store/apps.js';
import { authenticateAppAdmin } from './app-admin.js';
import type { OperatorVerifier, Principal } from './principal.js';
import { headerOf, queryOf } from './request-parts.js';

/** The callers an HTTP admin route can name (the IM service has its own edge: callback-signature.ts). */
export type AdminKind = 'operator' | 'appAdmin';

/** What `authenticate` needs, built once per cold start by the function. */
export interface AuthenticatorOptions {
  readonly appStore: AppReader;
  /** Absent in a function that may not read the operator token: an `Authorization` header is then no credential. */
  readonly operator?: OperatorVerifier | undefined;
  readonly now?: () => Date;
}

/** The principal of an admin route's caller. */
export type AdminPrincipal = Extract<Principal, { kind: AdminKind }>;

/** Checks the credentials a request presents and says who it is; the route decides whether that may call it. */
export type Authenticate = (request: Request, accepts: readonly AdminKind[]) => Promise<AdminPrincipal>;

/**
 * One authentication for every admin route: the operator's bearer token or an app admin's UserSig
 * (lib/auth/app-admin.ts). When a request presents both, the one of a kind the route `accepts` is
 * checked; when it presents neither, the 401 is the one of the app admin's path if the route accepts
 * app admins, else the operator's. Throws UnauthorizedError (bad or missing credentials) or
 * ForbiddenError (a valid UserSig of an account that is not the app's admin).
 */
export function createAuthenticator(opts: AuthenticatorOptions): Authenticate {
  const now = opts.now ?? (() => new Date());
  return async function authenticate(request, accepts) {
    const event = request.event as APIGatewayProxyEventV2;
    const presented = presentedKinds(event, opts.operator !== undefined);
    const kind =
      presented.find((candidate) => accepts.includes(candidate)) ??
      presented[0] ??
      (accepts.includes('appAdmin') || !opts.operator ? 'appAdmin' : 'operator');
    if (kind === 'operator' && opts.operator) {
      await opts.operator.verify(request);
      return { kind: 'operator' };
    }
    const { sdkAppId, app } = await authenticateAppAdmin(event, opts.appStore, now());
    return { kind: 'appAdmin', sdkAppId, app };
  };
}

/** The kinds of credentials a request carries, the operator's first. */
function presentedKinds(event: APIGatewayProxyEventV2, operatorKnown: boolean): AdminKind[] {
  const kinds: AdminKind[] = [];
  if (operatorKnown && headerOf(event, 'authorization') !== undefined) kinds.push('operator');
  if (queryOf(event, 'usersig') !== undefined) kinds.push('appAdmin');
  return kinds;
}
