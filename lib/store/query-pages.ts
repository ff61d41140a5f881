import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * Every item a Query matches, following LastEvaluatedKey page after page, in the index's order.
 * SDK errors pass through: the caller translates them, naming what it was reading.
 */
export async function queryAllPages(
  doc: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) items.push(item);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every item of several Queries (one per partition, e.g. each of an account's owner shards), in order. */
export async function queryAllPagesOf(
  doc: DynamoDBDocumentClient,
  inputs: readonly Omit<QueryCommandInput, 'ExclusiveStartKey'>[],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const input of inputs) items.push(...(await queryAllPages(doc, input)));
  return items;
}
