import { join } from 'node:path';
import { loadIndexShards } from '../lib/config.js';
import { measuredCosts } from './scale-model/measured.js';
import { capacityModel, DEFAULT_DEPLOYMENT, type Deployment } from './scale-model/model.js';
import { renderModel } from './scale-model/render.js';

/**
 * `npm run scale-model -- --rate 100000[,…]`: the capacity and cost model for stored messages per second
 * in one region, from the per-operation costs in bench/results.json times published prices.
 * Options: --retention-days, --swept-share, --erased-share, --largest-app-share, --callback-ms (instead of
 * the measured handler time, e.g. with DynamoDB's real latency), --results <file>. The shard counts are
 * the deployment's (EXPIRY_INDEX_SHARDS, OWNER_INDEX_SHARDS in the environment; 8 and 16 when unset).
 */
function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? undefined : process.argv[index + 1];
}

function number(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${name} must be a non-negative number, got ${raw}`);
  return value;
}

function model(): string {
  const rates = (option('rate') ?? '1000,10000,100000').split(',').map((r) => {
    const value = Number(r);
    if (!(value > 0)) throw new Error(`--rate takes positive numbers of messages per second, got ${r}`);
    return value;
  });
  const shards = loadIndexShards();
  const deployment: Deployment = {
    ...DEFAULT_DEPLOYMENT,
    expiryShards: shards.expiry.write,
    ownerShards: shards.owner.write,
    retentionDays: number('retention-days', DEFAULT_DEPLOYMENT.retentionDays),
    sweptShare: number('swept-share', DEFAULT_DEPLOYMENT.sweptShare),
    erasedShare: number('erased-share', DEFAULT_DEPLOYMENT.erasedShare),
    largestAppShare: number('largest-app-share', DEFAULT_DEPLOYMENT.largestAppShare),
  };
  const results = option('results') ?? join(import.meta.dirname, '..', 'bench', 'results.json');
  const measured = measuredCosts(results);
  const costs = { ...measured, callbackMs: number('callback-ms', measured.callbackMs) };
  return rates.map((rate) => renderModel(capacityModel(rate, costs, deployment))).join('\n\n');
}

try {
  process.stdout.write(`${model()}\n`);
} catch (error) {
  process.stderr.write(`scale-model: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
