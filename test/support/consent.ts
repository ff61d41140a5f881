import type { ActiveConsent } from '../../lib/policy/consent.js';

/** An adult's consent in DE for messages, granted at `grantedAt`: what tests store through the consent store. */
export function consentGrantedAt(grantedAt: Date): ActiveConsent {
  return {
    categories: ['messages'],
    jurisdiction: 'DE',
    minimumAge: 16,
    minimumAgeSource: 'table',
    grantedAt: grantedAt.toISOString(),
  };
}
