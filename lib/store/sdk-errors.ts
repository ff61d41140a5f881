import { StoreError } from '../errors.js';
import type { NamedTransaction } from './transaction.js';

/**
 * The one place AWS SDK errors are recognised and translated: stores call these right where the SDK
 * is called, so nothing above `lib/store` sees an SDK error.
 */

const nameOf = (error: unknown): string | undefined => (error as { name?: unknown } | null)?.name as string;

/** A conditional write whose condition did not hold (`ConditionalCheckFailedException`). */
export function isConditionFailure(error: unknown): boolean {
  return nameOf(error) === 'ConditionalCheckFailedException';
}

/**
 * The named items (transaction.ts) of a cancelled transaction whose condition failed; undefined when
 * the error is not a cancelled transaction.
 */
export function failedConditions<N extends string>(
  error: unknown,
  transaction: Pick<NamedTransaction<N>, 'names'>,
): ReadonlySet<N> | undefined {
  if (nameOf(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  const failed = new Set<N>();
  reasons.forEach((reason, index) => {
    const name = transaction.names[index];
    if (reason.Code === 'ConditionalCheckFailed' && name !== undefined) failed.add(name);
  });
  return failed;
}

/** A condition failed, as a plain conditional write or as any item of a transaction. */
export function isAnyConditionFailure(error: unknown): boolean {
  if (isConditionFailure(error)) return true;
  if (nameOf(error) !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons.some((reason) => reason.Code === 'ConditionalCheckFailed');
}

const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
]);

/** Throttling and DynamoDB's own 5xx: worth retrying with backoff. */
export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has(nameOf(error) ?? '');
}

/** A failed SDK call as the StoreError callers see: what failed, and whether it timed out. */
export function storeFailure(action: string, cause: unknown): StoreError {
  if (cause instanceof StoreError) return cause;
  const name = nameOf(cause);
  const reason = name === 'AbortError' || name === 'TimeoutError' ? 'timed out' : 'failed';
  return new StoreError(`${action} ${reason}`, { cause });
}

/** Awaits an SDK call, translating its failure into a StoreError naming `action`. */
export async function sdkCall<T>(action: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw storeFailure(action, error);
  }
}
