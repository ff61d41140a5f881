import { describe, expect, it } from 'vitest';
import { loadEnvironment, loadIndexShards } from '../../lib/config.js';
import { ConfigurationError } from '../../lib/errors.js';

const base = {
  APPS_TABLE: 'apps',
  PERSONAL_TABLE: 'personal',
  TELEMETRY_TABLE: 'telemetry',
  GOVERNANCE_TABLE: 'governance',
  DATA_CENTER: 'local',
};

describe('index shard counts (EXPIRY_INDEX_SHARDS, OWNER_INDEX_SHARDS)', () => {
  it('defaults to the counts every deployment wrote with before: 8 and 16', () => {
    expect(loadEnvironment(base).indexShards).toEqual({
      expiry: { write: 8, history: [8] },
      owner: { write: 16, history: [16] },
    });
    expect(loadIndexShards({ EXPIRY_INDEX_SHARDS: '', OWNER_INDEX_SHARDS: '' })).toEqual(
      loadEnvironment(base).indexShards,
    );
  });

  it('writes with the last count of the history and keeps every earlier one for readers', () => {
    const shards = loadIndexShards({ EXPIRY_INDEX_SHARDS: '8, 32,128', OWNER_INDEX_SHARDS: '16,64' });
    expect(shards.expiry).toEqual({ write: 128, history: [8, 32, 128] });
    expect(shards.owner).toEqual({ write: 64, history: [16, 64] });
  });

  it.each([
    ['a lowered count', '8,32,16', /16 after 32: a shard count may only be raised/],
    ['a repeated count', '8,8', /8 after 8/],
    ['a history that drops the original count', '32', /must begin with 8/],
    ['a count that is not an integer', '8,12.5', /each an integer from 1 to 1024/],
    ['zero', '8,0', /each an integer from 1 to 1024/],
    ['a count past the bound', '8,4096', /each an integer from 1 to 1024/],
    ['words', 'eight', /each an integer/],
    ['an empty entry', '8,,16', /each an integer/],
    ['too long a history', '8,9,10,11,12,13,14,15,16', /at most 8 counts/],
  ])('refuses %s at start, naming the variable', (_label, value, reason) => {
    const load = () => loadEnvironment({ ...base, EXPIRY_INDEX_SHARDS: value });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(/EXPIRY_INDEX_SHARDS/);
    expect(load).toThrow(reason);
    expect(() => loadIndexShards({ EXPIRY_INDEX_SHARDS: value })).toThrow(reason);
  });

  it('refuses an owner history that lowers its count', () => {
    expect(() => loadEnvironment({ ...base, OWNER_INDEX_SHARDS: '16,64,32' })).toThrow(
      /OWNER_INDEX_SHARDS \(16,64,32: 32 after 64/,
    );
  });
});
