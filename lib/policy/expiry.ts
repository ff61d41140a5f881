import { type CategoryId, MAX_PERSONAL_RETENTION_DAYS } from './categories.js';
import { CONSENT_KIND, consentEvidenceExpiry } from './consent.js';
import { coveringHolds, type HoldSubject, type LegalHold } from './legal-holds.js';
import { maxRetentionDays } from './retention.js';
import { addMonths, epochSeconds, monthEnd, monthOf, monthRange } from './time.js';

/**
 * The expiry rule, pure (docs/expiry.md). Reads hide an item once `expiresAt <= now`; the `expire` run
 * deletes what is still stored `grace` seconds after its expiry, so nothing outlives its expiry by more
 * than grace + the schedule interval. DynamoDB TTL is the backstop: its attribute, `ttlDeleteAt`, runs
 * TTL_MARGIN_SECONDS behind `expiresAt`, so TTL can never reach an item before `expire` has seen the
 * legal holds that keep it (a held item carries no `ttlDeleteAt` at all). Times are epoch seconds.
 */

/** How far ahead of expiry a held item is taken out of TTL's reach: at least two schedule intervals. */
export const HOLD_LOOKAHEAD_SECONDS = 1800;
/** Where the first run (no checkpoint yet) starts looking for due items. */
export const INITIAL_LOOKBACK_MONTHS = 12;

/**
 * What the expiry index holds: items of a policy category, the content-free tombstones a recall or
 * an erasure leaves of a message (no category's data: no hold ever covers one; gone at their expiry),
 * and withdrawn consent records, kept as evidence until their own expiry (lib/policy/consent.ts).
 */
export type ExpiringKind = CategoryId | 'tombstone' | 'consent' | 'evidence';

/**
 * How long after its expiry DynamoDB TTL may delete an item: longer than `expire` needs to see a new hold
 * and park what it covers (two 15-minute schedule intervals plus a 5-minute run, with the production
 * grace of 0), so a hold's 201 only has to park items already past expiry by more than this (normally none).
 */
export const TTL_MARGIN_SECONDS = 6 * 3600;

/** The `ttlDeleteAt` of an item expiring at `expiresAt` (epoch seconds). */
export const ttlDeleteAt = (expiresAt: number): number => expiresAt + TTL_MARGIN_SECONDS;

/** How long a new hold may wait for `expire` to park what it covers: two schedule intervals and a run, with room. */
export const HOLD_PROTECTION_WINDOW_SECONDS = 45 * 60;

/**
 * The latest expiry (epoch seconds) of an item DynamoDB TTL could delete before `expire` has run twice
 * after `now`: what a new hold must park itself, at once, before it answers. Normally nothing is this old.
 */
export function ttlReachableExpiry(now: Date): number {
  return epochSeconds(now) + HOLD_PROTECTION_WINDOW_SECONDS - TTL_MARGIN_SECONDS;
}

const SECONDS_PER_DAY = 86_400;

/** Items whose expiry is at or before the cutoff are physically deleted by `expire`. */
export function expiryCutoff(now: Date, graceSeconds: number): number {
  return epochSeconds(now) - graceSeconds;
}

/** A month whose every instant is at or before the cutoff: once drained it can never hold a due item again. */
export function isMonthPast(month: string, cutoff: number): boolean {
  return monthEnd(month) - 1 <= cutoff;
}

/** The first month a walk looks at: the checkpoint, or the initial look-back when there is none yet. */
export function firstMonthToWalk(checkpoint: string | undefined, now: Date): string {
  return checkpoint ?? addMonths(monthOf(epochSeconds(now)), -INITIAL_LOOKBACK_MONTHS);
}

/** The months a run walks: from the checkpoint (or the initial look-back) to the month of `upTo`. */
export function monthsToWalk(checkpoint: string | undefined, upTo: number, now: Date): string[] {
  return monthRange(firstMonthToWalk(checkpoint, now), monthOf(upTo));
}

/**
 * The new checkpoint after a walk: the first walked month that is not both past and fully drained.
 * Never beyond the cutoff's month, since that month is not past.
 */
