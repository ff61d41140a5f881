import { randomUUID } from 'node:crypto';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { TableKey } from '../../../lib/config.js';
import type { CategoryId } from '../../../lib/policy/categories.js';
import { CATEGORY_TABLES, type ItemKey } from '../../../lib/store/expiry-index.js';
import { expiringAttributes, keyPart, ownerShard } from '../../../lib/store/keys.js';

/**
 * Test items written straight into the tables with the documented key layout (INTERFACES.md):
 * expire relies only on the index attributes and the key attributes, never on the rest.
 */
export interface TestItem {
  category: CategoryId;
  app: string;
  account?: string;
  expiresAt: number;
}

export interface StoredTestItem extends TestItem {
  table: TableKey;
  key: ItemKey;
}

export function layoutOf(item: TestItem): StoredTestItem & { attributes: Record<string, unknown> } {
  const id = randomUUID();
  const app = keyPart(item.app);
  let key: ItemKey;
  let extra: Record<string, unknown> = {};
  switch (item.category) {
    case 'log':
    case 'monitoring':
      key = { pk: `${app}#${item.category}#${id}`, sk: item.category };
      break;
    case 'config':
      key = { appId: `${item.app}-${id}` };
      break;
    case 'userInfo':
    case 'messages': {
      const account = item.account ?? 'nobody';
      key =
        item.category === 'userInfo'
          ? { pk: `${app}#user#${keyPart(account)}#${id}`, sk: 'userInfo' }
          : { pk: `${app}#msg#c2c#${id}`, sk: 'msg' };
      extra = {
        account,
        ownerShard: ownerShard(item.app, account),
        ownerSort: `${keyPart(account)}#${item.category}#${String(item.expiresAt).padStart(12, '0')}#${key.pk}`,
        text: 'hello',
      };
      break;
    }
  }
  const table = CATEGORY_TABLES[item.category];
  const itemKey = Object.values(key).join('#');
  return {
    ...item,
    ...(extra.account ? { account: extra.account as string } : {}),
    table,
    key,
    attributes: { ...key, ...extra, ...expiringAttributes(item.category, item.app, item.expiresAt, itemKey) },
  };
}

export async function writeItems(
  doc: DynamoDBDocumentClient,
  tables: Record<TableKey, string>,
  items: readonly TestItem[],
): Promise<StoredTestItem[]> {
  const stored = items.map(layoutOf);
  for (const table of ['apps', 'personal', 'telemetry'] as const) {
    const ofTable = stored.filter((item) => item.table === table);
    for (let i = 0; i < ofTable.length; i += 25) {
      const chunk = ofTable.slice(i, i + 25);
      let pending: Record<string, unknown>[] = chunk.map((item) => ({
        PutRequest: { Item: item.attributes },
      }));
      while (pending.length) {
        const out = await doc.send(
          new BatchWriteCommand({ RequestItems: { [tables[table]]: pending as never } }),
        );
        pending = (out.UnprocessedItems?.[tables[table]] ?? []) as Record<string, unknown>[];
      }
    }
  }
  return stored.map(({ attributes: _attributes, ...rest }) => rest);
}

export async function readItem(
  doc: DynamoDBDocumentClient,
  tables: Record<TableKey, string>,
  item: StoredTestItem,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await doc.send(
    new GetCommand({ TableName: tables[item.table], Key: item.key, ConsistentRead: true }),
  );
  return Item;
}

/** Test cleanup only (a Scan is fine here, never on a request or expiry path): empties every table. */
export async function emptyTables(db: { doc: DynamoDBDocumentClient; tables: Record<TableKey, string> }) {
  const keyNames: Record<TableKey, string[]> = {
    apps: ['appId'],
    personal: ['pk', 'sk'],
    telemetry: ['pk', 'sk'],
    governance: ['pk', 'sk'],
  };
  for (const table of Object.keys(keyNames) as TableKey[]) {
    const { Items = [] } = await db.doc.send(new ScanCommand({ TableName: db.tables[table] }));
    const keys = Items.map((item) => Object.fromEntries(keyNames[table].map((name) => [name, item[name]])));
    for (let i = 0; i < keys.length; i += 25) {
      let pending: unknown[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      while (pending.length) {
        const out = await db.doc.send(
          new BatchWriteCommand({ RequestItems: { [db.tables[table]]: pending as never } }),
        );
        pending = out.UnprocessedItems?.[db.tables[table]] ?? [];
      }
    }
  }
}

/** The value, or a failed test when it is missing (instead of a non-null assertion). */
export function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
