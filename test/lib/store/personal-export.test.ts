import { afterEach, describe, expect, it } from 'vitest';
import { ownerShard, ownerShardsOfAccount, useIndexShards } from '../../../lib/store/keys.js';
import { decodeCursor, encodeCursor } from '../../../lib/store/personal-export.js';

const APP = '1400000001';
const key = (account: string, app = APP) => ({
  ownerShard: ownerShard(app, account),
  ownerSort: `${encodeURIComponent(account)}#messages#000001700000#${app}#msg#c2c#k`,
  pk: `${app}#msg#c2c#k`,
  sk: 'msg',
});

describe('export cursors', () => {
  afterEach(() => useIndexShards(undefined));

  it('round-trips a key of the account it was made for', () => {
    expect(decodeCursor(encodeCursor(key('ann')), APP, 'ann')).toEqual({ shard: 0, startKey: key('ann') });
  });

  it("names the start of each of the account's shards once a shard count was raised", () => {
    useIndexShards({ expiry: { write: 8, history: [8] }, owner: { write: 64, history: [16, 64] } });
    // An account whose shard under 64 is not its shard under 16 (for 3 in 4 accounts).
    const account = ['ann', 'bea', 'cid', 'dov', 'eve'].find(
      (a) => ownerShardsOfAccount(APP, a).length === 2,
    );
    if (!account) throw new Error('no account with two shards');
    const shards = ownerShardsOfAccount(APP, account);
    expect(decodeCursor(encodeCursor({ ownerShard: shards[1] }), APP, account)).toEqual({ shard: 1 });
    expect(decodeCursor(encodeCursor(key(account)), APP, account)).toEqual({
      shard: 1,
      startKey: key(account),
    });
    const other = `${APP}#${(Number(shards[1]?.split('#')[1]) + 1) % 64}`;
    expect(() => decodeCursor(encodeCursor({ ownerShard: other }), APP, account)).toThrow(/^cursor: /);
  });

  it.each([
    ['another account', encodeCursor(key('bea')), 'ann'],
    ['an account sharing a prefix', encodeCursor(key('ann2')), 'ann'],
    ['another app', encodeCursor(key('ann', '1400000002')), 'ann'],
    ['extra fields', encodeCursor({ ...key('ann'), ExclusiveStartKey: 1 }), 'ann'],
    ['not base64 JSON', 'bm90IGpzb24', 'ann'],
    ['a JSON string', encodeCursor('x' as never), 'ann'],
  ])('refuses a cursor from %s (400)', (_label, cursor, account) => {
    expect(() => decodeCursor(cursor, APP, account)).toThrow(/^cursor: /);
  });
});
