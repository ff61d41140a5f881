import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { BadRequestError } from '../../lib/errors.js';
import { privacySettingsSchema } from '../../lib/policy/app-config.js';
import { sdkAppIdSchema } from '../../lib/policy/identifiers.js';

/** The `sdkAppId` path parameter, validated (after authentication) as 400 naming the field. */
export function sdkAppIdOf(event: Pick<APIGatewayProxyEventV2, 'pathParameters'>): string {
  const result = sdkAppIdSchema.safeParse(event.pathParameters?.sdkAppId ?? '');
  if (!result.success) throw new BadRequestError('sdkAppId: must be a positive integer');
  return result.data;
}

/** `PATCH /apps/{id}/privacy`: any of the D1/D2/D5 settings, at least one. */
export const privacyPatchSchema = privacySettingsSchema.refine(
  (patch) => Object.values(patch).some((value) => value !== undefined),
  { message: 'at least one of userInfo, messages, sensitiveData is required' },
);

/** `POST /apps/{id}/termination`: the body is optional; terminatedAt defaults to now. */
export const terminationRequestSchema = z.strictObject({
  terminatedAt: z.iso.datetime({ offset: true }).optional(),
});
