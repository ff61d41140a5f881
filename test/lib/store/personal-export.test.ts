import { describe, expect, it } from 'vitest';
import { ownerShard } from '../../../lib/store/keys.js';
import { decodeCursor, encodeCursor } from '../../../lib/store/personal-export.js';

const APP = '1400000001';
const key = (account: string, app = APP) => ({
  ownerShard: ownerShard(app, account),
  ownerSort: `${encodeURIComponent(account)}#messages#000001700000#${app}#msg#c2c#k`,
  pk: `${app}#msg#c2c#k`,
  sk: 'msg',
});

describe('export cursors', () => {
  it('round-trips a key of the account it was made for', () => {
    expect(decodeCursor(encodeCursor(key('ann')), APP, 'ann')).toEqual(key('ann'));
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
