import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * A TransactWriteItems built from named items, so a cancelled transaction's reasons (one per item, by
 * position) map back to names (sdk-errors.ts `failedConditions`) without a second list kept in step.
 */

/** One item of a TransactWriteItems call. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The items to send, in order, and the name of each, at the same position. */
export interface NamedTransaction<N extends string> {
  readonly names: readonly N[];
  readonly items: TransactItem[];
}

/** The transaction of `items` in the record's order; an item left undefined is not part of it. */
export function namedTransaction<N extends string>(
  items: { readonly [K in N]: TransactItem | undefined },
): NamedTransaction<N> {
  const entries = (Object.entries(items) as [N, TransactItem | undefined][]).filter(
    (entry): entry is [N, TransactItem] => entry[1] !== undefined,
  );
  return { names: entries.map(([name]) => name), items: entries.map(([, item]) => item) };
}
