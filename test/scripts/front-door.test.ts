import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit, ConcurrencyLimits, routeOf } from '../../scripts/front-door.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('the local stack front door', () => {
  it('runs at most `limit` invocations at once and the rest in the order they came', async () => {
    const limit = new ConcurrencyLimit(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit.run(async () => {
          order.push(i);
          running += 1;
          peak = Math.max(peak, running);
          await tick();
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limit).toMatchObject({ admitted: 20, queued: 17, peakActive: 3, longestQueue: 17 });
  });

  it('frees the slot of an invocation that fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('keeps one limit per key and reports each', async () => {
    const limits = new ConcurrencyLimits(2);
    await Promise.all([limits.of('a').run(tick), limits.of('a').run(tick), limits.of('b').run(tick)]);
    expect(limits.report()).toEqual([
      expect.objectContaining({ key: 'a', limit: 2, admitted: 2, queued: 0 }),
      expect.objectContaining({ key: 'b', limit: 2, admitted: 1, queued: 0 }),
    ]);
  });

  it.each([
    ['POST', '/im/callback?SdkAppid=1&Sign=x', 'POST /im/callback'],
    ['GET', '/apps/1400000001', 'GET /apps/{sdkAppId}'],
    ['PATCH', '/apps/1400000001/privacy?sdkappid=1', 'PATCH /apps/{sdkAppId}/privacy'],
    ['GET', '/apps/1/users/al%2Fice/data', 'GET /apps/{sdkAppId}/users/{account}/data'],
    ['GET', '/nowhere', 'other'],
    ['DELETE', '/im/callback', 'other'],
  ])('names the route of %s %s', (method, url, route) => {
    expect(routeOf(method, url)).toBe(route);
  });
});
