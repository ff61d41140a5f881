/**
 * Retry spacing for DynamoDB batch writes (UnprocessedItems, throttling), shared by every store that
 * retries: full-jitter exponential backoff as the AWS Architecture Blog describes it.
 */

/** The two bounds of the backoff: the first step and the cap, in milliseconds. */
export interface BackoffBounds {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The delay before retry `attempt`: uniform in [0, min(cap, base * 2^attempt)), whole milliseconds. */
export function backoffDelay(
  attempt: number,
  bounds: BackoffBounds,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(bounds.maxDelayMs, bounds.baseDelayMs * 2 ** attempt));
}
