import fc from 'fast-check';
import {
  isIbanChecksumValid,
  isLuhnValid,
  mod11_2CheckChar,
} from '../../../lib/policy/sensitive-data/checksums.js';
import { IBAN_LENGTHS } from '../../../lib/policy/sensitive-data/iban.js';
import { IIN_RANGES } from '../../../lib/policy/sensitive-data/payment-card.js';

/** fast-check generators of checksum-valid identifiers, each with its printed form. */

/** The Luhn check digit that completes `payload`. */
function luhnCheckDigit(payload: string): string {
  for (let digit = 0; digit <= 9; digit++) {
    if (isLuhnValid(`${payload}${digit}`)) return String(digit);
  }
  throw new Error('unreachable: one Luhn digit always fits');
}

/** The two IBAN check digits for a country code and BBAN. */
function ibanCheckDigits(country: string, bban: string): string {
  for (let check = 2; check <= 98; check++) {
    const digits = String(check).padStart(2, '0');
    if (isIbanChecksumValid(`${country}${digits}${bban}`)) return digits;
  }
  throw new Error('unreachable: one IBAN check value always fits');
}

const digits = (length: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));

const PROVINCES = ['11', '31', '33', '44', '51', '62', '65', '81'];

export const residentIdArb = fc
  .record({
    province: fc.constantFrom(...PROVINCES),
    area: digits(4),
    birth: fc.date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    sequence: digits(3),
    spaced: fc.boolean(),
    lowerX: fc.boolean(),
  })
  .map(({ province, area, birth, sequence, spaced, lowerX }) => {
    const date = birth.toISOString().slice(0, 10).replaceAll('-', '');
    const first17 = `${province}${area}${date}${sequence}`;
    const check = mod11_2CheckChar(first17);
    const compact = `${first17}${lowerX ? check.toLowerCase() : check}`;
    const printed = spaced ? `${compact.slice(0, 6)} ${compact.slice(6, 14)} ${compact.slice(14)}` : compact;
    return { compact, printed };
  });

export const paymentCardArb = fc
  .record({
    iin: fc.constantFrom(...IIN_RANGES),
    pick: fc.nat(),
    lengthPick: fc.nat(),
    body: digits(19),
    separator: fc.constantFrom('', ' ', '-'),
  })
  .map(({ iin, pick, lengthPick, body, separator }) => {
    const prefix = String(iin.from + (pick % (iin.to - iin.from + 1))).padStart(iin.prefixLength, '0');
    const length = iin.lengths[lengthPick % iin.lengths.length] as number;
    const payload = (prefix + body).slice(0, length - 1);
    const compact = payload + luhnCheckDigit(payload);
    const printed = separator === '' ? compact : (compact.match(/.{1,4}/g) ?? []).join(separator);
    return { compact, printed };
  });

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export const ibanArb = fc
  .record({
    country: fc.constantFrom(...Object.keys(IBAN_LENGTHS)),
    chars: fc.array(fc.integer({ min: 0, max: ALNUM.length - 1 }), { minLength: 30, maxLength: 30 }),
    grouped: fc.boolean(),
    lower: fc.boolean(),
  })
  .map(({ country, chars, grouped, lower }) => {
    const length = IBAN_LENGTHS[country] as number;
    const bban = chars
      .slice(0, length - 4)
      .map((i) => ALNUM[i])
      .join('');
    const compact = `${country}${ibanCheckDigits(country, bban)}${bban}`;
    const spaced = grouped ? (compact.match(/.{1,4}/g) ?? []).join(' ') : compact;
    return { compact, printed: lower ? spaced.toLowerCase() : spaced };
  });

/** Any text, including CJK, emoji and digits. */
export const surroundingArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('我的号码是', '卡号：', 'see ', '', '请转账到 ', '123 ', '12-', 'abc'),
  fc.string({ unit: fc.constantFrom(...' -0123456789abcXYZ，。好'.split('')), maxLength: 30 }),
);

/** Surrounding text with no digit (used where a random digit could itself complete a valid number). */
export const digitFreeArb = fc.string({
  unit: fc.constantFrom(...' -abcxyzXYZ，。好的卡号:'.split('')),
  maxLength: 30,
});

/** A separator is added where a neighbour would continue the value (a digit, or a letter for IBANs). */
export function embed(prefix: string, value: string, suffix: string, glue: RegExp) {
  const before = glue.test(prefix.slice(-1)) ? `${prefix} ` : prefix;
  const after = glue.test(suffix.slice(0, 1)) ? ` ${suffix}` : suffix;
  return { text: `${before}${value}${after}`, start: before.length, end: before.length + value.length };
}

/** Changes one digit at `position` (among the digits of `printed`) to a different digit. */
export function changeOneDigit(printed: string, position: number, delta: number): string {
  const indexes = [...printed].flatMap((char, index) => (/\d/.test(char) ? [index] : []));
  const index = indexes[position % indexes.length] as number;
  const old = Number(printed[index]);
  const replacement = (old + 1 + (delta % 9)) % 10;
  return printed.slice(0, index) + String(replacement) + printed.slice(index + 1);
}
