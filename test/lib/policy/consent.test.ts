import { describe, expect, it } from 'vitest';
import {
  CONSENT_EVIDENCE_MONTHS,
  consentAllows,
  consentEvidenceExpiry,
} from '../../../lib/policy/consent.js';
import { resolvePrivacySettings } from '../../../lib/policy/privacy-settings.js';
import { cutsOfChange } from '../../../lib/policy/retention-cuts.js';

describe('consent (D6)', () => {
  it.each([
    ['notRequired', 'messages', undefined, true],
    ['notRequired', 'userInfo', [], true],
    ['required', 'messages', undefined, false],
    ['required', 'messages', ['userInfo'], false],
    ['required', 'messages', ['messages'], true],
    ['required', 'userInfo', ['userInfo', 'messages'], true],
  ] as const)(
    'under %s, stores %s for an account whose consent covers %j: %s',
    (mode, category, covered, allowed) => {
      expect(consentAllows(mode, category, covered)).toBe(allowed);
    },
  );

  it('keeps a withdrawn consent as evidence for 3 years, in calendar months', () => {
    expect(CONSENT_EVIDENCE_MONTHS).toBe(36);
    expect(consentEvidenceExpiry(new Date('2026-02-28T10:00:00Z')).toISOString()).toBe(
      '2029-02-28T10:00:00.000Z',
    );
    expect(consentEvidenceExpiry(new Date('2028-02-29T00:00:00Z')).toISOString()).toBe(
      '2031-02-28T00:00:00.000Z',
    );
  });

  it('switching consent to required cuts both categories to 0 days (hidden at once, deleted by expire)', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const before = resolvePrivacySettings({ messages: { mode: 'stored', retentionDays: 30 } });
    const after = resolvePrivacySettings({
      messages: { mode: 'stored', retentionDays: 30 },
      consent: 'required',
    });
    const cut = [{ at: at.toISOString(), days: 0 }];
    expect(cutsOfChange(before, after, at)).toEqual({ userInfo: cut, messages: cut });
  });

  it('makes no cut when consent stays required, or goes back to notRequired', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const required = resolvePrivacySettings({ consent: 'required' });
    const notRequired = resolvePrivacySettings({ consent: 'notRequired' });
    expect(cutsOfChange(required, required, at)).toEqual({});
    expect(cutsOfChange(required, notRequired, at)).toEqual({});
  });

  it('cuts nothing for a category that was not stored before the switch', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const before = resolvePrivacySettings({ userInfo: { mode: 'notStored' } });
    const after = resolvePrivacySettings({ userInfo: { mode: 'notStored' }, consent: 'required' });
    expect(Object.keys(cutsOfChange(before, after, at))).toEqual(['messages']);
  });
});
