import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isIbanChecksumValid,
  isLuhnValid,
  mod11_2CheckChar,
} from '../../../lib/policy/sensitive-data/checksums.js';
import { isValidPrcResidentId } from '../../../lib/policy/sensitive-data/prc-resident-id.js';
import { detectSensitiveData, type SensitiveKind } from '../../../lib/policy/sensitive-data.js';
import {
  changeOneDigit,
  digitFreeArb,
  embed,
  ibanArb,
  paymentCardArb,
  residentIdArb,
  surroundingArb,
} from './sensitive-data-generators.js';

const DIGIT_GLUE = /[0-9\uFF10-\uFF19]/;
const ALNUM_GLUE = /[A-Za-z0-9\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/;

const cases = [
  { kind: 'prcResidentId', arb: residentIdArb, glue: DIGIT_GLUE },
  { kind: 'paymentCard', arb: paymentCardArb, glue: DIGIT_GLUE },
  { kind: 'iban', arb: ibanArb, glue: ALNUM_GLUE },
] as const satisfies ReadonlyArray<{
  kind: SensitiveKind;
  arb: fc.Arbitrary<{ compact: string; printed: string }>;
  glue: RegExp;
}>;

describe.each(cases)('$kind detector', ({ kind, arb, glue }) => {
  it('always finds a generated valid value inside any surrounding text', () => {
    fc.assert(
      fc.property(surroundingArb, arb, surroundingArb, (prefix, value, suffix) => {
        const { text, start, end } = embed(prefix, value.printed, suffix, glue);
        const findings = detectSensitiveData(text);
        expect(findings.some((f) => f.kind === kind && f.start <= start && f.end >= end)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('does not find a value whose checksum a one-digit change broke', () => {
    fc.assert(
      fc.property(
        digitFreeArb,
        arb.filter((v) => v.printed === v.compact || v.compact.length <= 16 || kind !== 'paymentCard'),
        fc.nat(),
        fc.nat(),
        digitFreeArb,
        (prefix, value, position, delta, suffix) => {
          const broken = changeOneDigit(value.printed, position, delta);
          const { text, start, end } = embed(prefix, broken, suffix, glue);
          // Random BBAN characters may themselves hold another valid IBAN (e.g. "LU91..." inside it):
          // that one is rightly found; the broken value as a whole never is.
          const covering = detectSensitiveData(text).filter(
            (f) => f.kind === kind && f.start <= start && f.end >= end,
          );
          expect(covering).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('checksums', () => {
  it.each([
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['6222021234567890128', true],
    ['79927398713', true],
  ])('Luhn(%s) is %s', (digits, valid) => {
    expect(isLuhnValid(digits)).toBe(valid);
  });

  it('computes the GB 11643 check character, including X', () => {
    expect(mod11_2CheckChar('11010519491231002')).toBe('X');
    expect(isValidPrcResidentId('11010519491231002X')).toBe(true);
    expect(isValidPrcResidentId('11010519491231002x')).toBe(true);
    expect(isValidPrcResidentId('110105194912310021')).toBe(false);
  });

  it('rejects resident IDs with an impossible birth date or unknown province', () => {
    const withDate = (date: string) => {
      const first17 = `110105${date}002`;
      return `${first17}${mod11_2CheckChar(first17)}`;
    };
    expect(isValidPrcResidentId(withDate('19490229'))).toBe(false);
    expect(isValidPrcResidentId(withDate('20000229'))).toBe(true);
    expect(isValidPrcResidentId(withDate('19491301'))).toBe(false);
    const unknownProvince = `990105194912310${'02'}`;
    expect(isValidPrcResidentId(`${unknownProvince}${mod11_2CheckChar(unknownProvince)}`)).toBe(false);
  });

  it('validates IBANs with mod 97', () => {
    expect(isIbanChecksumValid('GB82WEST12345698765432')).toBe(true);
    expect(isIbanChecksumValid('GB82WEST12345698765433')).toBe(false);
  });
});

describe('detectSensitiveData examples', () => {
  it.each([
    ['我的身份证号是11010519491231002X，谢谢', 'prcResidentId'],
    ['卡号 6222 0212 3456 7890 128 收到', 'paymentCard'],
    ['card: 4111-1111-1111-1111.', 'paymentCard'],
    ['pay to GB82 WEST 1234 5698 7654 32 please', 'iban'],
    ['全角 ４１１１１１１１１１１１１１１１ 也算', 'paymentCard'],
  ])('finds %j as %s', (text, kind) => {
    expect(detectSensitiveData(text).map((f) => f.kind)).toContain(kind);
  });

  it('reports both kinds for a span valid as a resident ID and as a payment card (found by fast-check)', () => {
    const text = 'id 352843204712080054 ok';
    expect(isValidPrcResidentId('352843204712080054')).toBe(true);
    expect(isLuhnValid('352843204712080054')).toBe(true);
    expect(detectSensitiveData(text)).toEqual([
      expect.objectContaining({ kind: 'prcResidentId', start: 3, end: 21 }),
      expect.objectContaining({ kind: 'paymentCard', start: 3, end: 21 }),
    ]);
  });

  it.each([
    'order 4111111111111112',
    'phone 13800138000',
    'timestamp 1700000000000 and 2024-05-06',
    'glued 41111111111111115',
    'GB82WEST12345698765433',
    '110105194912310021',
  ])('finds nothing in %j', (text) => {
    expect(detectSensitiveData(text)).toEqual([]);
  });
});
