import type { PersonalCategoryId } from '../../../lib/policy/categories.js';
import { consentAllows } from '../../../lib/policy/consent.js';
import type { CommandContext } from './types.js';

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
  const covered = await context.deps.consents.activeCategories(context.app.sdkAppId, account, {
    signal: context.signal,
  });
  return consentAllows('required', category, covered);
}
