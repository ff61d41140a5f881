import { isLuhnValid } from './checksums.js';
import type { Detector, Finding } from './types.js';

/**
 * Payment card numbers (ISO/IEC 7812): 13-19 digits, optionally grouped by single spaces or hyphens,
 * with a valid Luhn check digit and an issuer identification number of a known scheme whose lengths
 * include this one.
 */
interface IinRange {
  readonly scheme: string;
  readonly from: number;
  readonly to: number;
  /** Number of leading digits `from`/`to` describe. */
  readonly prefixLength: number;
  readonly lengths: readonly number[];
}

const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

export const IIN_RANGES: readonly IinRange[] = [
  { scheme: 'visa', from: 4, to: 4, prefixLength: 1, lengths: [13, 16, 19] },
  { scheme: 'mastercard', from: 51, to: 55, prefixLength: 2, lengths: [16] },
  { scheme: 'mastercard', from: 2221, to: 2720, prefixLength: 4, lengths: [16] },
  { scheme: 'amex', from: 34, to: 34, prefixLength: 2, lengths: [15] },
  { scheme: 'amex', from: 37, to: 37, prefixLength: 2, lengths: [15] },
  { scheme: 'unionpay', from: 62, to: 62, prefixLength: 2, lengths: range(16, 19) },
  { scheme: 'unionpay', from: 81, to: 81, prefixLength: 2, lengths: range(16, 19) },
  { scheme: 'jcb', from: 3528, to: 3589, prefixLength: 4, lengths: range(16, 19) },
  { scheme: 'discover', from: 6011, to: 6011, prefixLength: 4, lengths: range(16, 19) },
  { scheme: 'discover', from: 644, to: 649, prefixLength: 3, lengths: range(16, 19) },
  { scheme: 'discover', from: 65, to: 65, prefixLength: 2, lengths: range(16, 19) },
  { scheme: 'diners', from: 300, to: 305, prefixLength: 3, lengths: range(14, 19) },
  { scheme: 'diners', from: 36, to: 36, prefixLength: 2, lengths: range(14, 19) },
  { scheme: 'diners', from: 38, to: 39, prefixLength: 2, lengths: range(16, 19) },
  { scheme: 'maestro', from: 50, to: 50, prefixLength: 2, lengths: range(13, 19) },
  { scheme: 'maestro', from: 56, to: 69, prefixLength: 2, lengths: range(13, 19) },
  { scheme: 'mir', from: 2200, to: 2204, prefixLength: 4, lengths: range(16, 19) },
];

export const MIN_CARD_DIGITS = 13;
export const MAX_CARD_DIGITS = 19;

export function cardScheme(digits: string): string | undefined {
  for (const iin of IIN_RANGES) {
    const prefix = Number(digits.slice(0, iin.prefixLength));
    if (prefix >= iin.from && prefix <= iin.to && iin.lengths.includes(digits.length)) return iin.scheme;
  }
  return undefined;
}

/** Whether a digit string (no separators) is a plausible card number: known IIN and length, valid Luhn. */
export function isValidPaymentCard(digits: string): boolean {
  return (
    digits.length >= MIN_CARD_DIGITS &&
    digits.length <= MAX_CARD_DIGITS &&
    /^\d+$/.test(digits) &&
    cardScheme(digits) !== undefined &&
    isLuhnValid(digits)
  );
}

/** Runs of digit groups joined by a single space or hyphen; each run is split into its groups. */
const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;
const DIGIT_GROUP = /\d+/g;

interface Group {
  readonly digits: string;
  readonly start: number;
  readonly end: number;
}

function groupsOf(run: string, offset: number): Group[] {
  const groups: Group[] = [];
  DIGIT_GROUP.lastIndex = 0;
  for (let match = DIGIT_GROUP.exec(run); match !== null; match = DIGIT_GROUP.exec(run)) {
    groups.push({
      digits: match[0],
      start: offset + match.index,
      end: offset + match.index + match[0].length,
    });
  }
  return groups;
}

/**
 * For every group, the longest window of whole groups from it holding 13-19 digits that is a valid card,
 * so "call 1 4111 1111 1111 1111" finds the card after the stray "1". Windows may overlap; the caller
 * drops those contained in another. A window never splits a group: digits glued together are one token.
 */
export const detectPaymentCards: Detector = (text) => {
  const findings: Finding[] = [];
  DIGIT_RUN.lastIndex = 0;
  for (let run = DIGIT_RUN.exec(text); run !== null; run = DIGIT_RUN.exec(text)) {
    const groups = groupsOf(run[0], run.index);
    for (let first = 0; first < groups.length; first++) {
      const last = longestValidWindow(groups, first);
      if (last !== undefined) {
        findings.push({
          kind: 'paymentCard',
          start: (groups[first] as Group).start,
          end: (groups[last] as Group).end,
        });
      }
    }
  }
  return findings;
};

function longestValidWindow(groups: readonly Group[], first: number): number | undefined {
  let digits = '';
  let valid: number | undefined;
  for (let last = first; last < groups.length; last++) {
    digits += (groups[last] as Group).digits;
    if (digits.length > MAX_CARD_DIGITS) break;
    if (digits.length >= MIN_CARD_DIGITS && isValidPaymentCard(digits)) valid = last;
  }
  return valid;
}
