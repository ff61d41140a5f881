import { ORIGINAL_SHARDS } from '../../lib/config.js';
import { LIMITS, PRICES, SECONDS_PER_MONTH } from './prices.js';

/** Per-operation costs measured by `npm run bench` (bench/results.json, the `unit.*` lines). */
export interface MeasuredCosts {
  /** Write units per stored message, all tables and indexes. */
  readonly writeUnitsTotal: number;
  /** Capacity units per stored message by table/index (`personal`, `personal/byExpiry`, `telemetry`, …). */
  readonly writeUnitsPerMessage: Readonly<Record<string, number>>;
  readonly readUnitsPerMessage: number;
  readonly callbackMs: number;
  readonly storedMessageBytes: number;
  readonly expireCapacityPerItem: number;
  readonly expireItemsPerSecond: number;
  readonly erasureCapacityPerItem: number;
  readonly erasureItemsPerSecond: number;
}

/** The deployment's knobs (serverless.yml params, lib/config.ts) and the workload's assumptions. */
export interface Deployment {
  readonly retentionDays: number;
  /** The write-shard count of the expiry index (the last of EXPIRY_INDEX_SHARDS). */
  readonly expiryShards: number;
  /** The write-shard count of the owner index (the last of OWNER_INDEX_SHARDS). */
  readonly ownerShards: number;
  readonly lambdaMemoryGb: number;
  /** Share of expiries TTL has not done by the grace, swept by `expire` (1 = TTL lagging entirely). */
  readonly sweptShare: number;
  /** Share of stored messages erased on request (D3) before they expire. */
  readonly erasedShare: number;
  /** Share of the rate that the largest app sends (its owner-index shards take all of it). */
  readonly largestAppShare: number;
}

export const DEFAULT_DEPLOYMENT: Deployment = {
  retentionDays: 7,
  expiryShards: ORIGINAL_SHARDS.expiry,
  ownerShards: ORIGINAL_SHARDS.owner,
  lambdaMemoryGb: 0.5,
  sweptShare: 0.1,
  erasedShare: 0.01,
  largestAppShare: 0.25,
};

/** One line of the model: a figure, its monthly dollars where it costs, and a ceiling that binds. */
export interface ModelLine {
  readonly component: string;
  readonly figure: string;
  readonly dollarsPerMonth: number;
  /** Set when this rate passes a limit: what the limit is and the knob that moves it. */
  readonly ceiling?: string;
}

export interface CapacityModel {
  readonly rate: number;
  readonly lines: readonly ModelLine[];
  readonly totalDollarsPerMonth: number;
}

const sum = (values: Readonly<Record<string, number>>) => Object.values(values).reduce((a, b) => a + b, 0);
const perMonth = (perSecond: number) => perSecond * SECONDS_PER_MONTH;
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));

/** Units per stored message written to a target whose name ends with `suffix` (e.g. `/byExpiry`). */
function unitsTo(costs: MeasuredCosts, suffix: string): number {
  return sum(
    Object.fromEntries(Object.entries(costs.writeUnitsPerMessage).filter(([k]) => k.endsWith(suffix))),
  );
}

