import { CATEGORY_IDS, type CategoryId } from '../../lib/policy/categories.js';
import { CONSENT_KIND } from '../../lib/policy/consent.js';
import {
  firstMonthToWalk,
  furthestExpiryMonth,
  holdsTouchCategory,
  isOverdue,
  isPurgeLeftover,
  originalExpiresAt,
} from '../../lib/policy/expiry.js';
import type { LegalHold } from '../../lib/policy/legal-holds.js';
import { epochSeconds, monthOf, monthRange } from '../../lib/policy/time.js';
import type { AppPersonalEntries } from '../../lib/store/app-personal-entries.js';
import type { ConsentLeftovers } from '../../lib/store/consents.js';
import {
  CATEGORY_TABLES,
  createLimiter,
  type ExpiringTableKey,
  type ExpiryIndex,
  heldBucket,
} from '../../lib/store/expiry-index.js';
import type { ExpiryStateStore } from '../../lib/store/expiry-state.js';
import { expiryBucketsOfMonth } from '../../lib/store/keys.js';
import type { ActiveHolds } from '../../lib/store/legal-holds.js';

/**
 * GET /conformance evidence, from the expiry index only (Query, Select COUNT; never a Scan):
 * `stored` counts every index entry from the checkpoint month to the furthest month an item of the
 * category can expire in, plus its held buckets; `overdue` counts items stored past their expiry
 * that no active hold covers; `oldestOverdueSeconds` is the age of the oldest of them. End of service:
 * the `userInfo` and `messages` of an app past its `purgeAt` are overdue from `purgeAt` on until the
 * purge erased them (read through the owner index, for those apps only), unless a hold covers them, and
 * so are its consent records (`consent`: otherwise only withdrawn records past their evidence period).
 */
export interface CategoryConformance {
  stored: number;
  overdue: number;
  oldestOverdueSeconds: number;
}

export interface ConformanceReport {
  checkedAt: string;
  /** Per policy category, and `consent`: withdrawn consent records kept as D6 evidence (active ones never expire). */
  categories: Record<MeasuredKind, CategoryConformance>;
}

/** What is measured: every policy category, and consent records (personal data with an expiry of their own). */
type MeasuredKind = CategoryId | typeof CONSENT_KIND;
const MEASURED_KINDS: readonly MeasuredKind[] = [...CATEGORY_IDS, CONSENT_KIND];

/** What a measurement reads: the expiry indexes, the expiry checkpoints and held buckets, active holds. */
export interface ConformanceDeps {
  readonly indexes: Readonly<Record<ExpiringTableKey, ExpiryIndex>>;
  readonly state: Pick<ExpiryStateStore, 'getCheckpoint' | 'listHeldBuckets'>;
  readonly holds: ActiveHolds;
  /** Apps past their `purgeAt` whose configuration (deleted last) is still there: their purge is not done. */
  readonly purgeDue: { dueApps(now: Date): Promise<Array<{ sdkAppId: string; purgeAt: Date }>> };
  readonly appEntries: AppPersonalEntries;
  readonly consents: ConsentLeftovers;
}

