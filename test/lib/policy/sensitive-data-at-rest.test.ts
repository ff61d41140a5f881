import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type GuardedMessage,
  guardAtRest,
  guardProfileValue,
  scanMessage,
} from '../../../lib/policy/sensitive-data.js';
import { embed, paymentCardArb, residentIdArb, surroundingArb } from './sensitive-data-generators.js';

/** D5 at rest: what an after-send, an edit or a profile change stores, per `privacy.sensitiveData`. */
const textMessage = (text: string): GuardedMessage => ({
  msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
});
const sensitiveText = fc
  .tuple(surroundingArb, fc.oneof(paymentCardArb, residentIdArb), surroundingArb)
  .map(([before, value, after]) => embed(before, value.printed, after, /[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]/).text);

describe('D5 at rest (guardAtRest, guardProfileValue)', () => {
  it('stores a sensitive message masked under mask and reject, so no detector finds anything in it', () => {
    fc.assert(
      fc.property(sensitiveText, fc.constantFrom('mask' as const, 'reject' as const), (text, mode) => {
        const atRest = guardAtRest(textMessage(text), mode);
        expect(atRest.sensitive?.handling).toBe('masked');
        expect(scanMessage(atRest.message)).toEqual([]);
      }),
    );
  });

  it('stores it as sent under flag, marked with the kinds found; as sent, unmarked, under off', () => {
    fc.assert(
      fc.property(sensitiveText, (text) => {
        const message = textMessage(text);
        const flagged = guardAtRest(message, 'flag');
        expect(flagged.message).toEqual(message);
        expect(flagged.sensitive).toEqual({ kinds: scanMessage(message), handling: 'flagged' });
        expect(guardAtRest(message, 'off')).toEqual({ message });
      }),
    );
  });

  it('keeps a message with nothing found exactly as sent, in every mode', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => scanMessage(textMessage(text)).length === 0),
        fc.constantFrom('off' as const, 'flag' as const, 'mask' as const, 'reject' as const),
        (text, mode) => {
          expect(guardAtRest(textMessage(text), mode)).toEqual({ message: textMessage(text) });
        },
      ),
    );
  });

  it('masks a profile value under mask and reject, and keeps it under off and flag', () => {
    fc.assert(
      fc.property(sensitiveText, (text) => {
        for (const mode of ['mask', 'reject'] as const) {
          expect(scanMessage(textMessage(guardProfileValue(text, mode)))).toEqual([]);
        }
        for (const mode of ['off', 'flag'] as const) expect(guardProfileValue(text, mode)).toBe(text);
      }),
    );
  });
});
