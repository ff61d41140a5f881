import { BudgetExceededError } from '../../lib/errors.js';
import { CALLBACK_ANSWER_BUDGET_MS } from '../../lib/http/settle.js';
import type { AppReader } from '../../lib/store/apps.js';

/**
 * Tencent waits about 2 s for a callback answer. The budget counts from when API Gateway received the
 * request (requestContext.timeEpoch), so the time spent authenticating is already spent; what is left,
 * less a margin for the answer's way back, bounds the command's DynamoDB calls (aborted, not awaited).
 */
export const ANSWER_BUDGET_MS = CALLBACK_ANSWER_BUDGET_MS;
export const ANSWER_MARGIN_MS = 250;
/** A floor for when the gateway clock and ours disagree: never give the command less than this. */
export const MIN_WORK_MS = 250;

export function remainingBudgetMs(
  receivedAtMs: number | undefined,
  nowMs: number,
  budgetMs: number = ANSWER_BUDGET_MS,
): number {
  const elapsed =
    receivedAtMs === undefined || receivedAtMs > nowMs ? 0 : Math.min(nowMs - receivedAtMs, budgetMs);
  return Math.max(MIN_WORK_MS, budgetMs - ANSWER_MARGIN_MS - elapsed);
}

/** Runs `work` with a signal aborted after `ms`; settles by then whether or not `work` honours it. */
export async function withinBudget<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new BudgetExceededError(`no answer within ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The longest the app lookup (in callbackAuth) may take before the callback answers without it. */
export const APP_LOOKUP_BUDGET_MS = 1000;

/**
 * The app store as callbackAuth sees it: `get` settles within `ms` (a StoreError after), so a hung
 * connection can never hold the answer past Tencent's 2 s whatever the SDK's own timeouts do.
 */
export function appStoreWithin(appStore: AppReader, ms: number = APP_LOOKUP_BUDGET_MS): AppReader {
  return {
    get: (sdkAppId, now) => withinBudget(ms, () => appStore.get(sdkAppId, now)),
  };
}
