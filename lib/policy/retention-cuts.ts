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
}

export type RetentionCuts = Partial<Record<PersonalCategoryId, readonly RetentionCut[]>>;

/** The period a setting allows: 0 for `notStored`. */
function periodOf(settings: PrivacySettings, category: PersonalCategoryId): number {
  const setting = settings[category];
  return setting.mode === 'notStored' ? 0 : setting.retentionDays;
}

/**
 * The cuts a change of settings from `before` to `after` at `at` makes: one per category whose period
 * shrinks. Switching `consent` to `required` (D6) cuts both categories to 0 days: what was stored without
 * a consent check is hidden at once and deleted by `expire`; what consented accounts send afterwards is
 * stored again. (The cut does not tell consented accounts apart: their earlier data goes too.)
 */
export function cutsOfChange(before: PrivacySettings, after: PrivacySettings, at: Date): RetentionCuts {
  const cuts: Record<string, RetentionCut[]> = {};
  const consentSwitched = before.consent !== 'required' && after.consent === 'required';
  for (const category of PERSONAL_CATEGORY_IDS) {
    const days = consentSwitched ? 0 : periodOf(after, category);
    if (days < periodOf(before, category)) cuts[category] = [{ at: at.toISOString(), days }];
  }
  return cuts as RetentionCuts;
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
 * earlier one's covers everything the earlier one does, so the earlier one is dropped; cuts older than
 * the longest retention can no longer shorten anything and are dropped too. What stays is ordered by
 * time, with periods growing.
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
      cuts = cuts.filter((earlier) => earlier.days < cut.days);
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
