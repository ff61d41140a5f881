import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detectSensitiveData,
  type GuardedMessage,
  guardMessage,
  maskSensitiveText,
  scanMessage,
} from '../../../lib/policy/sensitive-data.js';
import {
  embed,
  ibanArb,
  paymentCardArb,
  residentIdArb,
  surroundingArb,
} from './sensitive-data-generators.js';

const CARD = '4111 1111 1111 1111';
const RESIDENT_ID = '11010519491231002X';

const image = {
  MsgType: 'TIMImageElem',
  MsgContent: {
    UUID: '1853095_D61040894AC3DE44CDFFFB3EC7EB720F',
    ImageFormat: 1,
    ImageInfoArray: [
      { Type: 1, Size: 1853095, Width: 2448, Height: 3264, URL: 'https://example.com/4111111111111111.jpg' },
    ],
  },
};

const sensitiveMessage: GuardedMessage = {
  msgBody: [
    { MsgType: 'TIMTextElem', MsgContent: { Text: `my card is ${CARD}, thanks` } },
    image,
    { MsgType: 'TIMCustomElem', MsgContent: { Data: `id=${RESIDENT_ID}`, Desc: 'profile', Ext: '' } },
  ],
  cloudCustomData: 'nothing here',
};

const harmlessMessage: GuardedMessage = {
  msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'lunch at 12:30? call 13800138000' } }, image],
};

describe('guardMessage', () => {
  it.each(['off', 'flag', 'mask', 'reject'] as const)('passes a harmless message in %s mode', (mode) => {
    expect(guardMessage(harmlessMessage, mode)).toEqual({ action: 'pass', kinds: [] });
  });

  it('does not even look in off mode', () => {
    expect(guardMessage(sensitiveMessage, 'off')).toEqual({ action: 'pass', kinds: [] });
  });

  it('flags without changing the message in flag mode', () => {
    const decision = guardMessage(sensitiveMessage, 'flag');
    expect(decision.action).toBe('flag');
    expect([...decision.kinds].sort()).toEqual(['paymentCard', 'prcResidentId']);
  });

  it('rejects in reject mode with a reason naming the kinds but not the values', () => {
    const decision = guardMessage(sensitiveMessage, 'reject');
    expect(decision.action).toBe('reject');
    if (decision.action !== 'reject') return;
    expect(decision.reason).toContain('payment card number');
    expect(decision.reason).toContain('resident identity card number');
    expect(decision.reason).not.toContain('1111');
    expect(decision.reason).not.toContain(RESIDENT_ID);
  });

  it('masks every detected value, keeping only its last 4 characters, and leaves other elements alone', () => {
    const decision = guardMessage(sensitiveMessage, 'mask');
    expect(decision.action).toBe('mask');
    if (decision.action !== 'mask') return;
    const [text, untouchedImage, custom] = decision.message.msgBody;
    expect(text?.MsgContent.Text).toBe('my card is ***************1111, thanks');
    expect(custom?.MsgContent).toEqual({ Data: 'id=**************002X', Desc: 'profile', Ext: '' });
    expect(untouchedImage).toBe(image);
    expect(decision.message.cloudCustomData).toBe('nothing here');
    expect(scanMessage(decision.message)).toEqual([]);
  });

  it('masks CloudCustomData too', () => {
    const decision = guardMessage(
      { msgBody: [], cloudCustomData: `{"iban":"GB82WEST12345698765432"}` },
      'mask',
    );
    expect(decision.action === 'mask' && decision.message.cloudCustomData).toBe(
      '{"iban":"******************5432"}',
    );
  });
});

describe('maskSensitiveText', () => {
  it('leaves no detectable value and keeps the text length, whatever surrounds the values', () => {
    const valueArb = fc.oneof(residentIdArb, paymentCardArb, ibanArb).map((v) => v.printed);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(surroundingArb, valueArb), { minLength: 1, maxLength: 4 }),
        surroundingArb,
        (parts, tail) => {
          const text =
            // The detectors see full-width letters and digits as ASCII (foldWidth): neither may touch a value.
            `${parts
              .map(([before, value]) => embed(before, value, '', /[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]/).text)
              .join(' ')} ${tail}`;
          const masked = maskSensitiveText(text);
          expect(detectSensitiveData(masked.text)).toEqual([]);
          expect(masked.text.length).toBe(text.length);
          expect(masked.kinds.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns text with nothing sensitive unchanged', () => {
    expect(maskSensitiveText('你好，明天见 2024-05-06')).toEqual({
      text: '你好，明天见 2024-05-06',
      kinds: [],
    });
  });
});
