import type { Logger } from '@aws-lambda-powertools/logger';
import type { PurgeReceiptBody } from '../../lib/evidence/receipts.js';
import type { EraseBudget } from '../../lib/operations/erase-request.js';
import { coveringHolds, type LegalHold } from '../../lib/policy/legal-holds.js';
import { hasArrived } from '../../lib/policy/time.js';
import { APP_CATEGORY, type AppPurgeStore, type StoredApp } from '../../lib/store/apps.js';
import type { AuditEntry, AuditStore } from '../../lib/store/audit.js';
import type { PurgeReceiptStore } from '../../lib/store/purge-receipts.js';
import type { RetentionCutRegistry } from '../../lib/store/retention-cut-registry.js';
import type { AppErasure } from './erase-app.js';

/**
 * P4 with D1–D3, at purgeAt: first erases everything of the app's end users (erase-app.ts), then deletes
 * the configuration (and its secrets), leaving one audit receipt without personal data. Finds the apps
 * by Query on the apps table's byExpiry index, never a Scan.
 * Safe to run concurrently and to repeat: each deletion is conditional on the version it read, and
 * its audit record is written in the same transaction, so exactly one run records each purge.
 * A legal hold covering `config` keeps the app: its expiry is moved to the next re-check instead.
 */
export interface PurgeDependencies {
  readonly appStore: AppPurgeStore;
  readonly auditStore: AuditStore;
  readonly holds: { activeForApp(app: string, now: Date): Promise<LegalHold[]> };
  /** Erases the app's end-user data first (erase-app.ts); 'pending' keeps the configuration for the next run. */
  readonly eraseApp: (app: StoredApp, now: Date, budget: EraseBudget) => Promise<AppErasure | 'pending'>;
  /**
   * Only the end users' data (erase-app.ts): what a purge withheld by a hold on the configuration still
   * erases at purgeAt, since that hold covers the configuration, not the data no hold names.
   */
  readonly erasePersonalData: (app: StoredApp, now: Date, budget: EraseBudget) => Promise<unknown>;
  /** Marks the SdkAppid purged, so a new registration of it starts with cuts hiding the old data. */
  readonly cuts: Pick<RetentionCutRegistry, 'purgedFor'>;
  /** Where the purge's receipt is kept, apart from the app, so it outlives the purge (signed when read). */
  readonly receipts: Pick<PurgeReceiptStore, 'putFor'>;
  /** The time this run may spend erasing (default: without limit). */
  readonly budget?: EraseBudget;
  readonly logger?: Logger;
}

export interface PurgeOptions {
  /** Held apps are found this early, so TTL never reaches them between runs (default 2 h; rate is 1 h). */
  readonly lookaheadSeconds?: number;
  /** How far a held app's expiry moves: a released hold lets its purge through within this (default 3 h). */
  readonly holdRecheckSeconds?: number;
  /** Months of past expiry buckets to look in besides the current one (default 3). */
  readonly lookbackMonths?: number;
  /** Apps processed at once (default 8). */
  readonly concurrency?: number;
}

export interface PurgeReport {
  readonly checkedAt: string;
  readonly candidates: number;
  readonly purged: string[];
  readonly held: Array<{ sdkAppId: string; holds: string[] }>;
  /** Not due yet, reactivated, already gone, or another run won the conditional write. */
  readonly skipped: number;
  /** Apps whose end-user data is still being erased; their configuration goes on a later run. */
  readonly erasing: string[];
  readonly failed: string[];
}

export const PURGE_ACTION = 'configPurged';

type Outcome =
  | { kind: 'purged' }
  | { kind: 'held'; holds: string[] }
  | { kind: 'skipped' }
  | { kind: 'erasing' }
  | { kind: 'failed' };

export async function purgeDueApps(
  deps: PurgeDependencies,
  now: Date,
  opts: PurgeOptions = {},
): Promise<PurgeReport> {
  const lookaheadMs = (opts.lookaheadSeconds ?? 7200) * 1000;
  const recheckMs = (opts.holdRecheckSeconds ?? 10_800) * 1000;
  const candidates = await deps.appStore.findPurgeCandidates(new Date(now.getTime() + lookaheadMs), {
    lookbackMonths: opts.lookbackMonths ?? 3,
  });
  const ids = [...new Set(candidates.map((candidate) => candidate.sdkAppId))];

  const report = {
    checkedAt: now.toISOString(),
    candidates: ids.length,
    purged: [] as string[],
    held: [] as Array<{ sdkAppId: string; holds: string[] }>,
    skipped: 0,
    erasing: [] as string[],
    failed: [] as string[],
  };
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  for (let start = 0; start < ids.length; start += concurrency) {
    const batch = ids.slice(start, start + concurrency);
    const outcomes = await Promise.all(
      batch.map((sdkAppId) => purgeOne(deps, sdkAppId, now, new Date(now.getTime() + recheckMs))),
    );
    outcomes.forEach((outcome, index) => {
      const sdkAppId = batch[index] as string;
      if (outcome.kind === 'purged') report.purged.push(sdkAppId);
      else if (outcome.kind === 'held') report.held.push({ sdkAppId, holds: outcome.holds });
      else if (outcome.kind === 'failed') report.failed.push(sdkAppId);
      else if (outcome.kind === 'erasing') report.erasing.push(sdkAppId);
      else report.skipped += 1;
    });
  }
  return report;
}

