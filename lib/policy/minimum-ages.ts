import { isAssignedCountryCode } from './iso-3166.js';

/**
 * D4: the minimum age of digital consent per jurisdiction (ISO 3166-1 alpha-2), each with the law and
 * article that sets it, or the regulator's guidance where the statute sets no age (JP, SG). Below it, a
 * consent counts only with the consent of a holder of parental responsibility. EU/EEA states apply
 * GDPR art. 8(1): 16, unless their law chose an age between 13 and 16. Pure data and decisions.
 */
export interface MinimumAge {
  readonly age: number;
  readonly source: string;
}

const GDPR_DEFAULT = 'GDPR art. 8(1) (no lower age set by national law)';

export const MINIMUM_AGES: Readonly<Record<string, MinimumAge>> = {
  AT: { age: 14, source: 'Datenschutzgesetz (DSG) § 4(4)' },
  BE: { age: 13, source: 'Law of 30 July 2018 on the protection of natural persons (Belgium), art. 7' },
  BG: { age: 14, source: 'Personal Data Protection Act (Bulgaria), art. 25c' },
  HR: { age: 16, source: 'Act on the Implementation of the GDPR (Croatia, NN 42/2018), art. 19' },
  CY: { age: 14, source: 'Law 125(I)/2018 (Cyprus), art. 8' },
  CZ: { age: 15, source: 'Act No. 110/2019 Coll. on personal data processing (Czechia), § 7' },
  DK: { age: 13, source: 'Databeskyttelsesloven (Denmark, Act No. 502 of 2018), § 6(2)' },
  EE: { age: 13, source: 'Isikuandmete kaitse seadus (Estonia), § 8' },
  FI: { age: 13, source: 'Tietosuojalaki 1050/2018 (Finland), section 5' },
  FR: { age: 15, source: 'Loi n° 78-17 Informatique et Libertés (France), art. 45' },
  DE: { age: 16, source: GDPR_DEFAULT },
  GR: { age: 15, source: 'Law 4624/2019 (Greece), art. 21' },
  HU: { age: 16, source: GDPR_DEFAULT },
  IE: { age: 16, source: 'Data Protection Act 2018 (Ireland), s. 31' },
  IT: { age: 14, source: 'Codice privacy (D.Lgs. 196/2003 as amended by D.Lgs. 101/2018), art. 2-quinquies' },
  LV: { age: 13, source: 'Personal Data Processing Law (Latvia), section 33' },
  LT: { age: 14, source: 'Law on Legal Protection of Personal Data (Lithuania), art. 6' },
  LU: { age: 16, source: GDPR_DEFAULT },
  MT: { age: 13, source: 'Data Protection Act (Malta, Cap. 586), S.L. 586.11, reg. 3' },
  NL: { age: 16, source: 'Uitvoeringswet AVG (Netherlands), art. 5' },
  PL: { age: 16, source: GDPR_DEFAULT },
  PT: { age: 13, source: 'Lei n.º 58/2019 (Portugal), art. 16' },
  RO: { age: 16, source: GDPR_DEFAULT },
  SK: { age: 16, source: 'Act No. 18/2018 Coll. on personal data protection (Slovakia), § 15' },
  SI: { age: 15, source: 'Personal Data Protection Act ZVOP-2 (Slovenia), art. 8' },
  ES: { age: 14, source: 'Ley Orgánica 3/2018 (LOPDGDD, Spain), art. 7' },
  SE: {
    age: 13,
    source: 'Lag (2018:218) med kompletterande bestämmelser till dataskyddsförordningen (Sweden), ch. 2 § 4',
  },
  IS: { age: 13, source: 'Act No. 90/2018 on Data Protection (Iceland), art. 10' },
  LI: { age: 16, source: GDPR_DEFAULT },
  NO: { age: 13, source: 'Personopplysningsloven (Norway, LOV-2018-06-15-38), § 5' },
  GB: { age: 13, source: 'Data Protection Act 2018 (UK), s. 9 (UK GDPR art. 8)' },
  US: { age: 13, source: 'COPPA, 15 U.S.C. § 6501(1); 16 CFR § 312.2' },
  CN: { age: 14, source: 'PIPL (Personal Information Protection Law), art. 28 and art. 31' },
  IN: { age: 18, source: 'Digital Personal Data Protection Act 2023, s. 2(f) and s. 9' },
  BR: { age: 12, source: 'LGPD (Lei 13.709/2018), art. 14 (children: under 12, ECA art. 2)' },
  JP: {
    age: 16,
    source:
      'Personal Information Protection Commission, APPI Guidelines (General Rules) and Q&A (regulator guidance; the APPI sets no age)',
  },
  KR: { age: 14, source: 'Personal Information Protection Act (PIPA), art. 22-2' },
  SG: {
    age: 13,
    source:
      'PDPC Advisory Guidelines on the PDPA for Selected Topics, minors (regulator guidance; the PDPA sets no age)',
  },
};

/** An assigned code the table lacks gets the GDPR's own age, the highest art. 8 allows. */
export const DEFAULT_MINIMUM_AGE: MinimumAge = {
  age: 16,
  source: 'default: GDPR art. 8(1), for jurisdictions not in the table',
};

export type MinimumAgeLookup =
  | { readonly assigned: false }
  | {
      readonly assigned: true;
      readonly age: number;
      readonly source: string;
      /** `default` when the table lacks the jurisdiction and the default age applies. */
      readonly minimumAgeSource: 'table' | 'default';
    };

/** The minimum age for a jurisdiction; `assigned: false` for anything but an assigned ISO 3166-1 alpha-2 code. */
export function minimumAgeFor(jurisdiction: string): MinimumAgeLookup {
  if (!isAssignedCountryCode(jurisdiction)) return { assigned: false };
  const entry = MINIMUM_AGES[jurisdiction];
  return entry
    ? { assigned: true, ...entry, minimumAgeSource: 'table' }
    : { assigned: true, ...DEFAULT_MINIMUM_AGE, minimumAgeSource: 'default' };
}

/**
 * D4: whether a consent given at `age` counts in a jurisdiction whose minimum is `minimumAge`: always
 * when no age is stated (the customer vouches for it) or the age reaches the minimum; below it, only
 * with parental consent.
 */
export function consentAgeAccepted(
  input: { readonly age?: number | undefined; readonly parentalConsent?: boolean | undefined },
  minimumAge: number,
): boolean {
  if (input.age === undefined || input.age >= minimumAge) return true;
  return input.parentalConsent === true;
}
