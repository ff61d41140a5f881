import { type EraseBudget, type EraseDeps, eraseRequest } from '../../lib/operations/erase-request.js';
import { PERSONAL_CATEGORY_IDS } from '../../lib/policy/categories.js';
import type { StoredApp } from '../../lib/store/apps.js';
import type { ConsentStore } from '../../lib/store/consents.js';
import type { DeletionRequest, DeletionRequestCreator } from '../../lib/store/deletion-requests.js';
import type { InactiveHoldEraser } from '../../lib/store/legal-holds.js';
import type { TelemetryStore } from '../../lib/store/telemetry.js';

/**
 * End of service (P4 with D1–D3): before an app's configuration goes, everything of its end users
 * goes. Its `userInfo` and `messages` through an allAccounts deletion request (the D3 worker's
 * erasure: resumable, checkpointed, legal holds respected: what a hold covers stays and is erased after
 * the release, by the same request), its P2 records and P3 rows, and its holds that no longer hold
 * anything (they name accounts), and its consent records (D6, evidence the customer could read until
 * purgeAt). Receipts keep accounts only as keyed hashes and stay. A run that
 * runs out of time answers 'pending'; the next purge run (or the worker's schedule) goes on.
 */
export interface AppErasureDeps {
  readonly requests: DeletionRequestCreator;
  readonly erase: EraseDeps;
  readonly telemetry: Pick<TelemetryStore, 'eraseApp'>;
  readonly holds: InactiveHoldEraser;
  /** D6: the app's consent records (they name accounts), all of them, withdrawn or active. */
  readonly consents: Pick<ConsentStore, 'eraseApp'>;
}

export interface AppErasure {
  readonly requestId: string;
  /** What the request erased, and what legal holds keep (until their release). */
  readonly deleted: DeletionRequest['deleted'];
  readonly withheld: DeletionRequest['withheld'];
  readonly telemetry: { log: number; monitoring: number };
  readonly erasedHolds: string[];
  /** How many consent records went. */
  readonly consents: number;
}

/** P2 records live 7 days; an hour more covers the clock's skew and a late flush. */
const LOG_WINDOW_MS = (7 * 24 + 1) * 3600 * 1000;

/**
 * The purge's allAccounts erasure of the app's `userInfo` and `messages` (legal holds respected), resumed
 * where a run stopped: the finished request, or `pending` when the budget ran out first.
 */
export async function eraseAppPersonalData(
  deps: Pick<AppErasureDeps, 'requests' | 'erase'>,
  app: StoredApp,
  now: Date,
  budget: EraseBudget,
  previousPurge: Date | undefined,
): Promise<DeletionRequest | 'pending'> {
  const { request } = await deps.requests.create(
    {
      app: app.sdkAppId,
      subject: 'allAccounts',
      categories: [...PERSONAL_CATEGORY_IDS],
      requestedBy: 'purge',
      // The same purge finds its own request again on its next run instead of starting another pass;
      // the purge of a later registration of the same SdkAppid gets its own (found by MODEL_RUNS=500:
      // two registrations purged at the same instant once shared one, and the second erased nothing).
      idempotencyKey: app.registrationId
        ? `purge:${app.registrationId}`
        : `purge:${previousPurge?.toISOString() ?? 'first'}:${app.purgeAt ?? ''}`,
    },
    now,
  );
  if (request.status === 'completed' || request.status === 'withheld') return request;
  const outcome = await eraseRequest(deps.erase, request, budget);
  if (outcome !== 'completed' && outcome !== 'withheld') return 'pending';
  return (await deps.erase.requests.get(app.sdkAppId, request.id)) ?? request;
}

/** Everything of the app's end users, then its P2/P3 data and released holds: what the receipt counts. */
export async function eraseAppData(
  deps: AppErasureDeps,
  app: StoredApp,
  now: Date,
  budget: EraseBudget,
  previousPurge: Date | undefined,
): Promise<AppErasure | 'pending'> {
  const current = await eraseAppPersonalData(deps, app, now, budget, previousPurge);
  if (current === 'pending') return 'pending';
  const telemetry = await deps.telemetry.eraseApp(app.sdkAppId, {
    from: new Date(now.getTime() - LOG_WINDOW_MS),
    to: now,
  });
  const erasedHolds = await deps.holds.eraseInactive(app.sdkAppId, now);
  const consents = await deps.consents.eraseApp(app.sdkAppId);
  return {
    requestId: current.id,
    deleted: current.deleted,
    withheld: current.withheld,
    telemetry,
    erasedHolds,
    consents,
  };
}
