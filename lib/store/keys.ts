import { createHash } from 'node:crypto';
import { type ExpiringKind, ttlDeleteAt } from '../policy/expiry.js';
import { monthOf } from '../policy/time.js';

/**
 * Key layout shared by every store (docs/data-model.md).
 *
 * The expiry index `byExpiry` is partitioned by `<kind>#<YYYY-MM of expiry>#<shard>`, sorted by
 * `expiresAt`: expiry finds due items with `expiresAt <= cutoff` on a handful of partitions, so its
 * cost follows the number of due items, never the table's size; the shard spreads one month's writes
 * over EXPIRY_SHARDS partitions so a hot month never throttles. The kind is a policy category, or
 * `tombstone` for what a recall or an erasure leaves of a message.
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

/** One string per item of a table with a sort key: what shards and hashes are computed from. */
export function itemIdOf(key: { readonly pk: string; readonly sk?: string }): string {
  return key.sk === undefined ? key.pk : `${key.pk}${KEY_SEPARATOR}${key.sk}`;
}

export function expiryBucket(kind: ExpiringKind, expiresAtSeconds: number, itemId: string): string {
  return [kind, monthOf(expiresAtSeconds), shardOf(itemId, EXPIRY_SHARDS)].join(KEY_SEPARATOR);
}

/** Every bucket of `kind` for one month: what a due-item query walks. */
export function expiryBucketsOfMonth(kind: ExpiringKind, month: string): string[] {
  return Array.from({ length: EXPIRY_SHARDS }, (_, shard) => [kind, month, shard].join(KEY_SEPARATOR));
}

/** Partition of the owner index for an end-user account of an app. */
export function ownerShard(app: string, account: string): string {
  return [keyPart(app), shardOf(`${app}${KEY_SEPARATOR}${account}`, OWNER_SHARDS)].join(KEY_SEPARATOR);
}

export function ownerShardsOfApp(app: string): string[] {
  return Array.from({ length: OWNER_SHARDS }, (_, shard) => [keyPart(app), shard].join(KEY_SEPARATOR));
}

/**
 * The attributes every expiring item carries: its kind (`category`), app, expiry, expiry-index bucket and
 * the TTL attribute `ttlDeleteAt`, TTL_MARGIN_SECONDS behind the expiry.
 */
export interface ExpiringItem {
  readonly category: ExpiringKind;
  readonly app: string;
  readonly expiresAt: number;
  readonly expiryBucket: string;
  readonly ttlDeleteAt: number;
}

export function expiringAttributes(
  kind: ExpiringKind,
  app: string,
  expiresAt: number,
  itemId: string,
): ExpiringItem {
  return {
    category: kind,
    app,
    expiresAt,
    expiryBucket: expiryBucket(kind, expiresAt, itemId),
    ttlDeleteAt: ttlDeleteAt(expiresAt),
  };
}
