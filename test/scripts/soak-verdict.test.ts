import { describe, expect, it } from 'vitest';
import { Ledger, type SentMessage } from '../../scripts/soak/ledger.js';
import { explainLimit } from '../../scripts/soak/machine.js';
import { modeWhenSent } from '../../scripts/soak/verify.js';

const message = (first: number, last: number): SentMessage => ({
  app: 'a',
  account: 'u',
  ref: { kind: 'c2c', msgKey: 'k' },
  msgId: 'm',
  command: 'C2C.CallbackAfterSendMsg',
  body: {},
  expiresAtMs: 0,
  firstAttemptAt: first,
  lastAttemptAt: last,
  deliveries: 1,
});

function ledgerWith(
  ...changes: Array<[messages: 'stored' | 'notStored', requestedAt: number, answeredAt?: number]>
) {
  const ledger = new Ledger();
  for (const [messages, requestedAt, answeredAt] of changes) {
    ledger.privacyChanges.push({ app: 'a', messages, privacy: undefined, requestedAt, answeredAt });
  }
  return ledger;
}

describe('the soak judges a message by the privacy setting in force when it was sent', () => {
  it.each([
    ['no change: the initial setting', ledgerWith(), 'notStored', [5, 6], 'notStored'],
    [
      'notStored → stored, sent well before it was asked',
      ledgerWith(['stored', 10_000, 20_000]),
      'notStored',
      [5, 9],
      'notStored',
    ],
    [
      'notStored → stored, sent just before it was asked (it may be processed after)',
      ledgerWith(['stored', 10_000, 20_000]),
      'notStored',
      [5000, 9000],
      'either',
    ],
    [
      'notStored → stored, sent while on its way',
      ledgerWith(['stored', 10, 20]),
      'notStored',
      [15, 16],
      'either',
    ],
    ['notStored → stored, retried across it', ledgerWith(['stored', 10, 20]), 'notStored', [5, 25], 'either'],
    [
      'notStored → stored, sent after its answer',
      ledgerWith(['stored', 10, 20]),
      'notStored',
      [21, 22],
      'stored',
    ],
    [
      'stored → notStored, stored before: cut',
      ledgerWith(['notStored', 10, 20]),
      'stored',
      [5, 6],
      'notStored',
    ],
    ['stored → notStored, sent during', ledgerWith(['notStored', 10, 20]), 'stored', [15, 15], 'notStored'],
    ['stored → notStored, sent after', ledgerWith(['notStored', 10, 20]), 'stored', [25, 25], 'notStored'],
    ['stored → notStored never answered', ledgerWith(['notStored', 10]), 'stored', [5, 6], 'either'],
    [
      'stored → notStored → stored: cut stays cut',
      ledgerWith(['notStored', 10, 20], ['stored', 30, 40]),
      'stored',
      [5, 6],
      'notStored',
    ],
    [
      'stored → notStored → stored, sent after the last',
      ledgerWith(['notStored', 10, 20], ['stored', 30, 40]),
      'stored',
      [45, 46],
      'stored',
    ],
  ] as const)('%s', (_name, ledger, initial, [first, last], expected) => {
    expect(modeWhenSent(ledger, initial, message(first, last))).toBe(expected);
  });
});

describe('the soak says what limited it', () => {
  const limits = [
    {
      key: 'POST /im/callback',
      limit: 4,
      admitted: 100,
      queued: 80,
      meanWaitMs: 40,
      longestQueue: 46,
      peakActive: 4,
    },
  ];

  it('names the CPU when the machine was saturated, with each part', () => {
    const text = explainLimit(
      { cores: 2, machineBusy: 0.97, coresUsed: { 'serverless-offline': 1.3, 'DynamoDB Local': 0.4 } },
      limits,
    );
    expect(text).toMatch(
      /^CPU: the machine was 97% busy \(cores used of 2: serverless-offline 1.3, DynamoDB Local 0.4\)/,
    );
    expect(text).toContain('80% of callbacks waited for one of the 4 concurrent slots');
  });

  it('names the local concurrency limit when the CPU had room and most callbacks waited in line', () => {
    expect(explainLimit({ cores: 2, machineBusy: 0.4, coresUsed: {} }, limits)).toMatch(
      /^the local concurrency limit, not CPU \(the machine was 40% busy/,
    );
  });

  it('names the faults when the CPU had room and callbacks rarely waited', () => {
    const quiet = [{ ...(limits[0] as (typeof limits)[number]), queued: 5 }];
    expect(explainLimit({ cores: 2, machineBusy: 0.4, coresUsed: {} }, quiet)).toMatch(
      /^not CPU.*injected faults/,
    );
  });
});
