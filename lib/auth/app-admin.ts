import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { isSdkAppId } from '../policy/identifiers.js';
import type { AppReader, AppRecord } from '../store/apps.js';
import { pathParameterOf, queryOf } from './request-parts.js';
import { verifyUserSig } from './usersig.js';

/**
 * Checks the UserSig in the query against the secret key of the app it names.
 * 401: missing, malformed, forged, expired, or for an unknown app (all "bad credentials").
 * 403: a valid UserSig whose identifier is not the app's admin account (valid credentials, wrong role).
 */
export async function authenticateAppAdmin(
  event: APIGatewayProxyEventV2,
  appStore: AppReader,
  now: Date,
): Promise<{ sdkAppId: string; app: AppRecord }> {
  const sdkAppId = queryOf(event, 'sdkappid');
  const identifier = queryOf(event, 'identifier');
  const userSig = queryOf(event, 'usersig');
  const random = queryOf(event, 'random');
  if (sdkAppId === undefined) throw new UnauthorizedError('sdkappid: required');
  if (!isSdkAppId(sdkAppId)) throw new UnauthorizedError('sdkappid: not a registered app');
  if (identifier === undefined) throw new UnauthorizedError('identifier: required');
  if (userSig === undefined) throw new UnauthorizedError('usersig: required');
  if (random !== undefined && !/^\d{1,10}$/.test(random)) {
    throw new UnauthorizedError('random: must be an unsigned 32-bit integer');
  }
  // Unknown app and wrong key answer alike, so the answer does not reveal which apps exist.
  const app = await appStore.get(sdkAppId, now);
  if (!app) throw new UnauthorizedError('usersig: not valid for this sdkappid and identifier');
  const result = verifyUserSig({ userSig, secretKey: app.config.secretKey, sdkAppId, identifier, now });
  if (!result.valid) {
    switch (result.reason) {
      case 'malformed':
        throw new UnauthorizedError('usersig: malformed');
      case 'expired':
        throw new UnauthorizedError('usersig: expired');
      case 'notYetValid':
        throw new UnauthorizedError('usersig: issued in the future');
      default:
        throw new UnauthorizedError('usersig: not valid for this sdkappid and identifier');
    }
  }
  if (identifier !== app.config.adminAccount) {
    throw new ForbiddenError('identifier: not the administrator account of this app');
  }
  return { sdkAppId, app };
}

/** An app admin reaches only its own app: the path's `sdkAppId` must be the one it authenticated for. */
export function assertSameApp(event: APIGatewayProxyEventV2, sdkAppId: string): void {
  const pathApp = pathParameterOf(event, 'sdkAppId');
  if (pathApp !== sdkAppId) throw new ForbiddenError('sdkappid: credentials are for another app');
}
