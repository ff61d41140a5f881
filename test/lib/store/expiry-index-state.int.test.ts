import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpiryStateStore, type ExpiryStateStore } from '../../../lib/store/expiry-state.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
let state: ExpiryStateStore;
beforeAll(async () => {
  db = await createTestDatabase();
  state = createExpiryStateStore({ doc: db.doc, tableName: db.tables.governance });
});
afterAll(async () => db.drop());

const epochOf = (iso: string) => Date.parse(iso) / 1000;

describe('expiry checkpoint', () => {
  it('only moves forward, and never past a rewind made after the run read it', async () => {
    const seen = await state.getCheckpoint('log');
    expect(seen).toEqual({ generation: 0 });
    expect(await state.advanceCheckpoint('log', '2025-03', seen)).toBe(true);
    const at = await state.getCheckpoint('log');
    expect(at.month).toBe('2025-03');
    expect(await state.advanceCheckpoint('log', '2025-02', at)).toBe(false);

    // A writer stores an item already due in January while a run (which read `at`) is in flight.
    await state.rewindCheckpoint('log', epochOf('2025-01-15T00:00:00Z'));
    expect(await state.getCheckpoint('log')).toEqual({ month: '2025-01', generation: 1 });
    expect(await state.advanceCheckpoint('log', '2025-04', at)).toBe(false);
    expect((await state.getCheckpoint('log')).month).toBe('2025-01');

    // A rewind to a later month keeps the month but still invalidates runs in flight.
    const now = await state.getCheckpoint('log');
    await state.rewindCheckpoint('log', epochOf('2025-02-01T00:00:00Z'));
    expect(await state.getCheckpoint('log')).toEqual({ month: '2025-01', generation: 2 });
    expect(await state.advanceCheckpoint('log', '2025-04', now)).toBe(false);
    expect(await state.advanceCheckpoint('log', '2025-04', await state.getCheckpoint('log'))).toBe(true);
  });

  it('a rewind before any run leaves the first run its full look-back', async () => {
    await state.rewindCheckpoint('config', epochOf('2024-12-01T00:00:00Z'));
    expect(await state.getCheckpoint('config')).toEqual({ generation: 1 });
  });
});

describe('held bucket registry', () => {
  it('records hold ids per category and app, forgets released ones, and drops an empty record', async () => {
    await state.recordHeld('messages', 'app#1', ['h1']);
    await state.recordHeld('messages', 'app#1', ['h2', 'h1']);
    await state.recordHeld('config', 'app#1', ['h3']);
    expect(await state.listHeldBuckets()).toEqual([
      { category: 'config', app: 'app#1', holdIds: ['h3'] },
      { category: 'messages', app: 'app#1', holdIds: ['h1', 'h2'] },
    ]);
    await state.forgetReleased('messages', 'app#1', ['h1']);
    await state.removeHeldBucket('messages', 'app#1'); // h2 still recorded: kept
    expect((await state.listHeldBuckets()).find((r) => r.category === 'messages')?.holdIds).toEqual(['h2']);
    await state.forgetReleased('messages', 'app#1', ['h2']);
    await state.removeHeldBucket('messages', 'app#1');
    expect((await state.listHeldBuckets()).map((r) => r.category)).toEqual(['config']);
  });
});

describe('run lease', () => {
  it('admits one holder until it releases or its deadline passes', async () => {
    const t = new Date('2025-06-01T00:00:00Z');
    const later = (ms: number) => new Date(t.getTime() + ms);
    expect(await state.acquireLease('a', t, later(60_000))).toBe(true);
    expect(await state.acquireLease('b', later(1_000), later(60_000))).toBe(false);
    await state.releaseLease('b'); // not the holder: no effect
    expect(await state.acquireLease('b', later(2_000), later(60_000))).toBe(false);
    expect(await state.acquireLease('b', later(61_000), later(120_000))).toBe(true);
    await state.releaseLease('b');
    expect(await state.acquireLease('c', later(62_000), later(90_000))).toBe(true);
  });
});
