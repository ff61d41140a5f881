import { performance } from 'node:perf_hooks';

/**
 * A per-container read-through cache for the callback path, where every request would otherwise pay
 * a strongly consistent read. Freshness is bounded on both sides: an entry lives `ttlMs` counted from
 * when its read STARTED, and every change the cache could hide (app settings, termination, legal
 * holds) answers only after waiting `ttlMs` (lib/http/settle.ts), so no request that arrives after a
 * change's answer is served the state before it. The clock is monotonic (`performance.now`), immune
 * to wall-clock changes. Misses are cached too, so a flood of unknown keys costs one read per key
 * per `ttlMs`. `ttlMs` 0 turns the cache off.
 */
export interface CacheOptions {
  readonly ttlMs: number;
  readonly maxEntries?: number;
  /** Monotonic milliseconds; tests pass their own. */
  readonly clock?: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly readStartedAt: number;
}

export function readThroughCache<V>(
  load: (key: string) => Promise<V>,
  options: CacheOptions,
): (key: string) => Promise<V> {
  if (options.ttlMs <= 0) return load;
  const maxEntries = options.maxEntries ?? 1000;
  const clock = options.clock ?? (() => performance.now());
  const entries = new Map<string, Entry<V>>();
  return async (key) => {
    const cached = entries.get(key);
    if (cached && clock() - cached.readStartedAt < options.ttlMs) return cached.value;
    const readStartedAt = clock();
    const value = await load(key);
    entries.delete(key);
    if (entries.size >= maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(key, { value, readStartedAt });
    return value;
  };
}
