import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BadRequestError } from '../errors.js';
import { sdkAppIdSchema } from '../policy/identifiers.js';

/** The `sdkAppId` path parameter, validated (after authentication) as 400 naming the field. */
export function sdkAppIdOf(event: Pick<APIGatewayProxyEventV2, 'pathParameters'>): string {
  const result = sdkAppIdSchema.safeParse(event.pathParameters?.sdkAppId ?? '');
  if (!result.success) throw new BadRequestError('sdkAppId: must be a positive integer');
  return result.data;
}
