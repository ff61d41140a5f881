import type { CategoryId } from './categories.js';

/**
 * D3's exception: while a legal hold is active, the data it covers is neither expired nor deleted.
 * A hold without `account` covers the whole app; with `account`, only items carrying that account
 * (personal data: the profile owner or the message sender). Pure: no I/O.
 */
export interface LegalHold {
  id: string;
  app: string;
  /** No account: the hold covers the whole app. */
  account?: string;
  categories: CategoryId[];
  reason: string;
  /** ISO-8601. */
  createdAt: string;
  /** ISO-8601; the hold lapses by itself at this instant. */
  until?: string;
  /** ISO-8601; set once, when the hold is released. */
  releasedAt?: string;
}

/** What a hold is checked against: the attributes every stored item carries on the expiry index. */
export interface HoldSubject {
  app: string;
  /** A category, or anything else the expiry index holds (a tombstone, a consent record, run evidence), which no hold covers. */
  category: CategoryId | 'tombstone' | 'consent' | 'evidence';
  account?: string | undefined;
}

/** Active: not released, and `until` absent or still in the future. */
export function isHoldActive(hold: LegalHold, now: Date): boolean {
  if (hold.releasedAt !== undefined) return false;
  return hold.until === undefined || Date.parse(hold.until) > now.getTime();
}

/** Whether an active `hold` keeps `item`: same app, a held category, and the hold's account if it names one. */
export function holdCovers(hold: LegalHold, item: HoldSubject, now: Date): boolean {
  return (
    isHoldActive(hold, now) &&
    hold.app === item.app &&
    (hold.categories as readonly string[]).includes(item.category) &&
    (hold.account === undefined || hold.account === item.account)
  );
}

/** Every active hold that keeps `item`; empty when the item may be expired or deleted. */
export function coveringHolds(holds: readonly LegalHold[], item: HoldSubject, now: Date): LegalHold[] {
  return holds.filter((hold) => holdCovers(hold, item, now));
}
