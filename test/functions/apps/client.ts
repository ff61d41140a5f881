import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { genUserSig } from '../../lib/auth/tls-sig.js';
import { TEST_OPERATOR_TOKEN } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface Answer {
  status: number;
  contentType: string | undefined;
  body: Record<string, unknown>;
  raw: string;
}

const ROUTES: Array<[RegExp, string]> = [
  [/^\/apps\/[^/]+\/privacy$/, '/apps/{sdkAppId}/privacy'],
  [/^\/apps\/[^/]+\/termination$/, '/apps/{sdkAppId}/termination'],
  [/^\/apps\/[^/]+$/, '/apps/{sdkAppId}'],
];

/** Calls the apps function as API Gateway (payload 2.0) would: route key, path parameters, query. */
export function appsClient(handler: Handler) {
  return async function call(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; query?: Record<string, string>; body?: unknown } = {},
  ): Promise<Answer> {
    const routePath = ROUTES.find(([pattern]) => pattern.test(path))?.[1] ?? path;
    const sdkAppId = decodeURIComponent(path.split('/')[2] ?? '');
    const event = httpEvent(method, path, { routePath, pathParameters: { sdkAppId }, ...options });
    const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
    const raw = response.body ?? '';
    return {
      status: response.statusCode ?? 0,
      contentType: response.headers?.['content-type'] as string | undefined,
      body: raw ? JSON.parse(raw) : {},
      raw,
    };
  };
}

export const operatorHeaders = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` };

/** The Tencent REST query an app admin sends, with a UserSig from tls-sig-api-v2. */
export function adminQuery(
  sdkAppId: string,
  secretKey: string,
  identifier = 'administrator',
  options: { expireSeconds?: number; issuedAt?: Date; querySdkAppId?: string; queryIdentifier?: string } = {},
): Record<string, string> {
  return {
    sdkappid: options.querySdkAppId ?? sdkAppId,
    identifier: options.queryIdentifier ?? identifier,
    usersig: genUserSig(sdkAppId, secretKey, identifier, options.expireSeconds ?? 3600, options.issuedAt),
    random: String(Math.floor(Math.random() * 2 ** 32)),
    contenttype: 'json',
  };
}
