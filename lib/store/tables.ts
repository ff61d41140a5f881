import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { TableKey } from '../config.js';
import definitions from './tables.json' with { type: 'json' };

/**
 * Table definitions, written once in tables.json and used both by serverless.yml (CloudFormation
 * resources) and by local table creation. Every table's TTL attribute is `ttlDeleteAt` (epoch seconds,
 * TTL_MARGIN_SECONDS behind `expiresAt`: lib/policy/expiry.ts).
 */
export const TABLE_KEYS = [
  'apps',
  'personal',
  'telemetry',
  'governance',
] as const satisfies readonly TableKey[];
export const TTL_ATTRIBUTE = 'ttlDeleteAt';

type Definition = Pick<
  CreateTableCommandInput,
  'AttributeDefinitions' | 'KeySchema' | 'GlobalSecondaryIndexes'
>;

export function tableDefinition(key: TableKey): Definition {
  return definitions[key] as Definition;
}

/**
 * Creates each missing table with on-demand billing and TTL on `ttlDeleteAt` (tests may leave TTL off so
 * that DynamoDB Local's background deletion cannot race their fake clocks); returns the names created.
 */
export async function createMissingTables(
  client: DynamoDBClient,
  names: Readonly<Record<TableKey, string>>,
  options: { ttl?: boolean } = {},
): Promise<string[]> {
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) existing.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);

  const created: string[] = [];
  for (const key of TABLE_KEYS) {
    const TableName = names[key];
    if (existing.has(TableName)) continue;
    try {
      await client.send(
        new CreateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST', ...tableDefinition(key) }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName });
    if (options.ttl === false) {
      created.push(TableName);
      continue;
    }
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
    created.push(TableName);
  }
  return created;
}
