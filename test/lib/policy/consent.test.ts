import { describe, expect, it } from 'vitest';
import {
  CONSENT_EVIDENCE_MONTHS,
  consentAllows,
  consentEvidenceExpiry,
  coverageAfterGrant,
} from '../../../lib/policy/consent.js';
import { resolvePrivacySettings } from '../../../lib/policy/privacy-settings.js';
import {
  cutsForAccount,
  cutsOfChange,
  dependsOnConsent,
  mergeCuts,
} from '../../../lib/policy/retention-cuts.js';

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

  it('switching consent to required cuts both categories to 0 days for accounts without a consent', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const before = resolvePrivacySettings({ messages: { mode: 'stored', retentionDays: 30 } });
    const after = resolvePrivacySettings({
      messages: { mode: 'stored', retentionDays: 30 },
      consent: 'required',
    });
    const cut = [{ at: at.toISOString(), days: 0, sparesConsented: true, consentedBy: at.toISOString() }];
    expect(cutsOfChange(before, after, at)).toEqual({ userInfo: cut, messages: cut });
  });

  it('a switch that also shortens a period makes both cuts; one to notStored needs no consent cut', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const before = resolvePrivacySettings({ messages: { mode: 'stored', retentionDays: 30 } });
    const after = resolvePrivacySettings({
      messages: { mode: 'stored', retentionDays: 7 },
      userInfo: { mode: 'notStored' },
      consent: 'required',
    });
    expect(cutsOfChange(before, after, at)).toEqual({
      messages: [
        { at: at.toISOString(), days: 7 },
        { at: at.toISOString(), days: 0, sparesConsented: true, consentedBy: at.toISOString() },
      ],
      userInfo: [{ at: at.toISOString(), days: 0 }],
    });
  });

  it('a consent cut spares exactly the accounts whose consent has covered the category since the cut', () => {
    const at = '2026-03-01T00:00:00.000Z';
    const shorter = { at: '2026-02-01T00:00:00.000Z', days: 3 };
    const cuts = [shorter, { at, days: 0, sparesConsented: true as const }];
    expect(cutsForAccount(cuts, undefined)).toEqual(cuts);
    expect(cutsForAccount(cuts, '2026-02-28T00:00:00.000Z')).toEqual([shorter]);
    expect(cutsForAccount(cuts, at)).toEqual([shorter]);
    // Consenting after the switch does not bring back what was cut.
    expect(cutsForAccount(cuts, '2026-03-01T00:00:01.000Z')).toEqual(cuts);
    expect(dependsOnConsent(cuts)).toBe(true);
    // The cut starts a settling lead after the switch: a consent given in between is a consent after it.
    const led = [{ at, days: 0, sparesConsented: true as const, consentedBy: '2026-02-28T23:59:59.000Z' }];
    expect(cutsForAccount(led, '2026-02-28T23:59:59.000Z')).toEqual([]);
    expect(cutsForAccount(led, '2026-02-28T23:59:59.500Z')).toEqual(led);
    expect(dependsOnConsent([shorter])).toBe(false);
  });

  it('merging keeps an earlier cut a later consent cut does not cover, and drops one a later plain cut does', () => {
    const now = new Date('2026-03-02T00:00:00Z');
    const notStored = { at: '2026-03-01T00:00:00.000Z', days: 0 };
    const consentCut = { at: '2026-03-01T12:00:00.000Z', days: 0, sparesConsented: true as const };
    const merged = mergeCuts({ messages: [notStored] }, { messages: [consentCut] }, now);
    expect(merged.messages).toEqual([notStored, consentCut]);
    const later = { at: '2026-03-01T18:00:00.000Z', days: 0 };
    expect(mergeCuts(merged, { messages: [later] }, now).messages).toEqual([later]);
  });

  it('coverage starts at the grant that first covers a category and survives re-grants that keep it', () => {
    const grant = (categories: Array<'userInfo' | 'messages'>, grantedAt: string) => ({
      categories,
      jurisdiction: 'DE',
      minimumAge: 16,
      minimumAgeSource: 'table' as const,
      grantedAt,
    });
    const first = grant(['messages'], '2026-01-01T00:00:00.000Z');
    const coverage = coverageAfterGrant(undefined, first);
    expect(coverage).toEqual({ messages: first.grantedAt });
    const second = grant(['messages', 'userInfo'], '2026-02-01T00:00:00.000Z');
    expect(coverageAfterGrant({ active: first, coveredSince: coverage }, second)).toEqual({
      messages: first.grantedAt,
      userInfo: second.grantedAt,
    });
    // A record written before coverage was kept: the active grant's time, never earlier.
    expect(coverageAfterGrant({ active: first }, second).messages).toBe(first.grantedAt);
    expect(coverageAfterGrant({ active: null }, second)).toEqual({
      messages: second.grantedAt,
      userInfo: second.grantedAt,
    });
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
