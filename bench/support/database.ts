import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoClient } from '../../lib/store/dynamo.js';
import { createFreshTables, functionEnvironment, type Tables } from '../../scripts/fresh-tables.js';
import { runPool } from './stats.js';

export type { Tables };

export const BENCH_OPERATOR_TOKEN = 'bench-operator-token-0123456789abcdef';
export const BENCH_AUDIT_HMAC_KEY = 'bench-audit-hmac-key-0123456789abcdef';

/** A document client for the bench itself (loading, checking), with generous timeouts. */
export function benchDoc(endpoint: string): DynamoDBDocumentClient {
  return createDocumentClient(
    createDynamoClient({ endpoint, region: 'us-east-1', maxAttempts: 10, requestTimeoutMs: 30_000 }),
  );
}

/**
 * Fresh, uniquely named tables, TTL off (DynamoDB Local's TTL would race `expire` for the due items a
 * benchmark loads: every due item is removed by the code under test).
 */
export function createBenchTables(endpoint: string, label: string): Promise<Tables> {
  return createFreshTables(endpoint, `bench-${label}-`);
}

/** The environment a handler module reads at import (lib/config.ts), pointed at `endpoint`. */
export function handlerEnv(endpoint: string, tables: Tables): Record<string, string> {
  return functionEnvironment(endpoint, tables, {
    OPERATOR_TOKEN: BENCH_OPERATOR_TOKEN,
    AUDIT_HMAC_KEY: BENCH_AUDIT_HMAC_KEY,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
}

let instance = 0;

/**
 * A fresh instance of a handler module bound to `env`: the environment is set, then the module is
 * imported under a unique query string, so its module-scope clients and config are its own (its
 * dependencies are shared, as in one Lambda container holding several handlers).
 */
export async function importHandler<T>(relativePath: string, env: Record<string, string>): Promise<T> {
  Object.assign(process.env, env);
  instance += 1;
  const url = new URL(`../../${relativePath}?bench=${instance}`, import.meta.url);
  return (await import(url.href)) as T;
}

/** Writes items with parallel BatchWriteItem calls (25 a call), retrying UnprocessedItems. */
export async function loadItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
  concurrency = 16,
): Promise<void> {
  const batches = Math.ceil(items.length / 25);
  await runPool(batches, concurrency, async (index) => {
    let pending = items.slice(index * 25, index * 25 + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  });
}
