import { monthsToWalk, ttlReachableExpiry } from '../../lib/policy/expiry.js';
import { holdCovers, type LegalHold } from '../../lib/policy/legal-holds.js';
import { CATEGORY_TABLES, type ExpiringTableKey, type ExpiryIndex } from '../../lib/store/expiry-index.js';
import type { ExpiryStateStore } from '../../lib/store/expiry-state.js';
import { expiryBucketsOfMonth } from '../../lib/store/keys.js';

/**
 * "Legal holds protect from their 201" (docs/expiry.md "Changes of state"). DynamoDB TTL may delete an item
 * only TTL_MARGIN_SECONDS (6 h) after its expiry, long after `expire` (every 15 minutes) has seen a new
 * hold and parked what it covers; so before answering, a new hold itself parks only what TTL could reach
 * before two more runs: items already expired for more than 5 h 15 min and still stored, which exist
 * only when `expire` has been failing. Normally this is a handful of empty Queries.
 */
export interface ProtectDeps {
  readonly indexes: Readonly<Record<ExpiringTableKey, ExpiryIndex>>;
  readonly state: Pick<ExpiryStateStore, 'getCheckpoint' | 'recordHeld'>;
}

export async function parkWhatTtlCouldReach(deps: ProtectDeps, hold: LegalHold, now: Date): Promise<number> {
  const upTo = ttlReachableExpiry(now);
  let parked = 0;
  for (const category of hold.categories) {
    const index = deps.indexes[CATEGORY_TABLES[category]];
    const checkpoint = await deps.state.getCheckpoint(category);
    let recorded = false;
    // From the checkpoint on: `expire` drained the months before it.
    for (const month of monthsToWalk(checkpoint.month, upTo, now)) {
      for (const bucket of expiryBucketsOfMonth(category, month)) {
        for await (const page of index.pages(bucket, { upTo })) {
          for (const entry of page) {
            if (!holdCovers(hold, entry, now)) continue;
            if (!recorded) {
              await deps.state.recordHeld(category, hold.app, [hold.id]);
              recorded = true;
            }
            if (await index.hold(entry)) parked += 1;
          }
        }
      }
    }
  }
  return parked;
}
