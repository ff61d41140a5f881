import type { Logger } from '@aws-lambda-powertools/logger';
import { GenerationChangedError, LeaseLostError } from '../errors.js';
import {
  addCounts,
  type DeletionSubject,
  needsRecheck,
  statusAfterPass,
  unionIds,
  zeroCounts,
} from '../policy/deletion.js';
import { originalExpiresAt } from '../policy/expiry.js';
import { coveringHolds, type LegalHold } from '../policy/legal-holds.js';
import type {
  DeletionProgressStore,
  DeletionRequest,
  DeletionRequestReader,
} from '../store/deletion-requests.js';
import type { ExpiryStateStore } from '../store/expiry-state.js';
import type { LegalHoldStore } from '../store/legal-holds.js';
import { erasureSteps, type OwnerIndexItem, type PersonalErasureStore } from '../store/personal-erasure.js';
import type { ItemKey } from '../store/personal-keys.js';
import { isHeldSnapshot } from '../store/tombstones.js';

/**
 * One worker's pass over one deletion request: walk the owner index from the saved cursor, and for
 * each page save the cursor and the batch about to go (checkpoint), delete it, then count it
 * (commitPending). A crash between any two steps resumes exactly: an unfinished batch is deleted
 * again (a no-op for what is gone) and counted once. Items a legal hold covers are left and counted
 * as withheld; a pass that withheld anything leaves the request `withheld` for a later re-check.
 */
export interface EraseDeps {
  /** The worker's side of the requests: lease, checkpoints, end of pass, and re-reading its request. */
  readonly requests: DeletionProgressStore & Pick<DeletionRequestReader, 'get'>;
  readonly erasure: PersonalErasureStore;
  readonly holds: LegalHoldStore;
  /** Rewinds the tombstones' checkpoint when an erased message was overdue from an earlier month. */
  readonly expiryState: Pick<ExpiryStateStore, 'noteExpiry'>;
  readonly now: () => Date;
  readonly logger?: Logger;
  /** Owner-index items read per page (default 100: four BatchWriteItem calls). */
  readonly pageSize?: number;
}

export interface EraseBudget {
  /** Who holds the lease: unique per invocation. */
  readonly owner: string;
  /** How long the lease lasts: at least until this invocation must stop. */
  readonly leaseMs: number;
  /** False once the invocation must stop and hand over. */
  readonly hasTime: () => boolean;
}

export type EraseOutcome = 'completed' | 'withheld' | 'yielded' | 'skipped';

const MAX_RESTARTS = 5;

export function subjectOf(request: DeletionRequest): DeletionSubject {
  if (request.subject === 'allAccounts') return { kind: 'allAccounts' };
  if (request.subject === 'group') {
    if (request.groupId === undefined) throw new Error(`group request ${request.id} has lost its group`);
    return { kind: 'group', groupId: request.groupId };
  }
  if (request.account === undefined) throw new Error(`open request ${request.id} has lost its account`);
  return { kind: 'account', account: request.account };
}

/** Whether a request is due for a pass now: any non-withheld request, or a withheld one whose holds changed. */
export async function isDue(request: DeletionRequest, holds: LegalHoldStore, now: Date): Promise<boolean> {
  if (request.status !== 'withheld') return true;
  return needsRecheck(request.withheld.holds, await holds.activeForApp(request.app, now), now);
}

/** Runs (or resumes) the request's pass until it finishes or the budget runs out. */
export async function eraseRequest(
  deps: EraseDeps,
  ref: { app: string; id: string },
  budget: EraseBudget,
): Promise<EraseOutcome> {
  let request = await deps.requests.acquire(ref.app, ref.id, budget.owner, deps.now(), budget.leaseMs);
  if (!request) return 'skipped';
  for (let restart = 0; ; restart++) {
    try {
      return await runPass(deps, request, budget);
    } catch (error) {
      if (error instanceof LeaseLostError) return 'skipped';
      if (!(error instanceof GenerationChangedError) || restart >= MAX_RESTARTS) {
        await deps.requests.release(request, budget.owner).catch(() => undefined);
        throw error;
      }
      const reloaded = await deps.requests.get(ref.app, ref.id);
      if (!reloaded) return 'skipped';
      request = reloaded;
    }
  }
}

