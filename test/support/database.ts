import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { TableKey } from '../../lib/config.js';
import { createDocumentClient, createDynamoClient } from '../../lib/store/dynamo.js';
import { TABLE_KEYS } from '../../lib/store/tables.js';
import { createFreshTables, functionEnvironment } from '../../scripts/fresh-tables.js';

export interface TestDatabase {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly tables: Readonly<Record<TableKey, string>>;
  /** Deletes this file's tables and closes the client. */
  drop(): Promise<void>;
}

export const TEST_OPERATOR_TOKEN = 'test-operator-token-0123456789abcdef';
export const TEST_AUDIT_HMAC_KEY = 'test-audit-hmac-key-0123456789abcdef';

/** What a handler module reads at import, for tables at `endpoint`: set it before importing the handler. */
export function handlerEnvironment(
  endpoint: string,
  tables: Readonly<Record<TableKey, string>>,
): Record<string, string> {
  return functionEnvironment(endpoint, tables, {
    OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
    AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
    APP_CACHE_SECONDS: '0',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });
}

/**
 * Fresh, uniquely named tables on the run's DynamoDB Local, and the environment a handler module
 * reads at import: import handlers (dynamically) after this resolves.
 * TTL is off unless asked for: tests run fake clocks, often in the real past, and DynamoDB Local's
 * TTL would otherwise delete their items within seconds, at random. The TTL tests turn it on.
 */
export async function createTestDatabase(
  env: Record<string, string> = {},
  options: { ttl?: boolean } = {},
): Promise<TestDatabase> {
  const endpoint = inject('dynamoEndpoint');
  const tables = await createFreshTables(endpoint, 't', { ttl: options.ttl ?? false });
  const client = createDynamoClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 3,
    requestTimeoutMs: 5000,
  });
  Object.assign(process.env, handlerEnvironment(endpoint, tables), env);
  return {
    endpoint,
    client,
    doc: createDocumentClient(client),
    tables,
    async drop() {
      for (const key of TABLE_KEYS) await client.send(new DeleteTableCommand({ TableName: tables[key] }));
      client.destroy();
    },
  };
}
