import * as z from 'zod';
import { privacySettingsSchema } from '../policy/app-config.js';
import { CATEGORY_IDS, PERSONAL_CATEGORY_IDS } from '../policy/categories.js';
import { accountSchema } from '../policy/identifiers.js';

/**
 * The request bodies of the admin routes, as their handlers validate them (lib/http/body.ts) and as
 * `GET /openapi.json` and docs/api.md describe them: one definition for both.
 */

/** `PATCH /apps/{id}/privacy`: any of the D1/D2/D5 settings and the disclosure switch, at least one. */
export const privacyPatchSchema = privacySettingsSchema.refine(
  (patch) => Object.values(patch).some((value) => value !== undefined),
  { message: 'at least one of userInfo, messages, sensitiveData, consent, publishDisclosure is required' },
);

/** `POST /apps/{id}/termination`: the body is optional; terminatedAt defaults to now. */
export const terminationRequestSchema = z.strictObject({
  terminatedAt: z.iso.datetime({ offset: true }).optional(),
});

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

/** `POST /apps/{sdkAppId}/legal-holds` (D3 exception): no account holds the whole app. */
export const legalHoldSchema = z.strictObject({
  account: accountSchema.optional(),
  categories: z.array(z.enum(CATEGORY_IDS)).min(1),
  reason: z.string().trim().min(1).max(2000),
  until: z.iso.datetime({ offset: true }).optional(),
});

export type LegalHoldBody = z.infer<typeof legalHoldSchema>;

/**
 * `PUT /apps/{sdkAppId}/users/{account}/consent` (D6): the categories the consent covers, the end user's
 * jurisdiction (an ISO 3166-1 alpha-2 code, checked against the assigned codes by the route), and
 * optionally the age stated, whether a holder of parental responsibility consented, and the version of
 * the customer's privacy policy the consent was given for.
 */
export const consentGrantSchema = z.strictObject({
  categories: z.array(z.enum(PERSONAL_CATEGORY_IDS)).min(1),
  jurisdiction: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. DE'),
  age: z.int().min(0).max(150).optional(),
  parentalConsent: z.boolean().optional(),
  policyVersion: z.string().min(1).max(128).optional(),
});

export type ConsentGrantBody = z.infer<typeof consentGrantSchema>;
