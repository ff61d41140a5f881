import { randomBytes } from 'node:crypto';
import { type TableKey, tableEnvironment } from '../lib/config.js';
import { generateReceiptSigningKey } from '../lib/evidence/receipt-signature.js';
import { createDynamoClient } from '../lib/store/dynamo.js';
import { createMissingTables, TABLE_KEYS } from '../lib/store/tables.js';

/**
 * Fresh, uniquely named tables on a DynamoDB Local (`<prefix><random>-<table>`), for the tests and the
 * benchmarks, and the environment a function reads at cold start (lib/config.ts) pointed at them.
 * TTL is off unless asked for: DynamoDB Local's TTL deletes expired items within seconds, which would
 * race fake clocks and `expire` for the items a test or benchmark loads.
 */
export type Tables = Readonly<Record<TableKey, string>>;

export async function createFreshTables(
  endpoint: string,
  prefix: string,
  options: { ttl?: boolean } = {},
): Promise<Tables> {
  const unique = `${prefix}${randomBytes(4).toString('hex')}`;
  const tables = Object.fromEntries(TABLE_KEYS.map((key) => [key, `${unique}-${key}`])) as Record<
    TableKey,
    string
  >;
  const client = createDynamoClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 5,
    requestTimeoutMs: 30_000,
  });
  try {
    await createMissingTables(client, tables, { ttl: options.ttl ?? false });
  } finally {
    client.destroy();
  }
  return tables;
}

/** One receipt signing key per process, so every handler a test or benchmark imports signs alike. */
const PROCESS_RECEIPT_KEY = generateReceiptSigningKey();

/** What every function reads at import, for `tables` at `endpoint`, with `overrides` (tokens, log level). */
export function functionEnvironment(
  endpoint: string,
  tables: Tables,
  overrides: Record<string, string>,
): Record<string, string> {
  return {
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DATA_CENTER: 'local',
    EXPIRY_GRACE_SECONDS: '0',
    RECEIPT_SIGNING_KEY: PROCESS_RECEIPT_KEY,
    ...tableEnvironment(tables),
    ...overrides,
  };
}
