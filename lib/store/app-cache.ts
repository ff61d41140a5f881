import type { AppRecord, AppStore } from './apps.js';

/**
 * A per-container read-through cache of app records for the callback path, where every request would
 * otherwise pay a strongly consistent GetItem. A change (termination, new callback token, new privacy
 * settings) reaches a warm container within `ttlMs`; unknown apps are cached too, so a flood of made-up
 * SdkAppids costs one read per id per `ttlMs`. `ttlMs` 0 turns the cache off.
 */
export interface AppCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries?: number;
  readonly clock?: () => number;
}

interface Entry {
  readonly record: AppRecord | undefined;
  readonly fetchedAt: number;
}

export function cachedAppStore(appStore: AppStore, options: AppCacheOptions): AppStore {
  if (options.ttlMs <= 0) return appStore;
  const maxEntries = options.maxEntries ?? 1000;
  const clock = options.clock ?? Date.now;
  const entries = new Map<string, Entry>();

  async function get(sdkAppId: string, now?: Date): Promise<AppRecord | undefined> {
    const cached = entries.get(sdkAppId);
    if (cached && clock() - cached.fetchedAt < options.ttlMs) return visibleAt(cached.record, now);
    const record = await appStore.get(sdkAppId, now);
    entries.delete(sdkAppId);
    if (entries.size >= maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(sdkAppId, { record, fetchedAt: clock() });
    return record;
  }

  return { ...appStore, get };
}

/** The store hides an app from its purge time on; a cached record must too. */
function visibleAt(record: AppRecord | undefined, now: Date | undefined): AppRecord | undefined {
  if (!record?.purgeAt) return record;
  return new Date(record.purgeAt).getTime() <= (now ?? new Date()).getTime() ? undefined : record;
}