async function purgeOne(
  deps: PurgeDependencies,
  sdkAppId: string,
  now: Date,
  recheckAt: Date,
): Promise<Outcome> {
  try {
    const app = await deps.appStore.readStored(sdkAppId);
    if (app?.status !== 'terminated' || app.purgeAt === undefined) return { kind: 'skipped' };
    const holds = coveringHolds(
      await deps.holds.activeForApp(sdkAppId, now),
      { app: sdkAppId, category: APP_CATEGORY },
      now,
    );
    if (holds.length > 0) {
      // The configuration is parked out of TTL's reach first; then what of the end users no hold covers
      // goes at purgeAt regardless (a failure there is retried at the re-check, the app stays held).
      const holdIds = holds.map((hold) => hold.id);
      const deferred = await deps.appStore.deferPurge(app, recheckAt, holdIds);
      if (deferred) deps.logger?.info('config purge withheld by legal hold', { sdkAppId, holds: holdIds });
      if (deferred && hasArrived(app.purgeAt, now)) {
        try {
          await deps.erasePersonalData(app, now, deps.budget ?? UNLIMITED);
        } catch (error) {
          deps.logger?.error('erasure of a held app failed; retried at its re-check', {
            sdkAppId,
            errorName: error instanceof Error ? error.name : typeof error,
          });
        }
      }
      return deferred ? { kind: 'held', holds: holdIds } : { kind: 'skipped' };
    }
    if (!hasArrived(app.purgeAt, now)) return { kind: 'skipped' };
    const erased = await deps.eraseApp(app, now, deps.budget ?? UNLIMITED);
    if (erased === 'pending') return { kind: 'erasing' };
    // The configuration goes last, with the receipt of everything erased before it.
    const receipt = auditEntryFor(app, now, erased);
    const purged = await deps.appStore.purge(app, now, [
      deps.auditStore.putFor(receipt),
      deps.cuts.purgedFor(app.sdkAppId, now),
      deps.receipts.putFor(purgeReceiptBody(app, now, erased)),
    ]);
    if (purged) deps.logger?.info('app configuration purged', { sdkAppId, purgeAt: app.purgeAt });
    return purged ? { kind: 'purged' } : { kind: 'skipped' };
  } catch (error) {
    deps.logger?.error('app purge failed', {
      sdkAppId,
      errorName: error instanceof Error ? error.name : typeof error,
    });
    return { kind: 'failed' };
  }
}

/** What the audit keeps: ids, times and the names of what was removed; never a value from the config. */
const UNLIMITED: EraseBudget = { owner: 'purge', leaseMs: 900_000, hasTime: () => true };

export function auditEntryFor(app: StoredApp, now: Date, erased?: AppErasure): AuditEntry {
  return {
    app: app.sdkAppId,
    action: PURGE_ACTION,
    at: now.toISOString(),
    details: {
      clause: 'P4',
      sdkAppId: app.sdkAppId,
      terminatedAt: app.terminatedAt ?? null,
      purgeAt: app.purgeAt ?? null,
      purgedAt: now.toISOString(),
      removed: { category: APP_CATEGORY, fields: Object.keys(app.config).sort(), secrets: secretNames(app) },
      ...(erased
        ? {
            deletionRequestId: erased.requestId,
            erased: erasedCounts(erased),
            withheld: erased.withheld,
            erasedHolds: erased.erasedHolds,
          }
        : {}),
    },
  };
}

/** What the purge erased, per category (the audit record and the signed receipt say the same). */
function erasedCounts(erased: AppErasure): Record<string, number> {
  return {
    ...erased.deleted,
    log: erased.telemetry.log,
    monitoring: erased.telemetry.monitoring,
    consent: erased.consents,
  };
}

/** The receipt a customer can verify (GET /apps/{sdkAppId}/purge-receipt signs it): counts, ids, times. */
export function purgeReceiptBody(app: StoredApp, now: Date, erased: AppErasure): PurgeReceiptBody {
  return {
    type: 'purgeReceipt',
    sdkAppId: app.sdkAppId,
    terminatedAt: app.terminatedAt ?? null,
    purgeAt: app.purgeAt ?? null,
    purgedAt: now.toISOString(),
    deletionRequestId: erased.requestId,
    erased: erasedCounts(erased),
    configuration: { removed: true, secrets: secretNames(app) },
    withheld: {
      userInfo: erased.withheld.userInfo,
      messages: erased.withheld.messages,
      holds: [...erased.withheld.holds].sort(),
    },
    erasedHolds: erased.erasedHolds.length,
  };
}

function secretNames(app: StoredApp): string[] {
  const names = ['secretKey'];
  if (app.config.callback?.token !== undefined) names.push('callback.token');
  if (app.config.offlinePush?.some((entry) => entry.appSecret !== undefined))
    names.push('offlinePush.appSecret');
  return names;
}
