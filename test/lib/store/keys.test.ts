import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShardCounts } from '../../../lib/config.js';
import {
  expiryBucket,
  expiryBucketsOfMonth,
  indexShards,
  ownerShard,
  ownerShardsOfAccount,
  ownerShardsOfApp,
  shardOf,
  useIndexShards,
} from '../../../lib/store/keys.js';

const counts = (...history: number[]): ShardCounts => ({
  write: history[history.length - 1] as number,
  history,
});
const MAY_2027 = Date.UTC(2027, 4, 10) / 1000;

afterEach(() => useIndexShards(undefined));

describe('shard choice', () => {
  it('keeps the layout of before the setting: 8 expiry shards, 16 owner shards by default', () => {
    expect(indexShards()).toEqual({ expiry: counts(8), owner: counts(16) });
    expect(expiryBucket('messages', MAY_2027, 'pk#sk')).toBe(`messages#2027-05#${shardOf('pk#sk', 8)}`);
    expect(ownerShard('1400', 'ann')).toBe(`1400#${shardOf('1400#ann', 16)}`);
  });

  it('writes with the last count of the history', () => {
    expect(expiryBucket('messages', MAY_2027, 'pk#sk', counts(8, 32))).toBe(
      `messages#2027-05#${shardOf('pk#sk', 32)}`,
    );
    expect(ownerShard('1400', 'ann', counts(16, 64))).toBe(`1400#${shardOf('1400#ann', 64)}`);
  });

  it('follows the configured counts set for the process', () => {
    useIndexShards({ expiry: counts(8, 32), owner: counts(16, 64) });
    expect(expiryBucketsOfMonth('log', '2027-05')).toHaveLength(32);
    expect(ownerShardsOfApp('1400')).toHaveLength(64);
  });
});

describe('readers cover every shard a count ever used could have chosen', () => {
  const history = fc
    .uniqueArray(fc.integer({ min: 2, max: 300 }), { minLength: 0, maxLength: 4 })
    .map((rest) => [8, ...rest.filter((n) => n > 8).sort((a, b) => a - b)]);

  it('walks, for a month, a bucket an item got under any earlier count', () => {
    fc.assert(
      fc.property(history, fc.string(), fc.nat(), (h, itemId, pick) => {
        const writtenWith = h.slice(0, (pick % h.length) + 1);
        const bucket = expiryBucket('messages', MAY_2027, itemId, counts(...writtenWith));
        expect(expiryBucketsOfMonth('messages', '2027-05', counts(...h))).toContain(bucket);
      }),
    );
  });

  it("queries, for an account, the owner shard its items got under any earlier count, and the app's walk holds it", () => {
    fc.assert(
      fc.property(
        history.map((h) => h.map((n) => n * 2)),
        fc.string(),
        fc.nat(),
        (h, account, pick) => {
          const writtenWith = h.slice(0, (pick % h.length) + 1);
          const shard = ownerShard('1400', account, counts(...writtenWith));
          expect(ownerShardsOfAccount('1400', account, counts(...h))).toContain(shard);
          expect(ownerShardsOfApp('1400', counts(...h))).toContain(shard);
        },
      ),
    );
  });

  it('adds readers only at the end when a count is raised, so saved positions keep their meaning', () => {
    const before = ownerShardsOfAccount('1400', 'ann', counts(16));
    const after = ownerShardsOfAccount('1400', 'ann', counts(16, 64));
    expect(after.slice(0, before.length)).toEqual(before);
    expect(ownerShardsOfApp('1400', counts(16, 64)).slice(0, 16)).toEqual(
      ownerShardsOfApp('1400', counts(16)),
    );
    expect(new Set(after).size).toBe(after.length);
  });
});
