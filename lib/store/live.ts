import { toEpochSeconds } from '../policy/time.js';

/**
 * Every read hides expired items at once, whatever DynamoDB's TTL has or has not deleted yet.
 * Use `liveCondition` as the FilterExpression of a Query or the ConditionExpression of a read-then-act,
 * and `isLive` on items that came back from GetItem/BatchGetItem.
 */
export const EXPIRES_AT = 'expiresAt';

export function liveCondition(now: Date): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, number>;
} {
  return {
    expression: '(attribute_not_exists(#liveExpiresAt) OR #liveExpiresAt > :liveNow)',
    names: { '#liveExpiresAt': EXPIRES_AT },
    values: { ':liveNow': Math.floor(now.getTime() / 1000) },
  };
}

export function isLive(item: { expiresAt?: unknown } | undefined, now: Date): boolean {
  if (!item) return false;
  const expiresAt = item.expiresAt;
  if (expiresAt === undefined || expiresAt === null) return true;
  return typeof expiresAt === 'number' && expiresAt > Math.floor(now.getTime() / 1000);
}

export { toEpochSeconds };
