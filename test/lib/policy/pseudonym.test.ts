import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountPseudonym } from '../../../lib/policy/pseudonym.js';

const KEY = 'k'.repeat(32);

describe('account pseudonyms (keyed hashes for audit records and receipts)', () => {
  it('is HMAC-SHA256 of the length-prefixed app and account, with a prefix naming the scheme', () => {
    const expected = createHmac('sha256', KEY).update('10:1400000001|5:alice').digest('hex');
    expect(accountPseudonym(KEY, '1400000001', 'alice')).toBe(`hmac-sha256:${expected}`);
    expect(accountPseudonym(KEY, '1400000001', 'alice')).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  });

  it('is stable, and differs by key, by app and by account', () => {
    const base = accountPseudonym(KEY, '1', 'alice');
    expect(accountPseudonym(KEY, '1', 'alice')).toBe(base);
    expect(accountPseudonym('x'.repeat(32), '1', 'alice')).not.toBe(base);
    expect(accountPseudonym(KEY, '2', 'alice')).not.toBe(base);
    expect(accountPseudonym(KEY, '1', 'alicf')).not.toBe(base);
  });

  it('never contains the account', () => {
    fc.assert(
      // 'Z' is outside the hash's alphabet, so a match could only be the account itself.
      fc.property(
        fc.string({ minLength: 2 }).map((s) => `Z${s}`),
        (account) => {
          expect(accountPseudonym(KEY, '1', account)).not.toContain(account);
        },
      ),
    );
  });

  it('cannot be confused by moving a separator between app and account', () => {
    expect(accountPseudonym(KEY, '1|2', 'x')).not.toBe(accountPseudonym(KEY, '1', '2|x'));
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (a1, b1, a2, b2) => {
        fc.pre(a1 !== a2 || b1 !== b2);
        expect(accountPseudonym(KEY, a1, b1)).not.toBe(accountPseudonym(KEY, a2, b2));
      }),
    );
  });

  it('refuses a short key', () => {
    expect(() => accountPseudonym('short', '1', 'a')).toThrow(/at least 16/);
  });
});