export async function measureConformance(
  deps: ConformanceDeps,
  opts: { now: Date; concurrency?: number },
): Promise<ConformanceReport> {
  const { now } = opts;
  const nowSeconds = epochSeconds(now);
  const currentMonth = monthOf(nowSeconds);
  const limit = createLimiter(opts.concurrency ?? 32);
  const [holds, heldBuckets] = await Promise.all([deps.holds.listActive(now), deps.state.listHeldBuckets()]);

  async function measure(category: MeasuredKind): Promise<CategoryConformance> {
    const index = deps.indexes[CATEGORY_TABLES[category]];
    const checkpoint = await deps.state.getCheckpoint(category);
    const months = monthRange(firstMonthToWalk(checkpoint.month, now), furthestExpiryMonth(category, now));
    // Without a hold on the category, counts suffice; with one, due entries are read to check coverage.
    const perItem = holdsTouchCategory(holds, category);
    const result = { stored: 0, overdue: 0, oldest: Number.POSITIVE_INFINITY };
    const overdueEntry = (expiresAt: number) => {
      result.overdue += 1;
      result.oldest = Math.min(result.oldest, originalExpiresAt(expiresAt));
    };

    async function measureBucket(bucket: string, month: string) {
      // Never `x += await ...`: that reads x before the await and loses the other buckets' counts.
      const stored = await index.count(bucket);
      result.stored += stored;
      if (month > currentMonth) return;
      if (perItem) {
        await readOverdue(index, bucket, holds, now, overdueEntry, nowSeconds);
        return;
      }
      // A past month lies wholly before now: every entry in it is overdue; one COUNT gives both.
      const overdue = month < currentMonth ? stored : await index.count(bucket, { upTo: nowSeconds });
      result.overdue += overdue;
      const earliest = overdue > 0 ? await index.earliest(bucket, nowSeconds) : undefined;
      if (earliest !== undefined) result.oldest = Math.min(result.oldest, earliest);
    }

    await Promise.all([
      ...months.flatMap((month) =>
        expiryBucketsOfMonth(category, month).map((bucket) => limit(() => measureBucket(bucket, month))),
      ),
      ...heldBuckets
        .filter((record) => record.category === category)
        .map((record) =>
          limit(async () => {
            for await (const page of index.pages(heldBucket(category, record.app))) {
              result.stored += page.length;
              for (const entry of page) if (isOverdue(entry, holds, now)) overdueEntry(entry.expiresAt);
            }
          }),
        ),
    ]);
    return {
      stored: result.stored,
      overdue: result.overdue,
      oldestOverdueSeconds: Number.isFinite(result.oldest) ? Math.max(0, nowSeconds - result.oldest) : 0,
    };
  }

  /** Per personal category and consent: leftovers of unfinished purges, and the earliest `purgeAt` among them. */
  async function purgeLeftovers() {
    const found = {
      userInfo: { count: 0, since: nowSeconds },
      messages: { count: 0, since: nowSeconds },
      consent: { count: 0, since: nowSeconds },
    };
    const due = await deps.purgeDue.dueApps(now);
    await Promise.all(
      due.map(({ sdkAppId, purgeAt }) =>
        limit(async () => {
          // Consent records are not covered by legal holds (docs/policy.md): every live one is left over.
          const consents = await deps.consents.countLive(sdkAppId, now);
          if (consents > 0) {
            found.consent.count += consents;
            found.consent.since = Math.min(found.consent.since, epochSeconds(purgeAt));
          }
          for await (const page of deps.appEntries.pages(sdkAppId)) {
            for (const entry of page) {
              if (!isPurgeLeftover(entry, holds, now)) continue;
              const left = found[entry.category];
              left.count += 1;
              left.since = Math.min(left.since, epochSeconds(purgeAt));
            }
          }
        }),
      ),
    );
    return found;
  }

  const [measured, leftovers] = await Promise.all([
    Promise.all(MEASURED_KINDS.map(async (category) => [category, await measure(category)] as const)),
    purgeLeftovers(),
  ]);
  const categories = Object.fromEntries(measured) as ConformanceReport['categories'];
  for (const category of ['userInfo', 'messages', CONSENT_KIND] as const) {
    const left = leftovers[category];
    if (left.count === 0) continue;
    const measuredCategory = categories[category];
    measuredCategory.overdue += left.count;
    measuredCategory.oldestOverdueSeconds = Math.max(
      measuredCategory.oldestOverdueSeconds,
      nowSeconds - left.since,
    );
  }
  return { checkedAt: now.toISOString(), categories };
}

async function readOverdue(
  index: ExpiryIndex,
  bucket: string,
  holds: readonly LegalHold[],
  now: Date,
  onOverdue: (expiresAt: number) => void,
  nowSeconds: number,
) {
  for await (const page of index.pages(bucket, { upTo: nowSeconds })) {
    for (const entry of page) if (isOverdue(entry, holds, now)) onOverdue(entry.expiresAt);
  }
}
