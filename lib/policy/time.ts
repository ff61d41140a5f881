/** Date arithmetic for retention, all in UTC. DynamoDB TTL wants epoch seconds. */

const MS_PER_SECOND = 1000;
const MS_PER_DAY = 86_400_000;

export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * MS_PER_DAY);
}

export function daysInUtcMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * Adds calendar months in UTC, clamping the day to the end of a shorter month:
 * 31 December + 2 months = 28/29 February. Time of day is kept.
 */
export function addCalendarMonths(from: Date, months: number): Date {
  const year = from.getUTCFullYear();
  const targetMonth = from.getUTCMonth() + months;
  const targetYear = year + Math.floor(targetMonth / 12);
  const targetMonthIndex = ((targetMonth % 12) + 12) % 12;
  const day = Math.min(from.getUTCDate(), daysInUtcMonth(targetYear, targetMonthIndex));
  return new Date(
    Date.UTC(
      targetYear,
      targetMonthIndex,
      day,
      from.getUTCHours(),
      from.getUTCMinutes(),
      from.getUTCSeconds(),
      from.getUTCMilliseconds(),
    ),
  );
}

/** Epoch seconds, rounded up so an item is never deleted before its exact expiry. */
export function toEpochSeconds(at: Date): number {
  return Math.ceil(at.getTime() / MS_PER_SECOND);
}

export function fromEpochSeconds(seconds: number): Date {
  return new Date(seconds * MS_PER_SECOND);
}

/** An item whose `expiresAt` (epoch seconds) is at or before `now` is expired and must be hidden. */
export function isExpired(expiresAt: number | undefined, now: Date): boolean {
  return expiresAt !== undefined && expiresAt * MS_PER_SECOND <= now.getTime();
}
