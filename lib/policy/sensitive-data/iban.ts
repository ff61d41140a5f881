import { isIbanChecksumValid } from './checksums.js';
import type { Detector, Finding } from './types.js';

/**
 * International Bank Account Numbers (ISO 13616): a registered country code, the length that country
 * uses, and the ISO 7064 MOD 97-10 check. Printed form (groups of four separated by spaces) or compact,
 * either case.
 */
// biome-ignore format: a lookup table reads best packed
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21,
  CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27,
  GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26,
  IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24,
  ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24,
  TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** Whether a compact, upper-case string is a valid IBAN. */
export function isValidIban(iban: string): boolean {
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  return (
    length !== undefined &&
    iban.length === length &&
    /^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban) &&
    isIbanChecksumValid(iban)
  );
}

const START = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}/g;
const isAlphanumeric = (char: string | undefined) => char !== undefined && /^[A-Za-z0-9]$/.test(char);

/** Reads `length` alphanumerics from `start`, allowing one space between any two; the end index or -1. */
function readCompact(
  text: string,
  start: number,
  length: number,
): { compact: string; end: number } | undefined {
  let compact = '';
  let index = start;
  while (compact.length < length && index < text.length) {
    const char = text[index] as string;
    if (isAlphanumeric(char)) {
      compact += char;
      index += 1;
    } else if (char === ' ' && compact.length > 0 && isAlphanumeric(text[index + 1])) {
      index += 1;
    } else {
      break;
    }
  }
  if (compact.length !== length || isAlphanumeric(text[index])) return undefined;
  return { compact: compact.toUpperCase(), end: index };
}

export const detectIbans: Detector = (text) => {
  const findings: Finding[] = [];
  START.lastIndex = 0;
  for (let match = START.exec(text); match !== null; match = START.exec(text)) {
    const length = IBAN_LENGTHS[match[0].slice(0, 2).toUpperCase()];
    if (length === undefined) continue;
    const read = readCompact(text, match.index, length);
    if (read && isValidIban(read.compact)) {
      findings.push({ kind: 'iban', start: match.index, end: read.end });
    }
    START.lastIndex = match.index + 1;
  }
  return findings;
};
