/**
 * DynamoDB's size of an item as it bills storage and sizes capacity units: attribute names plus values
 * (strings in UTF-8, numbers about one byte per two significant digits plus one, maps and lists 3 bytes
 * plus 1 per element), per https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html.
 */
export function itemBytes(item: Readonly<Record<string, unknown>>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueBytes(value), 0);
}

/** Bytes of the item's entry in an index: its keys and projected attributes (the table's keys included). */
export function indexEntryBytes(
  item: Readonly<Record<string, unknown>>,
  attributes: readonly string[],
): number {
  return itemBytes(Object.fromEntries(attributes.filter((a) => a in item).map((a) => [a, item[a]])));
}

/** Storage DynamoDB bills per item and per index entry on top of the data. */
export const STORAGE_OVERHEAD_BYTES = 100;
export const DYNAMO_OVERHEAD_NOTE = `${STORAGE_OVERHEAD_BYTES} bytes of overhead per item and per index entry included`;

interface TableShape {
  readonly KeySchema?: readonly { AttributeName?: string }[];
  readonly GlobalSecondaryIndexes?: readonly {
    IndexName?: string;
    KeySchema?: readonly { AttributeName?: string }[];
    Projection?: { ProjectionType?: string; NonKeyAttributes?: readonly string[] };
  }[];
}

/** Stored bytes of one item in its table and in each of the table's indexes (by their projections). */
export function storedItemBytes(
  item: Readonly<Record<string, unknown>>,
  table: TableShape,
): { total: number; parts: Record<string, number> } {
  const parts: Record<string, number> = { table: itemBytes(item) + STORAGE_OVERHEAD_BYTES };
  const tableKeys = (table.KeySchema ?? []).map((k) => k.AttributeName ?? '');
  for (const index of table.GlobalSecondaryIndexes ?? []) {
    const keys = (index.KeySchema ?? []).map((k) => k.AttributeName ?? '');
    if (!keys.every((k) => k in item)) continue; // a sparse index holds no entry for this item
    const projected =
      index.Projection?.ProjectionType === 'ALL'
        ? Object.keys(item)
        : [...tableKeys, ...keys, ...(index.Projection?.NonKeyAttributes ?? [])];
    parts[index.IndexName ?? '?'] = indexEntryBytes(item, [...new Set(projected)]) + STORAGE_OVERHEAD_BYTES;
  }
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

function valueBytes(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') {
    const digits =
      String(Math.abs(value))
        .replace(/[.\-e+]/g, '')
        .replace(/^0+/, '').length || 1;
    return Math.ceil(digits / 2) + 1;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  if (typeof value === 'object')
    return 3 + Object.entries(value).reduce((sum, [k, v]) => sum + 1 + utf8(k) + valueBytes(v), 0);
  return 0;
}