export function nextCheckpoint(
  walked: readonly string[],
  drained: ReadonlySet<string>,
  cutoff: number,
): string {
  for (const month of walked) if (!(isMonthPast(month, cutoff) && drained.has(month))) return month;
  return walked.length ? addMonths(walked[walked.length - 1] as string, 1) : monthOf(cutoff);
}

/** The furthest month an item of `category` stored up to `now` can expire in (bounds `stored` counts). */
export function furthestExpiryMonth(category: CategoryId | typeof CONSENT_KIND, now: Date): string {
  if (category === CONSENT_KIND) return monthOf(epochSeconds(consentEvidenceExpiry(now)));
  const days =
    category === 'userInfo' || category === 'messages'
      ? MAX_PERSONAL_RETENTION_DAYS
      : maxRetentionDays(category);
  return monthOf(epochSeconds(now) + days * SECONDS_PER_DAY);
}

/**
 * A held item keeps its original expiry negated: DynamoDB TTL ignores a value that far in the past
 * (more than five years), reads hide it (`expiresAt <= now`), and the original is recoverable.
 */
export const heldExpiresAt = (expiresAt: number): number => -Math.abs(expiresAt);
export const originalExpiresAt = (expiresAt: number): number => Math.abs(expiresAt);

export interface IndexedItem extends HoldSubject {
  expiresAt: number;
}

/**
 * What a run does with an item found on the expiry index:
 * - `hold`: an active hold covers it and it expires within the look-ahead: move it out of TTL's reach;
 * - `delete`: unheld and due (expiry at or before the cutoff);
 * - `withinGrace`: unheld and expired, but within the grace (TTL's turn; deleted by a later run);
 * - `notDue`: not expired yet.
 */
export type ExpiryDecision = 'hold' | 'delete' | 'withinGrace' | 'notDue';

export function decideExpiry(
  item: IndexedItem,
  holds: readonly LegalHold[],
  now: Date,
  cutoff: number,
): ExpiryDecision {
  if (coveringHolds(holds, item, now).length > 0) {
    return item.expiresAt <= epochSeconds(now) + HOLD_LOOKAHEAD_SECONDS ? 'hold' : 'notDue';
  }
  if (item.expiresAt <= cutoff) return 'delete';
  return item.expiresAt <= epochSeconds(now) ? 'withinGrace' : 'notDue';
}

/**
 * What a run does with an item in a held bucket (its `expiresAt` negated):
 * `keep` while a hold covers it; once none does, `delete` if its original expiry is past the cutoff,
 * else `restore` it to the ordinary expiry index so reads, TTL and later runs treat it normally.
 */
export type HeldDecision = 'keep' | 'delete' | 'restore';

export function decideHeld(
  item: IndexedItem,
  holds: readonly LegalHold[],
  now: Date,
  cutoff: number,
): HeldDecision {
  if (coveringHolds(holds, item, now).length > 0) return 'keep';
  return originalExpiresAt(item.expiresAt) <= cutoff ? 'delete' : 'restore';
}

/** Overdue for evidence: physically stored past expiry and covered by no active hold. */
export function isOverdue(item: IndexedItem, holds: readonly LegalHold[], now: Date): boolean {
  return (
    originalExpiresAt(item.expiresAt) <= epochSeconds(now) && coveringHolds(holds, item, now).length === 0
  );
}

/**
 * End of service: an item of an app past its `purgeAt` is overdue from `purgeAt` on, whatever its own
 * expiry says, unless an active hold covers it. One already past its own expiry is overdue anyway (and
 * counted there), so only those not yet expired are leftovers of the purge.
 */
export function isPurgeLeftover(item: IndexedItem, holds: readonly LegalHold[], now: Date): boolean {
  return (
    originalExpiresAt(item.expiresAt) > epochSeconds(now) && coveringHolds(holds, item, now).length === 0
  );
}

/** The holds recorded on a held bucket that are no longer active: their release makes the bucket worth a sweep. */
export function releasedHoldIds(recorded: readonly string[], activeIds: ReadonlySet<string>): string[] {
  return recorded.filter((id) => !activeIds.has(id));
}

/** Whether any active hold names the category: only then does a run look ahead of the cutoff. */
export function holdsTouchCategory(holds: readonly LegalHold[], category: ExpiringKind): boolean {
  return holds.some((hold) => (hold.categories as readonly string[]).includes(category));
}
