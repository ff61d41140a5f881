import { epochSeconds } from '../policy/time.js';

/**
 * Every read hides expired items at once, whatever DynamoDB's TTL has or has not deleted yet. The rule is
 * lib/policy/time.ts `isExpired`; this module states it as DynamoDB expressions. Use `liveCondition` as the
 * FilterExpression of a Query or the ConditionExpression of a read-then-act, and `isLiveItem` (lib/policy/time.ts)
 * on items that came back from GetItem/BatchGetItem.
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
    values: { ':liveNow': epochSeconds(now) },
  };
}
