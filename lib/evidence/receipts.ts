import type { DeletionRequest } from '../store/deletion-records.js';

/**
 * What a signed receipt says (lib/evidence/receipt-signature.ts signs it): counts, categories, hold ids
 * and times, and the subject as a keyed hash, never an account, a group id or content.
 */
export interface DeletionReceiptBody {
  readonly type: 'deletionReceipt';
  readonly requestId: string;
  readonly sdkAppId: string;
  readonly subject: { readonly kind: DeletionRequest['subject']; readonly accountHash?: string };
  readonly categories: readonly string[];
  readonly createdAt: string;
  readonly dueAt: string;
  readonly completedAt: string;
  readonly deleted: { readonly userInfo: number; readonly messages: number };
  readonly withheld: {
    readonly userInfo: number;
    readonly messages: number;
    readonly holds: readonly string[];
  };
}

/** The receipt of a completed deletion request; undefined while it is not completed. */
export function deletionReceiptBody(request: DeletionRequest): DeletionReceiptBody | undefined {
  if (request.status !== 'completed' || request.completedAt === undefined) return undefined;
  return {
    type: 'deletionReceipt',
    requestId: request.id,
    sdkAppId: request.app,
    subject: {
      kind: request.subject,
      ...(request.subject === 'account' && request.accountHash ? { accountHash: request.accountHash } : {}),
    },
    categories: [...request.categories].sort(),
    createdAt: request.createdAt,
    dueAt: request.dueAt,
    completedAt: request.completedAt,
    deleted: { userInfo: request.deleted.userInfo, messages: request.deleted.messages },
    withheld: {
      userInfo: request.withheld.userInfo,
      messages: request.withheld.messages,
      holds: [...request.withheld.holds].sort(),
    },
  };
}

/** The receipt of an app's end of service (P4 with D1–D3), from what the purge recorded. */
export interface PurgeReceiptBody {
  readonly type: 'purgeReceipt';
  readonly sdkAppId: string;
  readonly terminatedAt: string | null;
  readonly purgeAt: string | null;
  readonly purgedAt: string;
  readonly deletionRequestId: string | null;
  /** Items erased per category (userInfo, messages, log, monitoring) and consent records. */
  readonly erased: Readonly<Record<string, number>>;
  readonly configuration: { readonly removed: true; readonly secrets: readonly string[] };
  readonly withheld: {
    readonly userInfo: number;
    readonly messages: number;
    readonly holds: readonly string[];
  };
  /** Released holds of the app the purge deleted (they named accounts). */
  readonly erasedHolds: number;
}
