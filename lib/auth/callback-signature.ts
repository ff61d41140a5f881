import { createHash } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { isSdkAppId } from '../policy/identifiers.js';
import { epochSeconds } from '../policy/time.js';
import type { AppReader, AppRecord } from '../store/apps.js';
import { constantTimeEqual } from './constant-time.js';
import { setPrincipal } from './principal.js';
import { queryOf } from './request-parts.js';

/** Tencent's callback signature: lowercase hex SHA-256 of the app's callback token followed by RequestTime. */
export function callbackSign(token: string, requestTime: string): string {
  return createHash('sha256')
    .update(token + requestTime)
    .digest('hex');
}

/**
 * Authenticates an IM callback (query `SdkAppid`, `RequestTime`, `Sign`) and returns the app.
 * 401: a missing or wrong Sign, a RequestTime outside `maxSkewSeconds` of now, an unknown or purged
 * app, or an app without a callback token. 403: a correct Sign for an app that is not active
 * (terminated), whose callbacks are refused.
 */
export async function authenticateCallback(
  event: Pick<APIGatewayProxyEventV2, 'queryStringParameters'>,
  opts: { appStore: AppReader; maxSkewSeconds: number; now: Date },
): Promise<AppRecord> {
  const sdkAppId = queryOf(event, 'SdkAppid');
  const requestTime = queryOf(event, 'RequestTime');
  const sign = queryOf(event, 'Sign');
  if (sdkAppId === undefined) throw new UnauthorizedError('SdkAppid: required');
  // Refused before any lookup: an id that cannot be an SDKAppID is no registered app (and no key).
  if (!isSdkAppId(sdkAppId)) throw new UnauthorizedError('SdkAppid: not a registered app');
  if (requestTime === undefined) throw new UnauthorizedError('RequestTime: required');
  if (sign === undefined) throw new UnauthorizedError('Sign: required');
  if (!/^\d{1,12}$/.test(requestTime)) throw new UnauthorizedError('RequestTime: not unix seconds');
  const nowSeconds = epochSeconds(opts.now);
  if (Math.abs(nowSeconds - Number(requestTime)) > opts.maxSkewSeconds) {
    throw new UnauthorizedError(`RequestTime: more than ${opts.maxSkewSeconds} s from now`);
  }
  const app = await opts.appStore.get(sdkAppId, opts.now);
  const token = app?.config.callback?.token;
  if (!app || token === undefined) throw new UnauthorizedError('Sign: not valid for this SdkAppid');
  if (!constantTimeEqual(sign, callbackSign(token, requestTime))) {
    throw new UnauthorizedError('Sign: not valid for this SdkAppid');
  }
  if (app.status !== 'active') throw new ForbiddenError('SdkAppid: the app is terminated');
  return app;
}

/**
 * Middy middleware for `POST /im/callback`: sets `event.auth = { kind: 'imService', app }`.
 * Throws UnauthorizedError/ForbiddenError; the callback function renders them in Tencent's format.
 */
export function callbackAuth(opts: {
  appStore: AppReader;
  maxSkewSeconds: number;
  now?: () => Date;
}): MiddlewareObj {
  const now = opts.now ?? (() => new Date());
  const callbackAuthBefore: MiddlewareObj['before'] = async (request) => {
    const event = request.event as APIGatewayProxyEventV2;
    const app = await authenticateCallback(event, {
      appStore: opts.appStore,
      maxSkewSeconds: opts.maxSkewSeconds,
      now: now(),
    });
    setPrincipal(event, { kind: 'imService', app });
  };
  return { before: callbackAuthBefore };
}
