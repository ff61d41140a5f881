import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';

/** BatchGetItem's limit on keys per call. */
const BATCH_GET_LIMIT = 100;
/** Calls per chunk before keys DynamoDB keeps leaving unprocessed count as a failure. */
const MAX_BATCH_ROUNDS = 5;

/**
 * Consistent reads of the items at `keys` (absent ones are simply missing), 100 keys per BatchGetItem,
 * retrying the unprocessed keys; a StoreError `<what> left keys unprocessed` when they stay unprocessed.
 * SDK errors pass through: the caller translates them.
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly object[],
  what: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let offset = 0; offset < keys.length; offset += BATCH_GET_LIMIT) {
    let pending = keys.slice(offset, offset + BATCH_GET_LIMIT) as Record<string, unknown>[];
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_BATCH_ROUNDS) throw new StoreError(`${what} left keys unprocessed`);
      const result = await doc.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return items;
}
