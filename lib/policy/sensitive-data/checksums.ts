/** Check-digit algorithms used by the sensitive-data detectors. Inputs are plain ASCII strings. */

/** Luhn (ISO/IEC 7812-1): detects every single-digit error in a payment card number. */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

const MOD_11_2_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const MOD_11_2_CHARS = '10X98765432';

/** ISO 7064 MOD 11-2 check character of the first 17 digits of a PRC resident ID (GB 11643). */
export function mod11_2CheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < MOD_11_2_WEIGHTS.length; i++) {
    sum += (first17.charCodeAt(i) - 48) * (MOD_11_2_WEIGHTS[i] as number);
  }
  return MOD_11_2_CHARS[sum % 11] as string;
}

/** ISO 7064 MOD 97-10 as IBAN uses it: move the first four characters to the end, letters A=10..Z=35. */
export function isIbanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    if (code >= 48 && code <= 57) {
      remainder = (remainder * 10 + (code - 48)) % 97;
    } else if (code >= 65 && code <= 90) {
      remainder = (remainder * 100 + (code - 55)) % 97;
    } else {
      return false;
    }
  }
  return remainder === 1;
}
