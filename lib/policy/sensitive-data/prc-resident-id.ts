import { mod11_2CheckChar } from './checksums.js';
import type { Detector, Finding } from './types.js';

/**
 * PRC resident identity card numbers (GB 11643-1999): 6-digit address code whose first two digits are a
 * province-level code, 8-digit birth date (a real calendar date), 3-digit sequence, and an ISO 7064
 * MOD 11-2 check character (0-9 or X). Also written as 6-8-4 groups separated by a space or hyphen.
 */
// biome-ignore format: a lookup table reads best packed
const PROVINCE_CODES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82', '83', '91',
]);

const CANDIDATE = /(?<!\d)(\d{6})[ -]?(\d{8})[ -]?(\d{3}[\dXx])(?!\d)/g;

export const MIN_BIRTH_YEAR = 1900;
export const MAX_BIRTH_YEAR = 2099;

export function isValidBirthDate(yyyymmdd: string): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (year < MIN_BIRTH_YEAR || year > MAX_BIRTH_YEAR || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Whether 18 characters (no separators) form a valid resident ID number. */
export function isValidPrcResidentId(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  if (!PROVINCE_CODES.has(id.slice(0, 2))) return false;
  if (!isValidBirthDate(id.slice(6, 14))) return false;
  return mod11_2CheckChar(id.slice(0, 17)) === (id[17] as string).toUpperCase();
}

export const detectPrcResidentIds: Detector = (text) => {
  const findings: Finding[] = [];
  CANDIDATE.lastIndex = 0;
  for (let match = CANDIDATE.exec(text); match !== null; match = CANDIDATE.exec(text)) {
    const id = `${match[1]}${match[2]}${match[3]}`;
    if (isValidPrcResidentId(id)) {
      findings.push({ kind: 'prcResidentId', start: match.index, end: match.index + match[0].length });
    }
    CANDIDATE.lastIndex = match.index + 1;
  }
  return findings;
};
