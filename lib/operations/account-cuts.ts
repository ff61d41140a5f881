import { PERSONAL_CATEGORY_IDS } from '../policy/categories.js';
import type { ConsentCoverage } from '../policy/consent.js';
import { cutsForAccount, dependsOnConsent, type RetentionCuts } from '../policy/retention-cuts.js';
import type { ConsentCoverageLookup, ConsentLookup } from '../store/consents.js';

/**
 * Readers of an account's items apply the app's cuts as they stand for that account: a switch to required
 * consent (D6) spares accounts consenting since. The consent is read only while such a cut is in force.
 */
export async function cutsOfAccount(
  cuts: RetentionCuts | undefined,
  consents: ConsentLookup,
  app: string,
  account: string,
): Promise<RetentionCuts | undefined> {
  if (!PERSONAL_CATEGORY_IDS.some((category) => dependsOnConsent(cuts?.[category]))) return cuts;
  return cutsUnderCoverage(cuts, (await consents.activeConsent(app, account))?.coveredSince);
}

/** The app's cuts for an account whose active consent has `coverage` (undefined: none). */
export function cutsUnderCoverage(
  cuts: RetentionCuts | undefined,
  coverage: ConsentCoverage | undefined,
): RetentionCuts | undefined {
  if (!cuts) return cuts;
  const applying: RetentionCuts = {};
  for (const category of PERSONAL_CATEGORY_IDS) {
    const ofCategory = cutsForAccount(cuts[category], coverage?.[category]);
    if (ofCategory) applying[category] = ofCategory;
  }
  return applying;
}

/**
 * For a page of many accounts' items: one coverage read for the accounts, and the cuts per account.
 * Without a cut that depends on consent, every account gets the app's cuts and nothing is read.
 */
export async function cutsOfAccounts(
  cuts: RetentionCuts | undefined,
  consents: ConsentCoverageLookup,
  app: string,
  accounts: readonly string[],
): Promise<(account: string) => RetentionCuts | undefined> {
  if (!PERSONAL_CATEGORY_IDS.some((category) => dependsOnConsent(cuts?.[category]))) return () => cuts;
  const coverage = await consents.coverageOf(app, accounts);
  const unconsented = cutsUnderCoverage(cuts, undefined);
  const consented = new Map(
    [...coverage].map(([account, since]) => [account, cutsUnderCoverage(cuts, since)]),
  );
  return (account) => consented.get(account) ?? unconsented;
}
