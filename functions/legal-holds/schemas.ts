import * as z from 'zod';
import { CATEGORY_IDS } from '../../lib/policy/categories.js';
import { accountSchema } from '../../lib/policy/identifiers.js';

/** `POST /apps/{sdkAppId}/legal-holds` (D3 exception): no account holds the whole app. */
export const legalHoldSchema = z.strictObject({
  account: accountSchema.optional(),
  categories: z.array(z.enum(CATEGORY_IDS)).min(1),
  reason: z.string().trim().min(1).max(2000),
  until: z.iso.datetime({ offset: true }).optional(),
});

export type LegalHoldBody = z.infer<typeof legalHoldSchema>;
