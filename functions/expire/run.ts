import { CATEGORY_IDS } from '../../lib/policy/categories.js';
import { CONSENT_KIND } from '../../lib/policy/consent.js';
import { EVIDENCE_KIND } from '../../lib/policy/evidence.js';
import {
  decideExpiry,
  decideHeld,
  type ExpiringKind,
  expiryCutoff,
  HOLD_LOOKAHEAD_SECONDS,
  holdsTouchCategory,
  isOverdue,
  monthsToWalk,
  nextCheckpoint,
  originalExpiresAt,
  releasedHoldIds,
} from '../../lib/policy/expiry.js';
import { coveringHolds, type LegalHold } from '../../lib/policy/legal-holds.js';
import { epochSeconds, instantOfSeconds } from '../../lib/policy/time.js';
import {
  CATEGORY_TABLES,
  createLimiter,
  type ExpiringTableKey,
  type ExpiryIndex,
  heldBucket,
  type IndexEntry,
} from '../../lib/store/expiry-index.js';
import type { ExpiryStateStore, HeldBucketRecord } from '../../lib/store/expiry-state.js';
import { expiryBucketsOfMonth } from '../../lib/store/keys.js';
import type { ActiveHolds } from '../../lib/store/legal-holds.js';
import { isHeldSnapshot, TOMBSTONE_KIND } from '../../lib/store/tombstones.js';
import { applyCuts, type CutDeps, type CutReport } from './cuts.js';

/** One expire run over the expiry index of every kind (docs/expiry.md). */
export interface ExpiryDeps {
  indexes: Readonly<Record<ExpiringTableKey, ExpiryIndex>>;
  state: ExpiryStateStore;
  holds: ActiveHolds;
  /** Retention cuts waiting to be applied to what is stored; absent: none are. */
  cuts?: Omit<CutDeps, 'index' | 'state'>;
}

/** Every kind a run walks: the policy categories, the tombstones recalls and erasures leave, consent records, run evidence. */
export const EXPIRING_KINDS: readonly ExpiringKind[] = [
  ...CATEGORY_IDS,
  TOMBSTONE_KIND,
  CONSENT_KIND,
  EVIDENCE_KIND,
];
/** Index entries read per page: the hold registry's generation is compared before each page's writes. */
export const DEFAULT_PAGE_SIZE = 250;

export interface ExpiryRunOptions {
  now: Date;
  graceSeconds: number;
  dryRun: boolean;
  /** True once no new work may start (the Lambda's remaining time is nearly used up). */
  shouldStop: () => boolean;
  categories?: readonly ExpiringKind[];
  /** Buckets walked at once, across categories. */
  bucketConcurrency?: number;
  /** BatchWriteItem / UpdateItem calls in flight at once, across the run. */
  writeConcurrency?: number;
  pageSize?: number;
  /** Told about a bucket that failed; the run carries on with the others. */
  onError?: (category: ExpiringKind, error: unknown) => void;
}

export interface CategoryReport {
  checkpointBefore: string | null;
  checkpointAfter: string | null;
  monthsWalked: number;
  /** Unheld items past the cutoff found (ordinary buckets, and held buckets whose holds ended). */
  due: number;
  /** Of those, deleted by this run (always 0 in a dry run). */
  deleted: number;
  /** Items an active hold covers that are (or will soon be) expired, found on ordinary buckets. */
  holding: number;
  /** Of those, moved to their held bucket by this run (0 in a dry run). */
  held: number;
  /** Held items whose holds ended before their own expiry, put back on their month bucket. */
  restored: number;
  /** Expired, unheld, but within the grace: DynamoDB TTL's turn, else a later run's. */
  withinGrace: number;
  overdueBefore: number;
  overdueAfter: number;
  oldestOverdueSecondsBefore: number;
  oldestOverdueSecondsAfter: number;
  /** False when the run stopped (time) or failed before walking everything. */
  complete: boolean;
  errors: number;
}

export interface ExpiryReport {
  dryRun: boolean;
  startedAt: string;
  cutoff: string;
  graceSeconds: number;
  stoppedEarly: boolean;
  /** Retention cuts applied to what was stored, before the walk (so what they end is deleted by it). */
  cuts: CutReport;
  categories: Partial<Record<ExpiringKind, CategoryReport>>;
}

/** Running minimum and count of overdue expiries, before and after the run's deletes. */
class OverdueTally {
  count = 0;
  oldest = Number.POSITIVE_INFINITY;
  add(expiresAt: number) {
    this.count += 1;
    this.oldest = Math.min(this.oldest, expiresAt);
  }
  ageSeconds(nowSeconds: number) {
    return Number.isFinite(this.oldest) ? Math.max(0, nowSeconds - this.oldest) : 0;
  }
}

