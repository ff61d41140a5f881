import { MAX_PERSONAL_RETENTION_DAYS, PERSONAL_CATEGORY_IDS, type PersonalCategoryId } from './categories.js';
import type { PrivacySettings } from './privacy-settings.js';
import { addDays, expirySeconds } from './time.js';

/**
 * D1/D2: a retention change applies to what is already stored (docs/expiry.md "Changes of state"). When a
 * category's period shrinks, or it becomes `notStored` (a period of 0 days), the change is a **cut**:
 * every item of the category created before the cut expires no later than its creation + the cut's
 * days, whatever expiry it was stored with. Reads apply cuts at once; `expire` then moves the stored
 * expiries (functions/expire/cuts.ts), after which DynamoDB, the expiry index and reads agree again.
 * Raising the period later adds no cut and removes none: it applies to what is stored from then on.
 * Pure: no I/O.
 */
export interface RetentionCut {
  /** ISO-8601: when the shorter period took effect; applies to items created before it. */
  readonly at: string;
  /** The period in force from `at` on; 0 when the category became `notStored`. */
  readonly days: number;
  /**
   * D6: the cut of a switch to `privacy.consent: "required"`. It spares the items of an account whose
   * active consent has covered the category without a break since the switch was made
   * (`coveredSince <= consentedBy`; `at` itself lies a cache-settling lead later).
   */
  readonly sparesConsented?: true;
  /** With `sparesConsented`: when the switch was made (ISO-8601); default `at`. */
  readonly consentedBy?: string;
}

export type RetentionCuts = Partial<Record<PersonalCategoryId, readonly RetentionCut[]>>;

/** The period a setting allows: 0 for `notStored`. */
function periodOf(settings: PrivacySettings, category: PersonalCategoryId): number {
  const setting = settings[category];
  return setting.mode === 'notStored' ? 0 : setting.retentionDays;
}

/**
 * The cuts a change of settings from `before` to `after` at `at` makes: one per category whose period
 * shrinks. Switching `consent` to `required` (D6) also cuts both categories to 0 days for every account
 * without an active consent for the category when the change is made (`sparesConsented`, `consentedBy`;
 * `at` itself lies a cache-settling lead later): what was stored of them
 * without a consent check is hidden at once and deleted by `expire`; consented accounts keep theirs.
 */
export function cutsOfChange(
  before: PrivacySettings,
  after: PrivacySettings,
  at: Date,
  /** When the change was made (`at` may lie a cache-settling lead later): who consented by then is spared. */
  decidedAt: Date = at,
): RetentionCuts {
  const cuts: Record<string, RetentionCut[]> = {};
  const consentSwitched = before.consent !== 'required' && after.consent === 'required';
  for (const category of PERSONAL_CATEGORY_IDS) {
    const was = periodOf(before, category);
    const days = periodOf(after, category);
    const made: RetentionCut[] = [];
    if (days < was) made.push({ at: at.toISOString(), days });
    // A cut to 0 for everyone already ends what the consent cut would.
    if (consentSwitched && was > 0 && days > 0)
      made.push({
        at: at.toISOString(),
        days: 0,
        sparesConsented: true,
        consentedBy: decidedAt.toISOString(),
      });
    if (made.length > 0) cuts[category] = made;
  }
  return cuts as RetentionCuts;
}

/**
 * The cuts that apply to one account's items of a category: all but the consent cuts its active consent
 * spares. `coveredSince`: since when its active consent has covered the category without a break
 * (undefined: no active consent for it). Pure; the readers and `expire` apply only what this returns.
 */
export function cutsForAccount(
  cuts: readonly RetentionCut[] | undefined,
  coveredSince: string | undefined,
): readonly RetentionCut[] | undefined {
  if (!cuts || coveredSince === undefined || !cuts.some((cut) => cut.sparesConsented)) return cuts;
  return cuts.filter((cut) => !(cut.sparesConsented && coveredSince <= (cut.consentedBy ?? cut.at)));
}

/** Whether some cut depends on the account's consent: only then does a reader need to look it up. */
export function dependsOnConsent(cuts: readonly RetentionCut[] | undefined): boolean {
  return cuts?.some((cut) => cut.sparesConsented) ?? false;
}

/**
 * The cuts a new registration starts with: everything of either category created before it is hidden
 * at once and deleted by `expire`, so what an earlier registration of the same SdkAppid left behind
 * (while its purge is still erasing it) is never visible under the new one.
 */
export function registrationCuts(at: Date): RetentionCuts {
  const cut = { at: at.toISOString(), days: 0 };
  return { userInfo: [cut], messages: [cut] } as RetentionCuts;
}

/**
 * `existing` with `added` (newer) cuts merged in. A cut made later with a period no longer than an
 * earlier one's covers everything the earlier one does, so the earlier one is dropped, unless the later
 * one spares consented accounts and the earlier one does not; cuts older than the longest retention can
 * no longer shorten anything and are dropped too. What stays is ordered by time.
 */
export function mergeCuts(
  existing: RetentionCuts | undefined,
  added: RetentionCuts,
  now: Date,
): RetentionCuts {
  const merged: Record<string, RetentionCut[]> = {};
  const horizon = addDays(now, -MAX_PERSONAL_RETENTION_DAYS).toISOString();
  for (const category of PERSONAL_CATEGORY_IDS) {
    let cuts = [...(existing?.[category] ?? [])].filter((cut) => cut.at >= horizon);
    for (const cut of added[category] ?? []) {
      cuts = cuts.filter(
        (earlier) => earlier.days < cut.days || (cut.sparesConsented === true && !earlier.sparesConsented),
      );
      cuts.push(cut);
    }
    if (cuts.length > 0) merged[category] = cuts;
  }
  return merged as RetentionCuts;
}

/**
 * The expiry (epoch seconds) of an item of `category` created at `createdAt` and stored with
 * `expiresAt`, under the cuts: the earliest of its own expiry and every later cut's limit.
 */
export function expiryUnderCuts(
  expiresAt: number,
  createdAt: Date,
  cuts: readonly RetentionCut[] | undefined,
): number {
  let expiry = expiresAt;
  const created = createdAt.toISOString();
  for (const cut of cuts ?? []) {
    if (created < cut.at) expiry = Math.min(expiry, expirySeconds(addDays(createdAt, cut.days)));
  }
  return expiry;
}
