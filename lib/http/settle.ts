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

/**
 * The longest a callback may still be working after it read an account's consent: Tencent's answer
 * budget (functions/callback/budget.ts takes it from here), after which its DynamoDB calls are aborted.
 * A withdrawal waits this long before it files its erasure, so the erasure also finds what a callback
 * that read the consent just before the withdrawal still stored.
 */
export const CALLBACK_ANSWER_BUDGET_MS = 2000;

export function waitOutCallbacks(ms: number = CALLBACK_ANSWER_BUDGET_MS): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms + SETTLE_MARGIN_MS));
}