const keyId = (entry: { key: Record<string, string> }) => JSON.stringify(entry.key);

export async function runExpiry(deps: ExpiryDeps, options: ExpiryRunOptions): Promise<ExpiryReport> {
  const { now, dryRun, shouldStop } = options;
  const nowSeconds = epochSeconds(now);
  const cutoff = expiryCutoff(now, options.graceSeconds);
  const categories = options.categories ?? EXPIRING_KINDS;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const bucketLimit = createLimiter(options.bucketConcurrency ?? 16);
  const writeLimit = createLimiter(options.writeConcurrency ?? 8);
  let stoppedEarly = false;
  const stop = () => {
    if (!stoppedEarly && shouldStop()) stoppedEarly = true;
    return stoppedEarly;
  };

  // The generation is read before the holds: a hold created in between moves it, and the next check reloads.
  let holdState = { generation: await deps.holds.generation(), holds: await deps.holds.listActive(now) };
  let reloading: Promise<void> | undefined;
  /** The active holds, reloaded whenever one came or went since they were read (one GetItem per call). */
  async function currentHolds(): Promise<readonly LegalHold[]> {
    const generation = await deps.holds.generation();
    if (generation !== holdState.generation) {
      reloading ??= deps.holds.listActive(now).then((holds) => {
        holdState = { generation, holds };
        reloading = undefined;
      });
      await reloading;
    }
    return holdState.holds;
  }
  const activeHolds = holdState.holds;

  const cutReport = deps.cuts
    ? await applyCuts(
        { ...deps.cuts, index: deps.indexes.personal, state: deps.state },
        { now, holds: currentHolds, shouldStop: stop, dryRun },
      )
    : { applied: 0, shortened: 0, parked: 0, pending: 0 };
  const heldBuckets = await deps.state.listHeldBuckets();

  async function runCategory(category: ExpiringKind): Promise<CategoryReport> {
    const index = deps.indexes[CATEGORY_TABLES[category]];
    const before = new OverdueTally();
    const after = new OverdueTally();
    const report = {
      due: 0,
      deleted: 0,
      holding: 0,
      held: 0,
      restored: 0,
      withinGrace: 0,
      errors: 0,
    };
    const recorded = new Map<string, Promise<void>>();

    /** Registers the covering holds on the held bucket's record (once per run), then moves the item. */
    async function moveToHeld(entry: IndexEntry, holds: readonly LegalHold[]): Promise<void> {
      const ids = coveringHolds(holds, entry, now)
        .map((hold) => hold.id)
        .sort();
      const recordKey = `${entry.app}\u0000${ids.join(',')}`;
      if (!recorded.has(recordKey)) recorded.set(recordKey, deps.state.recordHeld(category, entry.app, ids));
      await recorded.get(recordKey);
      if (await writeLimit(() => index.hold(entry))) report.held += 1;
    }

    /** Deletes `entries`, and tallies what stays overdue; false if any is left. */
    async function deleteAll(entries: IndexEntry[]): Promise<boolean> {
      if (dryRun) {
        for (const entry of entries) after.add(originalExpiresAt(entry.expiresAt));
        return true;
      }
      const control = { shouldStop: stop, limit: writeLimit };
      // A withdrawn consent can be granted again: its record is deleted only if it still expires as seen.
      const { deleted, remaining } =
        category === CONSENT_KIND
          ? await index.deleteUnchanged(entries, control)
          : await index.deleteKeys(
              entries.map((entry) => entry.key),
              control,
            );
      report.deleted += deleted;
      const left = new Set(remaining.map((key) => JSON.stringify(key)));
      for (const entry of entries) if (left.has(keyId(entry))) after.add(originalExpiresAt(entry.expiresAt));
      return remaining.length === 0;
    }

    /** Walks one month bucket; true when everything due in it was dealt with. */
    async function walkBucket(bucket: string, upTo: number): Promise<boolean> {
      if (stop()) return false;
      let drained = true;
      for await (const page of index.pages(bucket, { upTo, pageSize })) {
        if (stop()) return false;
        const holds = await currentHolds();
        const toDelete: IndexEntry[] = [];
        const toHold: IndexEntry[] = [];
        for (const entry of page) {
          if (isOverdue(entry, holds, now)) before.add(entry.expiresAt);
          switch (decideExpiry(entry, holds, now, cutoff)) {
            case 'hold':
              report.holding += 1;
              toHold.push(entry);
              break;
            case 'delete':
              report.due += 1;
              toDelete.push(entry);
              break;
            case 'withinGrace':
              report.withinGrace += 1;
              after.add(entry.expiresAt);
              break;
            case 'notDue':
              break;
          }
        }
        if (!dryRun) await Promise.all(toHold.map((entry) => moveToHeld(entry, holds)));
        if (!(await deleteAll(toDelete))) drained = false;
      }
      return drained;
    }

    /**
     * Sweeps a held bucket once one of the holds recorded on it has ended. A held snapshot (values an
     * edit or a profile write superseded) is deleted as soon as no hold covers it: it was kept for the hold.
     */
    async function sweepHeld(record: HeldBucketRecord): Promise<boolean> {
      const activeIds = new Set(
        activeHolds.filter((h) => h.app === record.app && holdsTouchCategory([h], category)).map((h) => h.id),
      );
      const released = releasedHoldIds(record.holdIds, activeIds);
      if (released.length === 0 && record.holdIds.length > 0) return true;
      let kept = 0;
      let done = true;
      for await (const page of index.pages(heldBucket(category, record.app), { pageSize })) {
        if (stop()) return false;
        const holds = await currentHolds();
        const toDelete: IndexEntry[] = [];
        for (const entry of page) {
          if (isOverdue(entry, holds, now)) before.add(originalExpiresAt(entry.expiresAt));
          const decision = decideHeld(entry, holds, now, cutoff);
          if (decision === 'keep') kept += 1;
          else if (decision === 'delete' || isHeldSnapshot(entry.key)) {
            report.due += 1;
            toDelete.push(entry);
          } else {
            if (isOverdue(entry, holds, now)) {
              report.withinGrace += 1;
              after.add(originalExpiresAt(entry.expiresAt));
            }
            if (!dryRun && (await writeLimit(() => index.restore(entry)))) report.restored += 1;
          }
        }
        if (!(await deleteAll(toDelete))) done = false;
      }
      if (!done || dryRun || stop()) return done;
      await deps.state.forgetReleased(category, record.app, released);
      if (kept === 0) await deps.state.removeHeldBucket(category, record.app);
      return true;
    }

    const checkpoint = await deps.state.getCheckpoint(category);
    const upTo = holdsTouchCategory(activeHolds, category) ? nowSeconds + HOLD_LOOKAHEAD_SECONDS : nowSeconds;
    const months = monthsToWalk(checkpoint.month, upTo, now);
    const undrained = new Set<string>();
    let complete = true;

    const guarded = async (work: () => Promise<boolean>, month?: string) => {
      try {
        if (!(await work())) {
          complete = false;
          if (month) undrained.add(month);
        }
      } catch (error) {
        report.errors += 1;
        complete = false;
        if (month) undrained.add(month);
        options.onError?.(category, error);
      }
    };

    await Promise.all([
      ...months.flatMap((month) =>
        expiryBucketsOfMonth(category, month).map((bucket) =>
          bucketLimit(() => guarded(() => walkBucket(bucket, upTo), month)),
        ),
      ),
      ...heldBuckets
        .filter((record) => record.category === category)
        .map((record) => bucketLimit(() => guarded(() => sweepHeld(record)))),
    ]);

    let checkpointAfter = checkpoint.month ?? null;
    const drained = new Set(months.filter((month) => !undrained.has(month)));
    const next = nextCheckpoint(months, drained, cutoff);
    if (!dryRun && (checkpoint.month === undefined || next > checkpoint.month)) {
      if (await deps.state.advanceCheckpoint(category, next, checkpoint)) checkpointAfter = next;
    }

    return {
      checkpointBefore: checkpoint.month ?? null,
      checkpointAfter,
      monthsWalked: months.length,
      ...report,
      overdueBefore: before.count,
      overdueAfter: after.count,
      oldestOverdueSecondsBefore: before.ageSeconds(nowSeconds),
      oldestOverdueSecondsAfter: after.ageSeconds(nowSeconds),
      complete,
    };
  }

  const reports = await Promise.all(
    categories.map(async (category) => [category, await runCategory(category)] as const),
  );
  return {
    dryRun,
    startedAt: now.toISOString(),
    cutoff: instantOfSeconds(cutoff).toISOString(),
    graceSeconds: options.graceSeconds,
    stoppedEarly,
    cuts: cutReport,
    categories: Object.fromEntries(reports),
  };
}
