import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AppReader } from '../store/apps.js';
import { assertSameApp, authenticateAppAdmin } from './app-admin.js';
import { createOperatorVerifier, hasOperatorCredentials } from './operator.js';
import { type OperatorVerifier, setPrincipal } from './principal.js';

/**
 * Routes open to the operator and to the app's own admin: an `Authorization` header means the
 * operator path, anything else the app-admin (UserSig) path.
 */
export function operatorOrAppAdminAuth(opts: {
  appStore: AppReader;
  operator?: OperatorVerifier;
  now?: () => Date;
}): MiddlewareObj {
  const operator = opts.operator ?? createOperatorVerifier();
  const now = opts.now ?? (() => new Date());
  const operatorOrAppAdminAuthBefore: MiddlewareObj['before'] = async (request) => {
    const event = request.event as APIGatewayProxyEventV2;
    if (hasOperatorCredentials(event)) {
      await operator.verify(request);
      setPrincipal(event, { kind: 'operator' });
      return;
    }
    const { sdkAppId, app } = await authenticateAppAdmin(event, opts.appStore, now());
    assertSameApp(event, sdkAppId);
    setPrincipal(event, { kind: 'appAdmin', sdkAppId, app });
  };
  return { before: operatorOrAppAdminAuthBefore };
}
