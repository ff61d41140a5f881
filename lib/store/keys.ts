import { createHash } from 'node:crypto';
import { type IndexShards, loadIndexShards, type ShardCounts } from '../config.js';
import { type ExpiringKind, ttlDeleteAt } from '../policy/expiry.js';
import { monthOf } from '../policy/time.js';

/**
 * Key layout shared by every store (docs/data-model.md).
 *
 * The expiry index `byExpiry` is partitioned by `<kind>#<YYYY-MM of expiry>#<shard>`, sorted by
 * `expiresAt`: expiry finds due items with `expiresAt <= cutoff` on a handful of partitions, so its
 * cost follows the number of due items, never the table's size; the shard spreads one month's writes
 * over the configured number of partitions (EXPIRY_INDEX_SHARDS) so a hot month never throttles. The
 * kind is a policy category, or `tombstone` for what a recall or an erasure leaves of a message.
 *
 * Shard counts can be raised (docs/scale.md): writers hash into the current count, and every reader
 * covers every shard any count in the history could have chosen, so raising one loses nothing.
 */
export const KEY_SEPARATOR = '#';

let configured: IndexShards | undefined;

/** The deployment's shard counts: read once from the environment (lib/config.ts) unless set by useIndexShards. */
export function indexShards(): IndexShards {
  configured ??= loadIndexShards();
  return configured;
}

/** Sets the shard counts for this process (tests, scripts): what a changed environment would give after a deploy. */
export function useIndexShards(shards: IndexShards | undefined): void {
  configured = shards;
}

/** The highest shard count ever used: shards 0 to it (exclusive) are every shard a writer can have chosen. */
export function shardSpan(counts: ShardCounts): number {
  return Math.max(...counts.history);
}

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

/** The expiry-index bucket an item is written to: its kind, expiry month and shard under the current count. */
export function expiryBucket(
  kind: ExpiringKind,
  expiresAtSeconds: number,
  itemId: string,
  counts: ShardCounts = indexShards().expiry,
): string {
  return [kind, monthOf(expiresAtSeconds), shardOf(itemId, counts.write)].join(KEY_SEPARATOR);
}

/** Every bucket of `kind` for one month under every count ever used: what a due-item query walks. */
export function expiryBucketsOfMonth(
  kind: ExpiringKind,
  month: string,
  counts: ShardCounts = indexShards().expiry,
): string[] {
  return Array.from({ length: shardSpan(counts) }, (_, shard) => [kind, month, shard].join(KEY_SEPARATOR));
}

const ownerShardKey = (app: string, account: string) => `${app}${KEY_SEPARATOR}${account}`;

/** The owner-index partition an end-user account's items are written to now (the current count). */
export function ownerShard(app: string, account: string, counts: ShardCounts = indexShards().owner): string {
  return [keyPart(app), shardOf(ownerShardKey(app, account), counts.write)].join(KEY_SEPARATOR);
}

/**
 * Every owner-index partition that can hold an account's items: its shard under each count ever used,
 * oldest count first, without repeats (a raised count only adds partitions at the end).
 */
export function ownerShardsOfAccount(
  app: string,
  account: string,
  counts: ShardCounts = indexShards().owner,
): string[] {
  const shards = counts.history.map((count) => shardOf(ownerShardKey(app, account), count));
  return [...new Set(shards)].map((shard) => [keyPart(app), shard].join(KEY_SEPARATOR));
}

/** Every owner-index partition of an app under every count ever used (shards 0 to the highest count). */
export function ownerShardsOfApp(app: string, counts: ShardCounts = indexShards().owner): string[] {
  return Array.from({ length: shardSpan(counts) }, (_, shard) => [keyPart(app), shard].join(KEY_SEPARATOR));
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
