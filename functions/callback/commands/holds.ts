import type { PersonalCategoryId } from '../../../lib/policy/categories.js';
import { coveringHolds } from '../../../lib/policy/legal-holds.js';
import type { CommandContext } from './types.js';

/**
 * The legal holds a callback must respect (D3's exception), from the container's cached view of the
 * app's holds: no read per callback in the steady state.
 */
export async function holdsOn(context: CommandContext, category: PersonalCategoryId) {
  const holds = await context.deps.legalHolds.activeForApp(context.app.sdkAppId, context.now);
  return holds.filter((hold) => hold.categories.includes(category));
}

/**
 * The ids of the holds covering `account`'s items of `category`, registered on the app's held bucket
 * (so `expire` re-checks it once they end) before the caller parks anything there.
 */
export async function registerCoveringHolds(
  context: CommandContext,
  category: PersonalCategoryId,
  account: string | undefined,
): Promise<string[]> {
  const holds = await holdsOn(context, category);
  if (holds.length === 0) return [];
  const ids = coveringHolds(holds, { app: context.app.sdkAppId, category, account }, context.now).map(
    (hold) => hold.id,
  );
  if (ids.length > 0) await context.deps.expiryState.recordHeld(category, context.app.sdkAppId, ids);
  return ids;
}
