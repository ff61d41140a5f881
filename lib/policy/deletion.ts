import { PERSONAL_CATEGORY_IDS, type PersonalCategoryId } from './categories.js';
import { isHoldActive, type LegalHold } from './legal-holds.js';
import { addCalendarMonths } from './time.js';

/**
 * D3 deletion requests: the states a request goes through, its deadline, and how a second request
 * for the same subject joins an open one. Pure: no I/O.
 *
 * `received` -> `processing` -> `completed`, or -> `withheld` while a legal hold keeps part of the
 * data; a withheld request is re-checked and turns `completed` by itself once its holds are gone.
 */
export const DELETION_STATUSES = ['received', 'processing', 'completed', 'withheld'] as const;
export type DeletionStatus = (typeof DELETION_STATUSES)[number];

/** Open requests still have work (or a re-check) ahead of them; only `completed` is final. */
export const OPEN_DELETION_STATUSES: readonly DeletionStatus[] = ['received', 'processing', 'withheld'];

/** D3: a request is answered within one calendar month of its receipt. */
export const DELETION_DEADLINE_MONTHS = 1;

export type CategoryCounts = Record<PersonalCategoryId, number>;

/** Who or what a request erases: one end-user account, every account of the app, or a destroyed group's messages. */
export type DeletionSubject =
  | { readonly kind: 'account'; readonly account: string }
  | { readonly kind: 'allAccounts' }
  | { readonly kind: 'group'; readonly groupId: string };

export function isOpenStatus(status: DeletionStatus): boolean {
  return OPEN_DELETION_STATUSES.includes(status);
}

export function deletionDueAt(createdAt: Date): Date {
  return addCalendarMonths(createdAt, DELETION_DEADLINE_MONTHS);
}

/** Past its deadline and not completed: reported by the hourly deadline check. */
export function isOverdue(request: { status: DeletionStatus; dueAt: string }, now: Date): boolean {
  return isOpenStatus(request.status) && Date.parse(request.dueAt) <= now.getTime();
}

export function zeroCounts(): CategoryCounts {
  return { userInfo: 0, messages: 0 };
}

export function addCounts(a: CategoryCounts, b: Partial<CategoryCounts>): CategoryCounts {
  return { userInfo: a.userInfo + (b.userInfo ?? 0), messages: a.messages + (b.messages ?? 0) };
}

export function totalOf(counts: CategoryCounts): number {
  return counts.userInfo + counts.messages;
}

/** The requested categories in canonical order, without duplicates; both when none are named. */
export function normalizeCategories(requested?: readonly PersonalCategoryId[]): PersonalCategoryId[] {
  if (!requested || requested.length === 0) return [...PERSONAL_CATEGORY_IDS];
  return PERSONAL_CATEGORY_IDS.filter((category) => requested.includes(category));
}

/**
 * A second request for the subject of an open one joins it: the open request then covers the union
 * of both category lists. `widened` says whether the open request has to start its pass again.
 */
export function mergeCategories(
  open: readonly PersonalCategoryId[],
  requested: readonly PersonalCategoryId[],
): { categories: PersonalCategoryId[]; widened: boolean } {
  const categories = normalizeCategories([...open, ...requested]);
  return { categories, widened: categories.length !== normalizeCategories(open).length };
}

/** What a finished pass over the subject's data leaves the request in. */
export function statusAfterPass(withheld: CategoryCounts): 'withheld' | 'completed' {
  return totalOf(withheld) > 0 ? 'withheld' : 'completed';
}

/**
 * A withheld request needs a new pass once any hold that withheld its data is no longer active
 * (released, lapsed or gone); while all of them stand, another pass could delete nothing more.
 */
export function needsRecheck(withheldBy: readonly string[], holds: readonly LegalHold[], now: Date): boolean {
  if (withheldBy.length === 0) return true;
  const active = new Set(holds.filter((hold) => isHoldActive(hold, now)).map((hold) => hold.id));
  return withheldBy.some((id) => !active.has(id));
}

/** Sorted union of hold ids, so a receipt lists each hold once. */
export function unionIds(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** What the operator's list shows of a request (GET /deletion-requests): times and state, never the account. */
export interface DeletionRequestSummary {
  readonly app: string;
  readonly id: string;
  readonly status: DeletionStatus;
  readonly receivedAt: string;
  readonly dueAt: string;
  readonly completedAt?: string;
  /** Past dueAt and not completed. */
  readonly overdue: boolean;
  /** How long the request has been (or was) open: from receipt to now, or to its completion. */
  readonly ageSeconds: number;
}

/** The operator's view of a request: picks the listed fields, so nothing else (the account) can leak. */
export function summarizeDeletionRequest(
  request: {
    app: string;
    id: string;
    status: DeletionStatus;
    createdAt: string;
    dueAt: string;
    completedAt?: string | undefined;
  },
  now: Date,
): DeletionRequestSummary {
  const end = request.completedAt === undefined ? now.getTime() : Date.parse(request.completedAt);
  return {
    app: request.app,
    id: request.id,
    status: request.status,
    receivedAt: request.createdAt,
    dueAt: request.dueAt,
    ...(request.completedAt === undefined ? {} : { completedAt: request.completedAt }),
    overdue: isOverdue(request, now),
    ageSeconds: Math.max(0, Math.floor((end - Date.parse(request.createdAt)) / 1000)),
  };
}
