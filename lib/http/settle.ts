/**
 * "A change is in force when its answer arrives" (docs/expiry.md "Changes of state"). The callback path
 * reads app settings and legal holds through per-container caches (lib/store/read-through-cache.ts),
 * each entry living `cacheMs` from when its read started; a route that changes what they hold waits
 * that long after its write commits before it answers, so every callback arriving after the answer is
 * handled under the new state. The price is the wait itself, on rare admin calls.
 */
export const SETTLE_MARGIN_MS = 50;

export function waitOutCaches(cacheMs: number): Promise<void> {
  if (cacheMs <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, cacheMs + SETTLE_MARGIN_MS));
}
