import * as z from 'zod';
import { CATEGORY_IDS, PERSONAL_CATEGORY_IDS } from '../../lib/policy/categories.js';

/**
 * Zod descriptions of the API shapes that no handler validates: the answers of every route. They feed
 * the OpenAPI document only; request bodies come from the handlers' own schemas (functions/openapi/document.ts).
 */

const isoDateTime = z.iso.datetime({ offset: true });
const personalCategories = z.array(z.enum(PERSONAL_CATEGORY_IDS)).min(1);
const perCategoryCount = z.strictObject({ userInfo: z.int().min(0), messages: z.int().min(0) });

/** RFC 9457 problem details: every admin error (lib/http/problem.ts). */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int().min(400).max(599),
  detail: z.string().describe('names the offending field or the reason'),
});

/** Tencent's callback answer (docs/tencent-im.md "Answers"). */
export const callbackAnswerSchema = z.object({
  ActionStatus: z.enum(['OK', 'FAIL']),
  ErrorCode: z.int(),
  ErrorInfo: z.string(),
  MsgBody: z.array(z.looseObject({ MsgType: z.string() })).optional(),
});

/** A Tencent IM third-party callback body: every command carries `CallbackCommand`; the rest varies by command. */
export const callbackBodySchema = z.looseObject({ CallbackCommand: z.string() });

/** The stored configuration as answered: the P4 fields with secrets removed (lib/policy/app-config.ts). */
export const appViewSchema = z.looseObject({ appName: z.string(), dataCenter: z.string() });

export const terminationAnswerSchema = z.object({
  status: z.literal('terminated'),
  terminatedAt: isoDateTime,
  purgeAt: isoDateTime,
});

export const reactivationAnswerSchema = z.object({ status: z.literal('active'), purgeAt: z.null() });

const deletionStatus = z.enum(['received', 'processing', 'completed', 'withheld']);

export const deletionAcceptedSchema = z.object({
  id: z.string(),
  status: deletionStatus,
  createdAt: isoDateTime,
  dueAt: isoDateTime,
});

export const deletionRequestStatusSchema = z.object({
  id: z.string(),
  status: deletionStatus,
  categories: personalCategories,
  createdAt: isoDateTime,
  dueAt: isoDateTime,
  completedAt: isoDateTime.optional(),
  deleted: perCategoryCount,
  withheld: perCategoryCount.extend({ holds: z.array(z.string()) }),
});

export const userDataExportSchema = z.object({
  userInfo: z.record(z.string(), z.unknown()).nullable(),
  messages: z.array(z.record(z.string(), z.unknown())),
});

/** A page of `GET /apps/{sdkAppId}/export`. */
export const appExportSchema = z.object({
  userInfo: z.array(z.record(z.string(), z.unknown())),
  messages: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().nullable(),
});

/** A legal hold as answered (lib/policy/legal-holds.ts LegalHold). */
export const legalHoldSchema = z.object({
  id: z.string(),
  app: z.string(),
  account: z.string().optional(),
  categories: z.array(z.enum(CATEGORY_IDS)).min(1),
  reason: z.string(),
  createdAt: isoDateTime,
  until: isoDateTime.optional(),
  releasedAt: isoDateTime.optional(),
});

export const legalHoldListSchema = z.object({ holds: z.array(legalHoldSchema) });

export const metricsAnswerSchema = z.object({
  points: z.array(
    z.object({
      minute: isoDateTime,
      requests: z.int().min(0),
      successRate: z.number().min(0).max(1),
      avgLatencyMs: z.number().min(0),
    }),
  ),
});

export const conformanceAnswerSchema = z.object({
  checkedAt: isoDateTime,
  categories: z.record(
    z.string(),
    z.object({ stored: z.int().min(0), overdue: z.int().min(0), oldestOverdueSeconds: z.number().min(0) }),
  ),
});

const minimumAgeSchema = z.object({ age: z.int().min(0), source: z.string() });

export const policyAnswerSchema = z.object({
  version: z.string(),
  categories: z.array(
    z.looseObject({ id: z.string(), clause: z.string(), retention: z.record(z.string(), z.unknown()) }),
  ),
  /** D4: per ISO 3166-1 alpha-2 jurisdiction, the minimum age of digital consent and the law that sets it. */
  minimumAges: z.record(z.string(), minimumAgeSchema),
  defaultMinimumAge: minimumAgeSchema,
});

/** D6: a consent as recorded (lib/policy/consent.ts ActiveConsent). */
const activeConsentSchema = z.object({
  categories: personalCategories,
  jurisdiction: z.string().describe('ISO 3166-1 alpha-2'),
  minimumAge: z.int().min(0).describe("the jurisdiction's minimum age of digital consent (D4)"),
  minimumAgeSource: z
    .enum(['table', 'default'])
    .describe('`default`: the jurisdiction is not in the table; the documented default age applies'),
  age: z.int().min(0).optional(),
  parentalConsent: z.boolean().optional(),
  policyVersion: z.string().optional(),
  grantedAt: isoDateTime,
});

export const consentGrantedSchema = activeConsentSchema.extend({ account: z.string() });

export const consentRecordSchema = z.object({
  active: activeConsentSchema.nullable(),
  history: z.array(
    z.object({ action: z.enum(['granted', 'withdrawn']), at: isoDateTime, categories: personalCategories }),
  ),
});

export const consentWithdrawnSchema = z.object({
  withdrawnAt: isoDateTime,
  deletionRequestId: z.string().describe('the D3 request erasing the account, under deletion-requests'),
});
