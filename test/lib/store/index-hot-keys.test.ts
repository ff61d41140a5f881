import { describe, expect, it } from 'vitest';
import type { IndexShards, ShardCounts } from '../../../lib/config.js';
import { expiryBucket, ownerShard } from '../../../lib/store/keys.js';
import { messageKey } from '../../../lib/store/personal-keys.js';

/**
 * A simulation of one second of stored messages at N messages/s, hashed onto the real key layout:
 * which expiry-index and owner-index partition keys take how many write units, at a given shard
 * configuration. DynamoDB throttles a partition key past ~1,000 write units/s.
 *
 * The workload, skewed on purpose:
 * - 31 apps with Zipf shares (s = 1): the largest sends 25 % of everything (the scale model's default);
 * - within an app, accounts with Zipf shares (s = 1) over appRate / 0.5 accounts, the hottest capped at
 *   20 messages/s (a bot or a support desk; a person types far less), what a cap sheds going to the rest;
 * - every message of the second expires in the same month (the worst case for the expiry index), and
 *   its write units per index are bench/results.json's `unit.callbackWriteUnits`: 1 on byExpiry, 1 on
 *   byOwner. In steady state the items expiring now leave the same month bucket and the same owner
 *   shards: `withDeletes` counts one more unit per message on each index for that.
 */
const PARTITION_LIMIT = 1000;
const APPS = 31;
const LARGEST_APP_SHARE = 0.25;
const ACCOUNT_MESSAGES_PER_SECOND = 0.5;
const HOTTEST_ACCOUNT_CAP = 20;
const EXPIRES_AT = Date.UTC(2027, 4, 20) / 1000;

const counts = (...history: number[]): ShardCounts => ({
  write: history[history.length - 1] as number,
  history,
});
const FIXED: IndexShards = { expiry: counts(8), owner: counts(16) };
/** What docs/scale.md recommends for 100,000 messages/s. */
const FOR_100K: IndexShards = { expiry: counts(8, 256), owner: counts(16, 128) };

/** Zipf shares of `total` over `n`, none above `cap`: water-filling, the hottest first. */
function cappedZipf(total: number, n: number, cap = Number.POSITIVE_INFINITY): number[] {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1));
  let weightLeft = weights.reduce((a, b) => a + b, 0);
  let left = total;
  return weights.map((w) => {
    const rate = Math.min(cap, (left * w) / weightLeft);
    left -= rate;
    weightLeft -= w;
    return rate;
  });
}

function hottest(rates: Map<string, number>): number {
  return Math.max(...rates.values());
}

function simulate(rate: number, shards: IndexShards, withDeletes: boolean) {
  const unitsPerMessage = withDeletes ? 2 : 1;
  const expiry = new Map<string, number>();
  const owner = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, units: number) =>
    map.set(key, (map.get(key) ?? 0) + units);
  const appRates = cappedZipf(rate, APPS);
  const largest = appRates[0] as number;
  // Scaled so the largest app sends LARGEST_APP_SHARE of the rate, whatever the Zipf sum.
  const scale = (rate * LARGEST_APP_SHARE) / largest;
  let message = 0;
  appRates.forEach((share, index) => {
    const app = String(1_400_000_000 + index);
    const appRate = Math.min(share * scale, rate);
    const accounts = cappedZipf(
      appRate,
      Math.max(1, Math.ceil(appRate / ACCOUNT_MESSAGES_PER_SECOND)),
      HOTTEST_ACCOUNT_CAP,
    );
    accounts.forEach((accountRate, a) => {
      add(owner, ownerShard(app, `user${a}`, shards.owner), accountRate * unitsPerMessage);
    });
    // Each message is its own item: spread over the month's buckets by its key.
    for (let i = 0; i < Math.round(appRate); i++, message++) {
      const key = messageKey(app, { kind: 'c2c', msgKey: `${message}_${i}` });
      add(
        expiry,
        expiryBucket('messages', EXPIRES_AT, `${key.pk}#${key.sk}`, shards.expiry),
        unitsPerMessage,
      );
    }
  });
  return { expiry: hottest(expiry), owner: hottest(owner) };
}

describe('hot keys of the sharded indexes (a simulation on the real key layout)', () => {
  it('keeps every index partition under 1,000 writes/s at 100,000 messages/s with the recommended counts', () => {
    const hot = simulate(100_000, FOR_100K, true);
    console.log(`100,000 msg/s, 8,256 / 16,128 shards, deletes included: hottest write units/s`, hot);
    expect(hot.expiry).toBeLessThan(PARTITION_LIMIT);
    expect(hot.owner).toBeLessThan(PARTITION_LIMIT);
  }, 30_000);

  it('throttles with the old fixed 8 and 16 shards at 100,000 messages/s, even counting only the stores', () => {
    const hot = simulate(100_000, FIXED, false);
    console.log(`100,000 msg/s, fixed 8 / 16 shards, stores only: hottest write units/s`, hot);
    expect(hot.expiry).toBeGreaterThan(PARTITION_LIMIT * 10);
    expect(hot.owner).toBeGreaterThan(PARTITION_LIMIT);
  }, 30_000);

  it('keeps the defaults under the limit at 1,000 messages/s, deletes included', () => {
    const hot = simulate(1000, FIXED, true);
    expect(hot.expiry).toBeLessThan(PARTITION_LIMIT);
    expect(hot.owner).toBeLessThan(PARTITION_LIMIT);
  });
});
