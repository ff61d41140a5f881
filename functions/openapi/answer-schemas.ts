import * as z from 'zod';
import { sensitiveDataModeSchema, storageModeSchema } from '../../lib/policy/app-config.js';
import { CATEGORY_IDS, PERSONAL_CATEGORY_IDS } from '../../lib/policy/categories.js';
import { DELETION_STATUSES } from '../../lib/policy/deletion.js';

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

const deletionStatus = z.enum(DELETION_STATUSES);

export const deletionAcceptedSchema = z.object({
  id: z.string(),
  status: deletionStatus,
  createdAt: isoDateTime,
  dueAt: isoDateTime,
});

/** A receipt signed with Ed25519 (lib/evidence/receipt-signature.ts): its body and the signature over it. */
const receiptSignature = z.object({
  alg: z.literal('Ed25519'),
  keyId: z.string(),
  publicKey: z.string().describe('SPKI DER, base64url'),
  value: z.string().describe('Ed25519 over the canonical JSON of body (keys sorted, no spaces), base64url'),
});

export const signedReceiptSchema = z.object({
  body: z
    .record(z.string(), z.unknown())
    .describe('counts, categories, hold ids, times, keyed hashes; no account'),
  signature: receiptSignature,
});

/** `GET /receipts/keys`: the keys receipts are signed with. */
export const receiptKeysSchema = z.object({
  keys: z.array(
    z.object({
      keyId: z.string(),
      alg: z.literal('Ed25519'),
      publicKey: z.string(),
      status: z.enum(['current', 'retired']),
    }),
  ),
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
  receipt: signedReceiptSchema.optional().describe('once completed: the signed receipt'),
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

export const consentGrantedSchema = activeConsentSchema.extend({
  account: z.string(),
  deletionRequestId: z
    .string()
    .optional()
    .describe(
      'present when the grant leaves out a category the earlier consent covered: the D3 request erasing it',
    ),
});

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

const bilingualText = z.object({ en: z.string(), zh: z.string() });

/** `GET /apps/{sdkAppId}/processing-record` (lib/policy/processing-record.ts ProcessingRecord). */
export const processingRecordSchema = z.object({
  record: z.literal('GDPR art. 30(2)'),
  policyVersion: z.string(),
  generatedAt: isoDateTime,
  controller: z.object({ sdkAppId: z.string(), appName: z.string() }),
  app: z.object({
    status: z.enum(['active', 'terminated']),
    terminatedAt: isoDateTime.nullable(),
    purgeAt: isoDateTime.nullable(),
    dataCenter: z.string(),
    deploymentDataCenter: z.string(),
    residentHere: z.boolean().describe('P1: personal data is stored here only when true'),
    sharesWithTrtc: z.boolean().describe('P5: sharing agreed and TRTC subscribed'),
  }),
  categories: z.array(
    z.object({
      id: z.enum(CATEGORY_IDS),
      clause: z.string(),
      name: bilingualText,
      fields: z.array(z.string()),
      dataSubjects: z.enum(['endUsers', 'customer']),
      purpose: bilingualText,
      legalBasis: z.enum(['performanceOfContract', 'customerInstruction']),
      retention: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('days'), days: z.int().min(1) }),
        z.object({
          kind: z.literal('monthsAfterTermination'),
          months: z.int().min(1),
          purgeAt: isoDateTime.nullable(),
        }),
        z.object({ kind: z.literal('customerSet'), days: z.int().min(1), isDefault: z.boolean() }),
        z.object({ kind: z.literal('notStored') }),
      ]),
      storage: z.object({ mode: storageModeSchema, reason: z.enum(['policy', 'setting', 'dataCentre']) }),
      location: z.object({ dataCenter: z.string() }),
      recipients: z.array(z.object({ id: z.literal('trtc'), clause: z.literal('P5'), name: bilingualText })),
      sensitiveData: z.object({
        mode: sensitiveDataModeSchema.nullable(),
        handling: z.enum(['notApplicable', 'notChecked', 'flagged', 'masked', 'rejected']),
      }),
      consent: z.enum(['notApplicable', 'notRequired', 'required']),
      technicalMeasures: z.object({
        encryptionAtRest: z.object({ sseType: z.literal('KMS') }),
        encryptionInTransit: z.literal('TLS'),
        accessControl: z.literal('perFunctionRoles'),
        pseudonymisedLogs: z.literal(true),
        backups: z.object({ restorableDays: z.int().min(0) }),
      }),
    }),
  ),
});

const categoryEvidence = z.object({
  due: z.number().int(),
  deleted: z.number().int(),
  held: z.number().int(),
  withinGrace: z.number().int(),
  overdueBefore: z.number().int(),
  overdueAfter: z.number().int(),
  oldestOverdueSecondsBefore: z.number().int(),
  oldestOverdueSecondsAfter: z.number().int(),
  errors: z.number().int(),
});

/** `GET /conformance/history`: a page of run evidence (lib/policy/evidence.ts). */
export const conformanceHistorySchema = z.object({
  from: isoDateTime,
  to: isoDateTime,
  runs: z.array(
    z.union([
      z.object({
        run: z.literal('expire'),
        startedAt: isoDateTime,
        completed: z.boolean(),
        categories: z.record(z.string(), categoryEvidence),
      }),
      z.object({
        run: z.literal('purge'),
        startedAt: isoDateTime,
        completed: z.boolean(),
        apps: z.object({
          candidates: z.number().int(),
          purged: z.number().int(),
          held: z.number().int(),
          erasing: z.number().int(),
          failed: z.number().int(),
        }),
      }),
    ]),
  ),
  nextCursor: z.string().nullable(),
});

/** GET /deletion-requests: the operator's page of D3 requests (lib/policy/deletion.ts DeletionRequestSummary). */
export const deletionRequestListSchema = z.object({
  checkedAt: isoDateTime,
  requests: z.array(
    z.object({
      app: z.string(),
      id: z.string(),
      status: z.enum(DELETION_STATUSES),
      receivedAt: isoDateTime,
      dueAt: isoDateTime,
      completedAt: isoDateTime.optional(),
      overdue: z.boolean().describe('past dueAt and not completed'),
      ageSeconds: z.int().min(0).describe('from receipt to now, or to completion'),
    }),
  ),
  nextCursor: z.string().nullable(),
});
