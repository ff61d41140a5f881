import type { DynamoProxy } from '../../scripts/dynamo-proxy.js';
import type { Tables } from './database.js';
import { round } from './stats.js';

/**
 * What a metered proxy saw, for a benchmark's detail: capacity units and calls per operation, then
 * capacity units per table and index (named by their role in `tables`, e.g. `personal/byExpiry`).
 */
export function capacityBreakdown(proxy: DynamoProxy, tables: Tables, per = 1): string {
  const parts = capacityParts(proxy, tables, per);
  const ops = [...proxy.capacity.byOperation.entries()]
    .map(([op, units]) => `${op} ${round(units / per, 3)} (${proxy.counts.get(op) ?? 0} calls)`)
    .join(', ');
  const targets = Object.entries(parts)
    .map(([target, units]) => `${target} ${units}`)
    .join(', ');
  return `${ops}; by table/index: ${targets}`;
}

/** Capacity units per table and index (`personal`, `personal/byExpiry`, …), divided by `per`. */
export function capacityParts(proxy: DynamoProxy, tables: Tables, per = 1): Record<string, number> {
  const names = Object.fromEntries(Object.entries(tables).map(([key, name]) => [name, key]));
  return Object.fromEntries(
    [...proxy.capacity.byTarget.entries()]
      .filter(([, units]) => units > 0)
      .map(([target, units]) => {
        const [table = '', index] = target.split('/');
        return [`${names[table] ?? table}${index ? `/${index}` : ''}`, round(units / per, 3)];
      }),
  );
}