/** The capacity and cost of storing `rate` messages per second in one region, component by component. */
export function capacityModel(
  rate: number,
  costs: MeasuredCosts,
  d: Deployment = DEFAULT_DEPLOYMENT,
): CapacityModel {
  if (!(rate > 0)) throw new RangeError('rate must be a positive number of messages per second');
  const lines: ModelLine[] = [];

  const writeUnits = rate * costs.writeUnitsTotal;
  const readUnits = rate * costs.readUnitsPerMessage;
  lines.push({
    component: 'DynamoDB writes (callbacks)',
    figure: `${fmt(writeUnits)} WRU/s (${fmt(costs.writeUnitsTotal)} per message: table, indexes, telemetry)`,
    dollarsPerMonth: (perMonth(writeUnits) / 1e6) * PRICES.dynamoWritePerMillion,
  });
  lines.push({
    component: 'DynamoDB reads (callbacks)',
    figure: `${fmt(readUnits)} RRU/s`,
    dollarsPerMonth: (perMonth(readUnits) / 1e6) * PRICES.dynamoReadPerMillion,
  });

  const storedItems = rate * d.retentionDays * 86_400;
  const storedGb = (storedItems * costs.storedMessageBytes) / 1e9;
  const tableUnits = rate * (costs.writeUnitsPerMessage.personal ?? 0);
  const partitions = Math.max(
    Math.ceil(tableUnits / LIMITS.partitionWriteUnitsPerSecond),
    Math.ceil(storedGb / LIMITS.partitionGb),
    1,
  );
  lines.push({
    component: 'DynamoDB storage',
    figure: `${fmt(storedItems)} messages (${d.retentionDays} days) = ${fmt(storedGb)} GB with indexes; at least ${partitions.toLocaleString('en-US')} table partitions`,
    dollarsPerMonth: storedGb * PRICES.dynamoStoragePerGbMonth,
  });
  lines.push({
    component: 'Point-in-time recovery (P6, 7 days)',
    figure: `${fmt(storedGb)} GB`,
    dollarsPerMonth: storedGb * PRICES.pitrPerGbMonth,
  });

  const expiryPerShard = (rate * unitsTo(costs, '/byExpiry')) / d.expiryShards;
  const needExpiryShards = Math.ceil(
    (rate * unitsTo(costs, '/byExpiry')) / LIMITS.partitionWriteUnitsPerSecond,
  );
  lines.push({
    component: 'Expiry index shards',
    figure: `${d.expiryShards} per category-month: ${fmt(expiryPerShard)} WRU/s per shard (limit ${LIMITS.partitionWriteUnitsPerSecond})`,
    dollarsPerMonth: 0,
    ...(expiryPerShard > LIMITS.partitionWriteUnitsPerSecond
      ? {
          ceiling: `expiry index throttles past ${fmt((d.expiryShards * LIMITS.partitionWriteUnitsPerSecond) / unitsTo(costs, '/byExpiry'))} messages/s: EXPIRY_INDEX_SHARDS ≥ ${needExpiryShards} (append the new count, docs/scale.md)`,
        }
      : {}),
  });
  const ownerRate = rate * d.largestAppShare * unitsTo(costs, '/byOwner');
  const ownerPerShard = ownerRate / d.ownerShards;
  lines.push({
    component: 'Owner index shards (largest app)',
    figure: `${d.ownerShards} per app, largest app ${Math.round(d.largestAppShare * 100)} % of the rate: ${fmt(ownerPerShard)} WRU/s per shard`,
    dollarsPerMonth: 0,
    ...(ownerPerShard > LIMITS.partitionWriteUnitsPerSecond
      ? {
          ceiling: `owner index throttles past ${fmt((d.ownerShards * LIMITS.partitionWriteUnitsPerSecond) / unitsTo(costs, '/byOwner'))} messages/s per app: OWNER_INDEX_SHARDS ≥ ${Math.ceil(ownerRate / LIMITS.partitionWriteUnitsPerSecond)} (append the new count, docs/scale.md)`,
        }
      : {}),
  });

  const callbackConcurrency = (rate * costs.callbackMs) / 1000;
  const callbackGbSeconds = perMonth((rate * costs.callbackMs) / 1000) * d.lambdaMemoryGb;
  lines.push({
    component: 'Lambda: callback',
    figure: `${fmt(rate)} invocations/s × ${fmt(costs.callbackMs)} ms = ${fmt(callbackConcurrency)} concurrent`,
    dollarsPerMonth:
      (perMonth(rate) / 1e6) * PRICES.lambdaPerMillionRequests + callbackGbSeconds * PRICES.lambdaPerGbSecond,
    ...(callbackConcurrency > LIMITS.lambdaRegionalConcurrency
      ? {
          ceiling: `past the default ${LIMITS.lambdaRegionalConcurrency} concurrent executions: raise the regional quota`,
        }
      : {}),
  });
  const requests = perMonth(rate) / 1e6;
  lines.push({
    component: 'HTTP API (callbacks)',
    figure: `${fmt(requests)} million requests/month`,
    dollarsPerMonth:
      Math.min(requests, 300) * PRICES.httpApiPerMillion +
      Math.max(0, requests - 300) * PRICES.httpApiPerMillionAfter300M,
  });
  lines.push({
    component: 'CloudWatch Logs (Lambda platform lines, ~0.3 KB/invocation)',
    figure: `${fmt((perMonth(rate) * 300) / 1e9)} GB/month`,
    dollarsPerMonth: ((perMonth(rate) * 300) / 1e9) * PRICES.logsIngestionPerGb,
  });

  const swept = rate * d.sweptShare;
  const expireRuns = swept / costs.expireItemsPerSecond;
  const worstRuns = rate / costs.expireItemsPerSecond;
  lines.push({
    component: 'expire (sweep behind TTL)',
    figure: `${fmt(swept)} items/s (${Math.round(d.sweptShare * 100)} % of expiries; TTL deletes the rest free) = ${fmt(expireRuns)} runs busy; TTL lagging entirely: ${fmt(worstRuns)} runs`,
    dollarsPerMonth:
      (perMonth(swept * costs.expireCapacityPerItem) / 1e6) * PRICES.dynamoWritePerMillion +
      perMonth(expireRuns) * d.lambdaMemoryGb * PRICES.lambdaPerGbSecond,
    ...(worstRuns > 1
      ? {
          ceiling: `one lease-holding run deletes ${fmt(costs.expireItemsPerSecond)} items/s: with TTL lagging, fan expire out over ${Math.ceil(worstRuns)} slices`,
        }
      : {}),
  });
  const erased = rate * d.erasedShare;
  const erasureWorkers = erased / costs.erasureItemsPerSecond;
  lines.push({
    component: 'Deletion worker (D3 erasure)',
    figure: `${fmt(erased)} items/s (${d.erasedShare * 100} % of messages) × ${fmt(costs.erasureCapacityPerItem)} CU = ${fmt(erasureWorkers)} workers busy`,
    dollarsPerMonth:
      (perMonth(erased * costs.erasureCapacityPerItem) / 1e6) * PRICES.dynamoWritePerMillion +
      perMonth(erasureWorkers) * d.lambdaMemoryGb * PRICES.lambdaPerGbSecond,
  });

  return { rate, lines, totalDollarsPerMonth: lines.reduce((a, l) => a + l.dollarsPerMonth, 0) };
}
