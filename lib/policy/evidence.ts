import { epochSeconds } from './time.js';

const SECONDS_PER_DAY = 86_400;

/**
 * Conformance history: what every `expire` and `purge` run found and did, per category, kept as
 * evidence for EVIDENCE_RETENTION_DAYS (docs/policy.md, "Evidence"): counts, times and run outcomes only,
 * never an account, an app's data or content. Expired by the same machinery as everything else.
 */
export const EVIDENCE_KIND = 'evidence' as const;

/** 400 days: a yearly audit can ask about any day of the year it covers, plus a quarter to ask it in. */
export const EVIDENCE_RETENTION_DAYS = 400;

export interface CategoryEvidence {
  readonly due: number;
  readonly deleted: number;
  readonly held: number;
  readonly withinGrace: number;
  readonly overdueBefore: number;
  readonly overdueAfter: number;
  readonly oldestOverdueSecondsBefore: number;
  readonly oldestOverdueSecondsAfter: number;
  readonly errors: number;
}

export interface ExpireEvidence {
  readonly run: 'expire';
  readonly startedAt: string;
  readonly completed: boolean;
  readonly categories: Readonly<Record<string, CategoryEvidence>>;
}

export interface PurgeEvidence {
  readonly run: 'purge';
  readonly startedAt: string;
  readonly completed: boolean;
  /** Apps found due, purged, kept by a hold, still erasing, failed. */
  readonly apps: {
    readonly candidates: number;
    readonly purged: number;
    readonly held: number;
    readonly erasing: number;
    readonly failed: number;
  };
}

export type RunEvidence = ExpireEvidence | PurgeEvidence;

/** When a run's evidence expires (epoch seconds). */
export function evidenceExpiresAt(startedAt: Date): number {
  return epochSeconds(startedAt) + EVIDENCE_RETENTION_DAYS * SECONDS_PER_DAY;
}
