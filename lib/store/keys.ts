import { createHash } from 'node:crypto';
import type { CategoryId } from '../policy/categories.js';

/**
 * Key layout shared by every store (docs/data-model.md).
 *
 * The expiry index `byExpiry` is partitioned by `<category>#<YYYY-MM of expiry>#<shard>`, sorted by
 * `expiresAt`: expiry finds due items with `expiresAt <= cutoff` on a handful of partitions, so its
 * cost follows the number of due items, never the table's size; the shard spreads one month's writes
 * over EXPIRY_SHARDS partitions so a hot month never throttles.
 */
export const EXPIRY_SHARDS = 8;
export const OWNER_SHARDS = 16;
export const KEY_SEPARATOR = '#';

/** Stable, fast shard choice: the first 4 bytes of SHA-256, modulo the shard count. */
export function shardOf(value: string, shards: number): number {
  return createHash('sha256').update(value).digest().readUInt32BE(0) % shards;
}

/** Escapes a caller-supplied key part so it can never contain the separator. */
export function keyPart(value: string): string {
  return encodeURIComponent(value);
}

export function expiryMonth(expiresAtSeconds: number): string {
  return new Date(expiresAtSeconds * 1000).toISOString().slice(0, 7);
}

export function expiryBucket(category: CategoryId, expiresAtSeconds: number, itemKey: string): string {
  return [category, expiryMonth(expiresAtSeconds), shardOf(itemKey, EXPIRY_SHARDS)].join(KEY_SEPARATOR);
}

/** Every bucket of `category` for one month: what a due-item query walks. */
export function expiryBucketsOfMonth(category: CategoryId, month: string): string[] {
  return Array.from({ length: EXPIRY_SHARDS }, (_, shard) => [category, month, shard].join(KEY_SEPARATOR));
}

/** The months from `fromMonth` to `toMonth` inclusive, both `YYYY-MM`. */
export function monthsBetween(fromMonth: string, toMonth: string): string[] {
  const months: string[] = [];
  let [year, month] = fromMonth.split('-').map(Number) as [number, number];
  const [endYear, endMonth] = toMonth.split('-').map(Number) as [number, number];
  while (year < endYear || (year === endYear && month <= endMonth)) {
    months.push(`${year}-${String(month).padStart(2, '0')}`);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return months;
}

/** Partition of the owner index for an end-user account of an app. */
export function ownerShard(app: string, account: string): string {
  return [keyPart(app), shardOf(`${app}${KEY_SEPARATOR}${account}`, OWNER_SHARDS)].join(KEY_SEPARATOR);
}

export function ownerShardsOfApp(app: string): string[] {
  return Array.from({ length: OWNER_SHARDS }, (_, shard) => [keyPart(app), shard].join(KEY_SEPARATOR));
}

/** The item attributes every stored item carries: category, app, TTL and its expiry-index bucket. */
export interface ExpiringItem {
  readonly category: CategoryId;
  readonly app: string;
  readonly expiresAt: number;
  readonly expiryBucket: string;
}

export function expiringAttributes(
  category: CategoryId,
  app: string,
  expiresAt: number,
  itemKey: string,
): ExpiringItem {
  return { category, app, expiresAt, expiryBucket: expiryBucket(category, expiresAt, itemKey) };
}
