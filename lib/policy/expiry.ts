import { type CategoryId, MAX_PERSONAL_RETENTION_DAYS } from './categories.js';
import { coveringHolds, type HoldSubject, type LegalHold } from './legal-holds.js';
import { maxRetentionDays } from './retention.js';

/**
 * The expiry rule, pure (docs/expiry.md). Reads hide an item once `expiresAt <= now`; DynamoDB TTL
 * deletes most items for free; the `expire` run deletes what is still stored `grace` seconds after
 * its expiry, so nothing outlives its expiry by more than grace + the schedule interval.
 * Times are epoch seconds, the TTL attribute's unit.
 */

/** How far ahead of expiry a held item is taken out of TTL's reach: at least two schedule intervals. */
export const HOLD_LOOKAHEAD_SECONDS = 1800;
/** Where the first run (no checkpoint yet) starts looking for due items. */
export const INITIAL_LOOKBACK_MONTHS = 12;

const SECONDS_PER_DAY = 86_400;

export const epochSeconds = (at: Date): number => Math.floor(at.getTime() / 1000);

/** Items whose expiry is at or before the cutoff are physically deleted by `expire`. */
export function expiryCutoff(now: Date, graceSeconds: number): number {
  return epochSeconds(now) - graceSeconds;
}

/** `YYYY-MM` (UTC) of an epoch-seconds instant; equals the month in the item's expiry bucket. */
export function monthOf(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 7);
}

export function addMonths(month: string, count: number): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (monthNumber - 1) + count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Epoch seconds of the first instant after `month`. */
export function monthEnd(month: string): number {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return Date.UTC(year, monthNumber, 1) / 1000;
}

/** A month whose every instant is at or before the cutoff: once drained it can never hold a due item again. */
export function isMonthPast(month: string, cutoff: number): boolean {
  return monthEnd(month) - 1 <= cutoff;
}

/** The first month a walk looks at: the checkpoint, or the initial look-back when there is none yet. */
export function firstMonthToWalk(checkpoint: string | undefined, now: Date): string {
  return checkpoint ?? addMonths(monthOf(epochSeconds(now)), -INITIAL_LOOKBACK_MONTHS);
}

/** `first` to `last` inclusive, both `YYYY-MM`. */
export function monthRange(first: string, last: string): string[] {
  const months: string[] = [];
  for (let month = first; month <= last; month = addMonths(month, 1)) months.push(month);
  return months;
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
export function furthestExpiryMonth(category: CategoryId, now: Date): string {
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
export const isHeldExpiresAt = (expiresAt: number): boolean => expiresAt < 0;

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

/** The holds recorded on a held bucket that are no longer active: their release makes the bucket worth a sweep. */
export function releasedHoldIds(recorded: readonly string[], activeIds: ReadonlySet<string>): string[] {
  return recorded.filter((id) => !activeIds.has(id));
}

/** Whether any active hold names the category: only then does a run look ahead of the cutoff. */
export function holdsTouchCategory(holds: readonly LegalHold[], category: CategoryId): boolean {
  return holds.some((hold) => hold.categories.includes(category));
}
