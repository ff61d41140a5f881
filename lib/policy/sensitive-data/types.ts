/** The kinds of sensitive data the D5 guard recognises. */
export const SENSITIVE_KINDS = ['prcResidentId', 'paymentCard', 'iban'] as const;
export type SensitiveKind = (typeof SENSITIVE_KINDS)[number];

/** Where a detected value sits in the scanned text: `[start, end)` in UTF-16 code units. No value is kept. */
export interface Finding {
  readonly kind: SensitiveKind;
  readonly start: number;
  readonly end: number;
}

/**
 * A detector scans text already folded to ASCII digits/letters (see `foldWidth`) and returns the spans of
 * values whose checksum and structure are valid. A value glued to a character that would continue it
 * (a digit before or after a card number, a letter or digit around an IBAN) is a different token and is
 * not reported.
 */
export type Detector = (text: string) => Finding[];
