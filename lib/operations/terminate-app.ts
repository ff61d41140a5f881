import { BadRequestError, StoreError } from '../errors.js';
import type { AppStore } from '../store/apps.js';

/** A termination may be recorded late (a past terminatedAt) but not ahead of time, beyond clock skew. */
export const MAX_FUTURE_TERMINATION_SECONDS = 300;

export interface TerminationAnswer {
  status: 'terminated';
  terminatedAt: string;
  purgeAt: string;
  alreadyTerminated: boolean;
}

/**
 * P4 termination, the one code path behind `POST /apps/{id}/termination` and the `AppTerminated`
 * EventBridge event: records terminatedAt (default now) and purgeAt = terminatedAt + 2 calendar months.
 * A repeated termination leaves the first one standing, so a redelivered event never delays the purge.
 */
export async function terminateApp(
  appStore: AppStore,
  sdkAppId: string,
  terminatedAtIso: string | undefined,
  now: Date,
): Promise<TerminationAnswer> {
  const terminatedAt = terminatedAtIso === undefined ? now : new Date(terminatedAtIso);
  if (Number.isNaN(terminatedAt.getTime())) throw new BadRequestError('terminatedAt: not a valid time');
  if (terminatedAt.getTime() > now.getTime() + MAX_FUTURE_TERMINATION_SECONDS * 1000) {
    throw new BadRequestError('terminatedAt: must not be in the future');
  }
  const { record, alreadyTerminated } = await appStore.terminate(sdkAppId, terminatedAt, now);
  if (record.terminatedAt === undefined || record.purgeAt === undefined) {
    throw new StoreError('a terminated app has no terminatedAt or purgeAt');
  }
  return {
    status: 'terminated',
    terminatedAt: record.terminatedAt,
    purgeAt: record.purgeAt,
    alreadyTerminated,
  };
}
