import { HOLD_LOOKAHEAD_SECONDS } from '../../lib/policy/expiry.js';
import { coveringHolds, type LegalHold } from '../../lib/policy/legal-holds.js';
import { cutsForAccount, expiryUnderCuts } from '../../lib/policy/retention-cuts.js';
import { epochSeconds, instantOfSeconds } from '../../lib/policy/time.js';
import type { ConsentCoverageLookup } from '../../lib/store/consents.js';
import type { ExpiryIndex } from '../../lib/store/expiry-index.js';
import type { ExpiryStateStore } from '../../lib/store/expiry-state.js';
import { ownerShardsOfApp } from '../../lib/store/keys.js';
import type { OwnerIndexItem, PersonalErasureStore } from '../../lib/store/personal-erasure.js';
import { ownerSortSeconds } from '../../lib/store/personal-keys.js';
import type { PendingCut, RetentionCutRegistry } from '../../lib/store/retention-cut-registry.js';
import type { UserInfoStore } from '../../lib/store/user-info.js';

/**
 * The physical half of a retention cut (lib/policy/retention-cuts.ts): reads hide what a cut ends from
 * the moment the setting changes; this moves the stored expiries, so the expiry index (and with it
 * `expire`, conformance and TTL) agrees. Each pending cut walks its app's owner-index shards, filtered to
 * the cut's category, and moves every item created before the cut to its new, earlier expiry: on its
 * month bucket (where this very run then deletes it when due), or straight out of TTL's reach when a
 * legal hold covers it and its new expiry is near. Resumable: the cursor is saved after every page.
 * Cost follows the app's items of that category, once per cut.
 */
export interface CutDeps {
  readonly registry: RetentionCutRegistry;
  readonly owners: Pick<PersonalErasureStore, 'readPage'>;
  readonly index: ExpiryIndex;
  readonly profiles: Pick<UserInfoStore, 'shorten'>;
  readonly state: Pick<ExpiryStateStore, 'recordHeld' | 'noteExpiry'>;
  /** D6: a consent cut spares accounts consenting since; read once per page of such a cut. */
  readonly consents: ConsentCoverageLookup;
}

export interface CutReport {
  /** Cuts fully applied by this run. */
  applied: number;
  /** Items whose expiry moved (parked ones included). */
  shortened: number;
  /** Of those, moved out of TTL's reach because a hold covers them. */
  parked: number;
  /** Cuts left for the next run (time ran out). */
  pending: number;
}

const PAGE_SIZE = 100;

export async function applyCuts(
  deps: CutDeps,
  opts: { now: Date; holds: () => Promise<readonly LegalHold[]>; shouldStop: () => boolean; dryRun: boolean },
): Promise<CutReport> {
  const report: CutReport = { applied: 0, shortened: 0, parked: 0, pending: 0 };
  const cuts = await deps.registry.listPending();
  if (opts.dryRun) return { ...report, pending: cuts.length };
  for (const cut of cuts) {
    if (opts.shouldStop() || !(await applyCut(deps, cut, opts, report))) report.pending += 1;
    else report.applied += 1;
  }
  return report;
}

async function applyCut(
  deps: CutDeps,
  cut: PendingCut,
  opts: { now: Date; holds: () => Promise<readonly LegalHold[]>; shouldStop: () => boolean },
  report: CutReport,
): Promise<boolean> {
  const shards = ownerShardsOfApp(cut.app);
  const cutAt = Date.parse(cut.at);
  const soon = epochSeconds(opts.now) + HOLD_LOOKAHEAD_SECONDS;
  for (let shard = cut.cursor?.shard ?? 0; shard < shards.length; shard++) {
    let lastKey = shard === cut.cursor?.shard ? cut.cursor.lastKey : undefined;
    do {
      if (opts.shouldStop()) return false;
      const page = await deps.owners.readPage(
        { ownerShard: shards[shard] as string, categories: [cut.category] },
        lastKey,
        PAGE_SIZE,
      );
      const holds = await opts.holds();
      const spared = await sparedAccounts(deps, cut, page.items);
      for (const item of page.items) {
        if (item.app !== cut.app || (item.account !== undefined && spared.has(item.account))) continue;
        // A profile is dated by its latest write; its older fields are checked one by one (profiles.shorten).
        if (item.category === 'messages' && ownerSortSeconds(item.ownerSort) * 1000 >= cutAt) continue;
        const covering = coveringHolds(
          holds,
          { app: item.app, category: item.category, account: item.account },
          opts.now,
        );
        const park = (expiresAt: number) => covering.length > 0 && expiresAt <= soon;
        // Registered before anything is parked, so `expire` always finds the held bucket again.
        if (covering.length > 0)
          await deps.state.recordHeld(
            item.category,
            item.app,
            covering.map((hold) => hold.id),
          );
        const moved = await shortenItem(deps, cut, item, park);
        if (moved === 'unchanged') continue;
        report.shortened += 1;
        if (moved === 'parked') report.parked += 1;
        // Moved into a month `expire` may have drained already: walked again.
        else await deps.state.noteExpiry(item.category, moved.expiresAt, opts.now);
      }
      lastKey = page.lastKey;
      if (
        !(await deps.registry.checkpoint(cut, {
          shard: lastKey ? shard : shard + 1,
          ...(lastKey ? { lastKey } : {}),
        }))
      )
        return true;
    } while (lastKey);
  }
  await deps.registry.complete(cut);
  return true;
}

/** The accounts of a page a consent cut spares: those whose consent has covered its category since. */
async function sparedAccounts(
  deps: CutDeps,
  cut: PendingCut,
  items: readonly OwnerIndexItem[],
): Promise<Set<string>> {
  if (!cut.sparesConsented) return new Set();
  const accounts = items.flatMap((item) =>
    item.app === cut.app && item.account !== undefined ? [item.account] : [],
  );
  const coverage = await deps.consents.coverageOf(cut.app, accounts);
  return new Set(
    [...coverage].flatMap(([account, since]) =>
      cutsForAccount([cut], since[cut.category])?.length === 0 ? [account] : [],
    ),
  );
}

async function shortenItem(
  deps: CutDeps,
  cut: PendingCut,
  item: OwnerIndexItem,
  park: (expiresAt: number) => boolean,
): Promise<'unchanged' | 'parked' | { expiresAt: number }> {
  const stored = Number(item.expiresAt);
  if (item.category === 'userInfo') {
    const outcome = await deps.profiles.shorten({ pk: item.pk, sk: item.sk }, cut, { park });
    return typeof outcome === 'object' || outcome === 'parked' ? outcome : 'unchanged';
  }
  const to = expiryUnderCuts(Math.abs(stored), instantOfSeconds(ownerSortSeconds(item.ownerSort)), [cut]);
  if (!(to < Math.abs(stored))) return 'unchanged';
  const entry = {
    key: { pk: item.pk, sk: item.sk },
    category: item.category,
    app: item.app,
    expiresAt: stored,
  };
  const parkNow = stored > 0 && park(to);
  if (!(await deps.index.shorten(entry, to, { park: parkNow }))) return 'unchanged';
  return parkNow || stored < 0 ? 'parked' : { expiresAt: to };
}
