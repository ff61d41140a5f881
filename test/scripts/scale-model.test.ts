import { describe, expect, it } from 'vitest';
import { capacityModel, DEFAULT_DEPLOYMENT, type MeasuredCosts } from '../../scripts/scale-model/model.js';
import { renderModel } from '../../scripts/scale-model/render.js';

const costs: MeasuredCosts = {
  writeUnitsTotal: 3.05,
  writeUnitsPerMessage: { personal: 1, 'personal/byExpiry': 1, 'personal/byOwner': 1, telemetry: 0.05 },
  readUnitsPerMessage: 0.01,
  callbackMs: 10,
  storedMessageBytes: 1000,
  expireCapacityPerItem: 3,
  expireItemsPerSecond: 5000,
  erasureCapacityPerItem: 4,
  erasureItemsPerSecond: 2000,
};

const line = (rate: number, component: string) => {
  const found = capacityModel(rate, costs).lines.find((l) => l.component.startsWith(component));
  if (!found) throw new Error(`no line ${component}`);
  return found;
};

describe('the capacity model (npm run scale-model)', () => {
  it('prices writes as rate × measured units × seconds per month × the on-demand price', () => {
    // 1,000 msg/s × 3.05 WRU × 2,629,800 s = 8.02e9 WRU; × $0.625 per million.
    expect(line(1000, 'DynamoDB writes').dollarsPerMonth).toBeCloseTo(
      (1000 * 3.05 * 2_629_800 * 0.625) / 1e6,
      2,
    );
  });

  it('sizes storage from the retention: 7 days of messages at the measured bytes each', () => {
    const storage = line(1000, 'DynamoDB storage');
    expect(storage.figure).toContain('604,800,000 messages');
    expect(storage.dollarsPerMonth).toBeCloseTo(604.8 * 0.25, 2);
  });

  it('flags the expiry-index ceiling only past shards × 1,000 writes/s, naming the knob', () => {
    expect(line(7999, 'Expiry index').ceiling).toBeUndefined();
    expect(line(8001, 'Expiry index').ceiling).toMatch(/EXPIRY_INDEX_SHARDS ≥ 9/);
    expect(line(100_000, 'Expiry index').ceiling).toMatch(/EXPIRY_INDEX_SHARDS ≥ 100/);
  });

  it('flags the owner index for the largest app and expire when TTL lags past one run', () => {
    expect(line(10_000, 'Owner index').ceiling).toBeUndefined();
    expect(line(100_000, 'Owner index').ceiling).toMatch(/OWNER_INDEX_SHARDS ≥ 25/);
    expect(line(1000, 'expire').ceiling).toBeUndefined();
    expect(line(100_000, 'expire').ceiling).toMatch(/20 slices/);
  });

  it('takes the configured shard counts: 256 expiry and 128 owner shards carry 100,000 messages/s', () => {
    const raised = capacityModel(100_000, costs, {
      ...DEFAULT_DEPLOYMENT,
      expiryShards: 256,
      ownerShards: 128,
    });
    const of = (component: string) => raised.lines.find((l) => l.component.startsWith(component));
    expect(of('Expiry index')?.figure).toMatch(/^256 per category-month/);
    expect(of('Expiry index')?.ceiling).toBeUndefined();
    expect(of('Owner index')?.ceiling).toBeUndefined();
  });

  it('grows linearly with the rate and totals its lines', () => {
    const small = capacityModel(1000, costs, DEFAULT_DEPLOYMENT);
    const large = capacityModel(100_000, costs, DEFAULT_DEPLOYMENT);
    const sum = large.lines.reduce((a, l) => a + l.dollarsPerMonth, 0);
    expect(large.totalDollarsPerMonth).toBeCloseTo(sum, 6);
    // HTTP API gets cheaper per request past 300 million a month, so slightly less than 100×.
    expect(large.totalDollarsPerMonth / small.totalDollarsPerMonth).toBeGreaterThan(95);
    expect(large.totalDollarsPerMonth / small.totalDollarsPerMonth).toBeLessThanOrEqual(100);
  });

  it('refuses a rate that is not positive, and renders every line with a total', () => {
    expect(() => capacityModel(0, costs)).toThrow(/positive/);
    const text = renderModel(capacityModel(100_000, costs));
    expect(text).toContain('| **total** |');
    expect(text).toContain('Ceilings at this rate:');
  });
});
