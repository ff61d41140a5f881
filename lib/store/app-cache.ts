import { isHoldActive, type LegalHold } from '../policy/legal-holds.js';
import { hasArrived } from '../policy/time.js';
import type { AppReader, AppRecord } from './apps.js';
import { type CacheOptions, readThroughCache } from './read-through-cache.js';

/**
 * The callback's cached views of what settings changes and legal holds decide: the app record and the
 * app's legal holds, each read at most once per `ttlMs` per container (read-through-cache.ts).
 */
export type { CacheOptions } from './read-through-cache.js';

/** The app store as the callback reads it: `get` only, each app read at most once per `ttlMs`. */
export function cachedAppStore(appStore: AppReader, options: CacheOptions): AppReader {
  const read = readThroughCache((sdkAppId) => appStore.get(sdkAppId), options);
  return {
    async get(sdkAppId, now) {
      return visibleAt(await read(sdkAppId), now);
    },
  };
}

/** The store hides an app from its purge time on; a cached record must too. */
function visibleAt(record: AppRecord | undefined, now: Date | undefined): AppRecord | undefined {
  if (!record?.purgeAt) return record;
  return hasArrived(record.purgeAt, now ?? new Date()) ? undefined : record;
}

export interface HoldsView {
  /** The app's legal holds still active at `now`. */
  activeForApp(app: string, now: Date): Promise<LegalHold[]>;
}

/** The app's holds as the callback sees them: every hold of the app, cached, filtered by `now` on each use. */
export function cachedHolds(
  holds: { listForApp(app: string): Promise<LegalHold[]> },
  options: CacheOptions,
): HoldsView {
  const read = readThroughCache((app) => holds.listForApp(app), options);
  return {
    async activeForApp(app, now) {
      return (await read(app)).filter((hold) => isHoldActive(hold, now));
    },
  };
}
