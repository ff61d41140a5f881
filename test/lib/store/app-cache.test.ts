import { describe, expect, it } from 'vitest';
import { cachedAppStore } from '../../../lib/store/app-cache.js';
import type { AppRecord, AppStore } from '../../../lib/store/apps.js';

const record = (purgeAt?: string) =>
  ({
    sdkAppId: '1400000001',
    status: purgeAt ? 'terminated' : 'active',
    purgeAt,
    config: {},
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
  }) as unknown as AppRecord;

function countingStore(answer: () => AppRecord | undefined) {
  const calls: string[] = [];
  const get = async (id: string) => {
    calls.push(id);
    return answer();
  };
  const store = { get } as unknown as AppStore;
  return { store, calls };
}

describe('cachedAppStore', () => {
  it('reads each app once per ttl, known or unknown, and again after it', async () => {
    let clock = 0;
    const { store, calls } = countingStore(() => record());
    const cached = cachedAppStore(store, { ttlMs: 5000, clock: () => clock });
    await cached.get('a');
    await cached.get('a');
    await cached.get('b');
    expect(calls).toEqual(['a', 'b']);
    clock = 5000;
    await cached.get('a');
    expect(calls).toEqual(['a', 'b', 'a']);
  });

  it('hides a cached app once its purge time has come', async () => {
    const { store } = countingStore(() => record('2026-12-01T00:00:00Z'));
    const cached = cachedAppStore(store, { ttlMs: 60_000, clock: () => 0 });
    expect(await cached.get('a', new Date('2026-11-30T00:00:00Z'))).toBeDefined();
    expect(await cached.get('a', new Date('2026-12-01T00:00:00Z'))).toBeUndefined();
  });

  it('passes on only get: the callback never holds the writing or purging methods of the store', () => {
    const store = { get: async () => undefined, purge: async () => true, put: async () => undefined };
    expect(Object.keys(cachedAppStore(store as unknown as AppStore, { ttlMs: 0 }))).toEqual(['get']);
  });

  it('is off at ttl 0 and bounded in size', async () => {
    const { store, calls } = countingStore(() => undefined);
    const off = cachedAppStore(store, { ttlMs: 0 });
    await off.get('a');
    await off.get('a');
    expect(calls).toHaveLength(2);
    const small = cachedAppStore(store, { ttlMs: 60_000, maxEntries: 2, clock: () => 0 });
    for (const id of ['x', 'y', 'z', 'x']) await small.get(id);
    expect(calls.slice(2)).toEqual(['x', 'y', 'z', 'x']);
  });
});
