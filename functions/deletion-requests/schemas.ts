import * as z from 'zod';
import { PERSONAL_CATEGORY_IDS } from '../../lib/policy/categories.js';
import { accountSchema } from '../../lib/policy/identifiers.js';

/**
 * `POST /apps/{sdkAppId}/deletion-requests`: `{"account"}` or `{"allAccounts": true}`, optional
 * `categories` (default both personal categories).
 */
export const deletionRequestSchema = z
  .strictObject({
    account: accountSchema.optional(),
    allAccounts: z.literal(true).optional(),
    categories: z.array(z.enum(PERSONAL_CATEGORY_IDS)).min(1).optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.account === undefined) === (body.allAccounts === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['account'],
        message: 'give either account or "allAccounts": true',
      });
    }
  });

export type DeletionRequestBody = z.infer<typeof deletionRequestSchema>;

/** `Idempotency-Key`: an opaque client token (stored only as its SHA-256). */
export const idempotencyKeySchema = z.string().min(1).max(255);
