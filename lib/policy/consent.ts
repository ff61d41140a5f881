import type { PersonalCategoryId } from './categories.js';
import { addCalendarMonths } from './time.js';

/**
 * D6: consent records and what they decide, pure. An account's active consent names the personal
 * categories it covers; an app that requires consent stores an account's data of a category only while
 * the account's active consent names it. A consent record is evidence (GDPR art. 7(1): the controller
 * must be able to show that consent was given): it is kept while the consent is active and for
 * CONSENT_EVIDENCE_MONTHS after its withdrawal, then it expires like every other item (docs/policy.md).
 */

/** `privacy.consent`: whether the app stores personal data only for accounts with an active consent. */
export const CONSENT_MODES = ['notRequired', 'required'] as const;
export type ConsentMode = (typeof CONSENT_MODES)[number];
export const DEFAULT_CONSENT_MODE: ConsentMode = 'notRequired';

/** The kind of expiring item a consent record is, on the expiry index (not a policy category). */
export const CONSENT_KIND = 'consent' as const;

/**
 * Kept 3 years after withdrawal: the general limitation period for civil claims in the PRC (Civil Code
 * art. 188) and Germany (BGB § 195, from the end of the year), within which the customer may have to prove
 * that consent was given for what it processed before the withdrawal.
 */
export const CONSENT_EVIDENCE_MONTHS = 36;

/** When the record of a consent withdrawn at `withdrawnAt` expires. */
export function consentEvidenceExpiry(withdrawnAt: Date): Date {
  return addCalendarMonths(withdrawnAt, CONSENT_EVIDENCE_MONTHS);
}

/** The consent in force for an account: what a grant recorded. */
export interface ActiveConsent {
  readonly categories: readonly PersonalCategoryId[];
  readonly jurisdiction: string;
  readonly minimumAge: number;
  readonly minimumAgeSource: 'table' | 'default';
  readonly age?: number;
  readonly parentalConsent?: boolean;
  readonly policyVersion?: string;
  readonly grantedAt: string;
}

export interface ConsentEvent {
  readonly action: 'granted' | 'withdrawn';
  readonly at: string;
  readonly categories: readonly PersonalCategoryId[];
}

/**
 * Whether data of `category` may be stored for an account whose active consent covers `covered`
 * (undefined: no active consent), under the app's mode.
 */
export function consentAllows(
  mode: ConsentMode,
  category: PersonalCategoryId,
  covered: readonly PersonalCategoryId[] | undefined,
): boolean {
  return mode === 'notRequired' || (covered?.includes(category) ?? false);
}

/** The categories `before` covered that `after` leaves out: what a narrower re-grant withdraws. */
export function droppedCategories(
  before: Pick<ActiveConsent, 'categories'> | null,
  after: Pick<ActiveConsent, 'categories'>,
): PersonalCategoryId[] {
  return (before?.categories ?? []).filter((category) => !after.categories.includes(category));
}

/** Per category, since when the active consent has covered it without a break (ISO-8601). */
export type ConsentCoverage = Partial<Record<PersonalCategoryId, string>>;

/**
 * The coverage after a grant: a category the earlier active consent covered keeps its start (the
 * earlier grant's time when the record predates coverage); a category newly covered starts at the grant.
 */
export function coverageAfterGrant(
  before: { readonly active: ActiveConsent | null; readonly coveredSince?: ConsentCoverage } | undefined,
  consent: ActiveConsent,
): ConsentCoverage {
  const coverage: ConsentCoverage = {};
  for (const category of consent.categories) {
    const kept = before?.active?.categories.includes(category)
      ? (before.coveredSince?.[category] ?? before.active.grantedAt)
      : undefined;
    coverage[category] = kept ?? consent.grantedAt;
  }
  return coverage;
}

/**
 * A consent record holds at most this many history events (a DynamoDB item holds 400 KB; an event is
 * about 120 bytes); past it the oldest move to an immutable history chunk, leaving the newest
 * CONSENT_HISTORY_KEPT in the record.
 */
export const CONSENT_HISTORY_MAX = 100;
export const CONSENT_HISTORY_KEPT = 50;

/**
 * When a history chunk expires: every consent in it had ended by the event that follows it (a
 * withdrawal or a new grant replacing it), so it is evidence until CONSENT_EVIDENCE_MONTHS after that.
 */
export function historyChunkExpiry(nextEventAt: Date): Date {
  return consentEvidenceExpiry(nextEventAt);
}
