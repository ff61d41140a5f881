/**
 * Time for retention, all in UTC, in one place: date arithmetic (days, calendar months), epoch seconds
 * (the unit of `expiresAt`), `YYYY-MM` months (the unit of expiry buckets) and liveness. Pure.
 */

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

/** The epoch second an instant falls in (rounded down): "now" and every instant something happened. */
export function epochSeconds(at: Date): number {
  return Math.floor(at.getTime() / MS_PER_SECOND);
}

/** The instant an epoch second starts at: the way back from `epochSeconds` and `expirySeconds`. */
export function instantOfSeconds(seconds: number): Date {
  return new Date(seconds * MS_PER_SECOND);
}

/** An expiry as epoch seconds, rounded up: an item is never hidden or deleted before its exact expiry. */
export function expirySeconds(at: Date): number {
  return Math.ceil(at.getTime() / MS_PER_SECOND);
}

/** An item whose `expiresAt` (epoch seconds) is at or before `now` is expired and hidden; none: never expires. */
export function isExpired(expiresAt: number | undefined, now: Date): boolean {
  return expiresAt !== undefined && expiresAt <= epochSeconds(now);
}

/** The opposite of isExpired, for an item as stored (any non-number expiresAt but absent counts as expired). */
export function isLiveItem(item: { expiresAt?: unknown } | undefined, now: Date): boolean {
  if (!item) return false;
  const { expiresAt } = item;
  if (expiresAt === undefined || expiresAt === null) return true;
  return typeof expiresAt === 'number' && !isExpired(expiresAt, now);
}

/**
 * Whether an instant stored as an ISO 8601 string (a `purgeAt`) has come by `now`, inclusive: an app is
 * purged for every reader from its purgeAt on. Stored instants are `toISOString()` strings, so DynamoDB's
 * string comparisons (`purgeAt <= :now`) decide alike.
 */
export function hasArrived(at: string, now: Date): boolean {
  return Date.parse(at) <= now.getTime();
}

/** `YYYY-MM` (UTC) of an epoch-seconds instant: the month in an expiry bucket. */
export function monthOf(seconds: number): string {
  return instantOfSeconds(seconds).toISOString().slice(0, 7);
}

export function addMonths(month: string, count: number): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (monthNumber - 1) + count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Epoch seconds of the first instant after `month`. */
export function monthEnd(month: string): number {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return Date.UTC(year, monthNumber, 1) / MS_PER_SECOND;
}

/** `first` to `last` inclusive, both `YYYY-MM`. */
export function monthRange(first: string, last: string): string[] {
  const months: string[] = [];
  for (let month = first; month <= last; month = addMonths(month, 1)) months.push(month);
  return months;
}