async function runPass(
  deps: EraseDeps,
  initial: DeletionRequest,
  budget: EraseBudget,
): Promise<EraseOutcome> {
  const { requests, erasure } = deps;
  const pageSize = deps.pageSize ?? 100;
  let request = initial;
  if (request.pending) request = await finishPending(deps, request, budget.owner);

  const steps = erasureSteps(request.app, subjectOf(request), request.categories);
  let cursor = request.cursor ?? { step: 0 };
  let passWithheld = request.passWithheld ?? zeroCounts();
  let passHolds = request.passHolds ?? [];

  while (cursor.step < steps.length) {
    if (!budget.hasTime()) {
      await requests.release(request, budget.owner);
      return 'yielded';
    }
    const step = steps[cursor.step];
    if (!step) break;
    const page = await erasure.readPage(step, cursor.lastKey, pageSize);
    const now = deps.now();
    const holds = await deps.holds.activeForApp(request.app, now);
    const decision = decide(request, page.items, holds, now);
    passWithheld = addCounts(passWithheld, decision.withheld);
    passHolds = unionIds(passHolds, decision.holdIds);
    cursor = page.lastKey ? { step: cursor.step, lastKey: page.lastKey } : { step: cursor.step + 1 };
    const work = decision.batch.deletes.length + decision.batch.tombstones.length;
    request = await requests.checkpoint(request, budget.owner, {
      cursor,
      passWithheld,
      passHolds,
      ...(work > 0
        ? {
            pending: {
              keys: [...decision.batch.deletes],
              tombstones: [...decision.batch.tombstones],
              counts: decision.deleted,
            },
          }
        : {}),
    });
    if (request.pending) request = await finishPending(deps, request, budget.owner);
  }

  const status = statusAfterPass(passWithheld);
  const at = deps.now();
  await requests.finishPass(
    request,
    budget.owner,
    status === 'completed' ? { status, at } : { status, at, withheld: { ...passWithheld, holds: passHolds } },
  );
  deps.logger?.info('deletion pass finished', {
    requestId: request.id,
    app: request.app,
    status,
    deleted: request.deleted,
    withheld: passWithheld,
  });
  return status;
}

async function finishPending(
  deps: EraseDeps,
  request: DeletionRequest,
  owner: string,
): Promise<DeletionRequest> {
  const tombstones = request.pending?.tombstones ?? [];
  await deps.erasure.apply({ deletes: request.pending?.keys ?? [], tombstones }, deps.now());
  // A tombstone keeps its message's expiry: an overdue one may lie in a month `expire` drained already.
  if (tombstones.length > 0)
    await deps.expiryState.noteExpiry(
      'tombstone',
      Math.min(...tombstones.map((t) => t.expiresAt)),
      deps.now(),
    );
  return deps.requests.commitPending(request, owner);
}

/**
 * Splits a page into what goes now and what a legal hold keeps. A message becomes a tombstone keeping its
 * expiry (a replayed after-send stores nothing); a held snapshot or a profile is deleted.
 */
function decide(
  request: DeletionRequest,
  items: readonly OwnerIndexItem[],
  holds: readonly LegalHold[],
  now: Date,
) {
  const deletes: ItemKey[] = [];
  const tombstones: Array<{ key: ItemKey; app: string; expiresAt: number }> = [];
  let deleted = zeroCounts();
  let withheld = zeroCounts();
  let holdIds: string[] = [];
  for (const item of items) {
    // The index key already confines the page to the app (and the account); checked again regardless.
    if (item.app !== request.app || !request.categories.includes(item.category)) continue;
    if (request.subject === 'account' && item.account !== request.account) continue;
    const covering = coveringHolds(
      holds,
      { app: item.app, category: item.category, account: item.account },
      now,
    );
    if (covering.length > 0) {
      withheld = addCounts(withheld, { [item.category]: 1 });
      holdIds = unionIds(
        holdIds,
        covering.map((hold) => hold.id),
      );
      continue;
    }
    const key = { pk: item.pk, sk: item.sk };
    if (item.category === 'messages' && !isHeldSnapshot(key))
      tombstones.push({ key, app: item.app, expiresAt: originalExpiresAt(Number(item.expiresAt)) });
    else deletes.push(key);
    deleted = addCounts(deleted, { [item.category]: 1 });
  }
  return { batch: { deletes, tombstones }, deleted, withheld, holdIds };
}
