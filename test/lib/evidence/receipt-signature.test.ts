import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  generateReceiptSigningKey,
  publishedKeys,
  receiptSigningKey,
  type SignedReceipt,
  signReceipt,
  verifyReceipt,
} from '../../../lib/evidence/receipt-signature.js';

const key = receiptSigningKey(generateReceiptSigningKey());
const other = receiptSigningKey(generateReceiptSigningKey());
type Signed = SignedReceipt<Record<string, unknown>>;
/** Another signature of the same length: its first byte with every bit flipped (never the same value). */
const flipFirstByte = (value: string) => {
  const bytes = Buffer.from(value, 'base64url');
  bytes[0] = (bytes[0] as number) ^ 0xff;
  return bytes.toString('base64url');
};
const body: Record<string, unknown> = {
  type: 'deletionReceipt',
  requestId: 'r-1',
  deleted: { messages: 3, userInfo: 1 },
  holds: ['h-2'],
};

describe('signed receipts (Ed25519)', () => {
  it('verifies a receipt it signed, offline and against the published keys', () => {
    const signed = signReceipt(body, key);
    expect(signed.signature).toMatchObject({ alg: 'Ed25519', keyId: key.keyId, publicKey: key.publicKey });
    expect(verifyReceipt(signed)).toEqual({ valid: true, keyId: key.keyId });
    expect(verifyReceipt(signed, publishedKeys(key, []))).toEqual({
      valid: true,
      keyId: key.keyId,
      keyStatus: 'current',
    });
  });

  it.each([
    [
      'a count changed',
      (s: Signed) => ({
        ...s,
        body: { ...s.body, deleted: { messages: 2, userInfo: 1 } },
      }),
    ],
    ['a hold dropped', (s: Signed) => ({ ...s, body: { ...s.body, holds: [] } })],
    [
      'another key claimed',
      (s: Signed) => ({
        ...s,
        signature: { ...s.signature, publicKey: other.publicKey },
      }),
    ],
    [
      'the signature altered',
      (s: Signed) => ({
        ...s,
        signature: { ...s.signature, value: flipFirstByte(s.signature.value) },
      }),
    ],
  ])('refuses a receipt with %s', (_name, tamper) => {
    expect(verifyReceipt(tamper(signReceipt(body, key)) as never).valid).toBe(false);
  });

  it('refuses a validly signed receipt whose key is not published', () => {
    const verdict = verifyReceipt(signReceipt(body, other), publishedKeys(key, []));
    expect(verdict).toEqual({ valid: false, reason: `key ${other.keyId} is not among the published keys` });
  });

  it('keeps verifying receipts of a retired key after rotation', () => {
    const old = signReceipt(body, other);
    expect(verifyReceipt(old, publishedKeys(key, [other.publicKey]))).toMatchObject({
      valid: true,
      keyStatus: 'retired',
    });
  });

  it('signs the same bytes whatever the order of keys (canonical JSON)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean())), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
        expect(JSON.parse(canonicalJson(record))).toEqual(record);
      }),
    );
  });

  it('refuses a signing key that is not an Ed25519 PKCS#8 key, without echoing it', () => {
    expect(() => receiptSigningKey('not-a-key-at-all-0123456789abcdef-0123456789')).toThrow(
      'the receipt signing key is not a base64 PKCS#8 DER private key',
    );
  });
});
