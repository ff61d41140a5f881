import { describe, expect, it } from 'vitest';
import { ISO_3166_ALPHA_2 } from '../../../lib/policy/iso-3166.js';
import {
  consentAgeAccepted,
  DEFAULT_MINIMUM_AGE,
  MINIMUM_AGES,
  minimumAgeFor,
} from '../../../lib/policy/minimum-ages.js';

const EXPECTED: Record<string, number> = {
  AT: 14,
  BE: 13,
  BG: 14,
  HR: 16,
  CY: 14,
  CZ: 15,
  DK: 13,
  EE: 13,
  FI: 13,
  FR: 15,
  DE: 16,
  GR: 15,
  HU: 16,
  IE: 16,
  IT: 14,
  LV: 13,
  LT: 14,
  LU: 16,
  MT: 13,
  NL: 16,
  PL: 16,
  PT: 13,
  RO: 16,
  SK: 16,
  SI: 15,
  ES: 14,
  SE: 13,
  IS: 13,
  LI: 16,
  NO: 13,
  GB: 13,
  US: 13,
  CN: 14,
  IN: 18,
  BR: 12,
  JP: 16,
  KR: 14,
  SG: 13,
};
const EU_EEA = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
];

describe('minimum age of digital consent (D4)', () => {
  it.each(Object.entries(EXPECTED))('%s: %i, with its source named', (code, age) => {
    const lookup = minimumAgeFor(code);
    expect(lookup).toMatchObject({ assigned: true, age, minimumAgeSource: 'table' });
    expect(MINIMUM_AGES[code]?.source.length).toBeGreaterThan(5);
  });

  it('covers every EU/EEA member state, and nothing the expected table lacks', () => {
    for (const code of EU_EEA) expect(MINIMUM_AGES[code], code).toBeDefined();
    expect(Object.keys(MINIMUM_AGES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('keeps every EU/EEA age within what GDPR art. 8(1) allows (13 to 16)', () => {
    for (const code of EU_EEA) {
      const age = MINIMUM_AGES[code]?.age ?? 0;
      expect(age, code).toBeGreaterThanOrEqual(13);
      expect(age, code).toBeLessThanOrEqual(16);
    }
  });

  it('names the regulator guidance where the statute sets no age (JP, SG), and the article for KR and BR', () => {
    expect(MINIMUM_AGES.JP?.source).toMatch(/guidance/);
    expect(MINIMUM_AGES.SG?.source).toMatch(/guidance/);
    expect(MINIMUM_AGES.KR?.source).toMatch(/22-2/);
    expect(MINIMUM_AGES.BR?.source).toMatch(/art\. 14/);
  });

  it.each(['CA', 'AU', 'CH', 'ZA', 'AQ'])(
    'gives an assigned code the table lacks (%s) the documented default, 16',
    (code) => {
      expect(minimumAgeFor(code)).toEqual({
        assigned: true,
        ...DEFAULT_MINIMUM_AGE,
        minimumAgeSource: 'default',
      });
      expect(DEFAULT_MINIMUM_AGE.age).toBe(16);
    },
  );

  it.each(['EU', 'UK', 'XK', 'ZZ', 'de', 'DEU', '', 'D'])(
    'refuses %j: not an assigned ISO 3166-1 alpha-2 code',
    (code) => {
      expect(minimumAgeFor(code)).toEqual({ assigned: false });
    },
  );

  it('knows all 249 assigned codes, each once and in order', () => {
    expect(ISO_3166_ALPHA_2).toHaveLength(249);
    expect(new Set(ISO_3166_ALPHA_2).size).toBe(249);
    expect([...ISO_3166_ALPHA_2].sort()).toEqual([...ISO_3166_ALPHA_2]);
    for (const code of Object.keys(MINIMUM_AGES)) expect(ISO_3166_ALPHA_2, code).toContain(code);
  });

  it.each([
    [{ age: 14 }, 16, false],
    [{ age: 14, parentalConsent: true }, 16, true],
    [{ age: 14, parentalConsent: false }, 16, false],
    [{ age: 16 }, 16, true],
    [{ age: 17 }, 16, true],
    [{}, 16, true],
    [{ age: 0, parentalConsent: true }, 13, true],
  ] as const)('accepts %j against a minimum of %i: %s', (input, minimum, accepted) => {
    expect(consentAgeAccepted(input, minimum)).toBe(accepted);
  });
});
