import type { PersonalCategoryId } from '../../../lib/policy/categories.js';
import { consentAllows } from '../../../lib/policy/consent.js';
import { cutsForAccount, dependsOnConsent, type RetentionCut } from '../../../lib/policy/retention-cuts.js';
import type { ConsentInForce } from '../../../lib/store/consents.js';
import type { CommandContext } from './types.js';

/** One read of an account's consent per callback, whoever asks for it (the D6 check, the cuts). */
const lookups = new WeakMap<CommandContext, Map<string, Promise<ConsentInForce | undefined>>>();

function consentOf(context: CommandContext, account: string): Promise<ConsentInForce | undefined> {
  let ofContext = lookups.get(context);
  if (!ofContext) {
    ofContext = new Map();
    lookups.set(context, ofContext);
  }
  let found = ofContext.get(account);
  if (!found) {
    found = context.deps.consents.activeConsent(context.app.sdkAppId, account, { signal: context.signal });
    ofContext.set(account, found);
  }
  return found;
}

/**
 * D6 at the store: whether the account's data of `category` may be stored. An app that does not require
 * consent pays nothing (no read); one that does reads the account's active consent once, strongly
 * consistent and uncached, so a grant or a withdrawal is in force from its answer on.
 */
export async function consentGiven(
  context: CommandContext,
  category: PersonalCategoryId,
  account: string | undefined,
): Promise<boolean> {
  if (context.settings.consent !== 'required') return true;
  if (account === undefined) return false;
  return consentAllows('required', category, (await consentOf(context, account))?.categories);
}

/**
 * The app's retention cuts of `category` that apply to `account`'s items: a switch to required consent
 * spares accounts consenting since (lib/policy/retention-cuts.ts). The consent is read only while such a
 * cut is in force and, given the item's `createdAt`, only when the item is older than that cut.
 */
export async function cutsFor(
  context: CommandContext,
  category: PersonalCategoryId,
  account: string | undefined,
  createdAt?: Date,
): Promise<readonly RetentionCut[] | undefined> {
  const cuts = context.app.retentionCuts?.[category];
  const created = createdAt?.toISOString();
  const relevant = created === undefined ? cuts : cuts?.filter((cut) => created < cut.at);
  if (!dependsOnConsent(relevant) || account === undefined) return cuts;
  return cutsForAccount(cuts, (await consentOf(context, account))?.coveredSince[category]);
}
