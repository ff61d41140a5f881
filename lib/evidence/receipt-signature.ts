import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as signBytes,
  verify as verifyBytes,
} from 'node:crypto';

/**
 * Receipts a customer can check without trusting us: the receipt's body, serialized canonically (keys
 * sorted, no spaces), signed with Ed25519. The signature names its key (`keyId`: the first 16 bytes of
 * SHA-256 over the public key's SPKI DER, hex) and carries the public key, so a receipt verifies offline
 * (`npm run verify-receipt`); whether that key is ours is checked against `GET /receipts/keys`, which
 * lists the current key and the retired ones (rotation).
 */
export interface ReceiptSignature {
  readonly alg: 'Ed25519';
  readonly keyId: string;
  /** SPKI DER, base64url. */
  readonly publicKey: string;
  /** Over `canonicalJson(body)`, base64url. */
  readonly value: string;
}

export interface SignedReceipt<T = Record<string, unknown>> {
  readonly body: T;
  readonly signature: ReceiptSignature;
}

export interface ReceiptSigningKey {
  readonly keyId: string;
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

export interface PublishedKey {
  readonly keyId: string;
  readonly alg: 'Ed25519';
  readonly publicKey: string;
  readonly status: 'current' | 'retired';
}

/** JSON with object keys sorted at every level and no whitespace: the bytes a signature covers. */
export function canonicalJson(value: unknown): string {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) {
    // As JSON.stringify: what JSON cannot hold becomes null inside an array.
    const unrepresentable = (v: unknown) =>
      v === undefined || typeof v === 'function' || typeof v === 'symbol';
    return `[${value.map((v) => (unrepresentable(v) ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The key id of a public key given as SPKI DER, base64url. */
export function keyIdOf(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('hex').slice(0, 32);
}

/** The public half of an Ed25519 key, SPKI DER base64url. */
function publicKeyOf(key: KeyObject): string {
  return createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64url');
}

/**
 * The signing key from its configured form: PKCS#8 DER of an Ed25519 private key, base64 or base64url
 * (one line, so it fits an environment variable or an SSM SecureString). Throws naming the problem,
 * never the value.
 */
export function receiptSigningKey(encoded: string): ReceiptSigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(encoded, 'base64url'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new Error('the receipt signing key is not a base64 PKCS#8 DER private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error('the receipt signing key is not an Ed25519 key');
  const publicKey = publicKeyOf(privateKey);
  return { keyId: keyIdOf(publicKey), publicKey, privateKey };
}

/** A new signing key in its configured form (for `npm start`, tests and first deployments). */
export function generateReceiptSigningKey(): string {
  return generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'der', type: 'pkcs8' })
    .toString('base64url');
}

export function signReceipt<T>(body: T, key: ReceiptSigningKey): SignedReceipt<T> {
  const value = signBytes(null, Buffer.from(canonicalJson(body), 'utf8'), key.privateKey).toString(
    'base64url',
  );
  return { body, signature: { alg: 'Ed25519', keyId: key.keyId, publicKey: key.publicKey, value } };
}

export type ReceiptVerdict =
  | { readonly valid: true; readonly keyId: string; readonly keyStatus?: PublishedKey['status'] }
  | { readonly valid: false; readonly reason: string };

/**
 * Whether `receipt`'s signature covers its body under the key it names, and, given the published keys,
 * that the key is one of ours.
 */
export function verifyReceipt(
  receipt: SignedReceipt<unknown>,
  published?: readonly PublishedKey[],
): ReceiptVerdict {
  const signature = (receipt as { signature?: Partial<ReceiptSignature> } | null)?.signature;
  if (signature?.alg !== 'Ed25519') return { valid: false, reason: 'not an Ed25519 signature' };
  const { publicKey, value, keyId } = signature;
  if (typeof publicKey !== 'string' || typeof value !== 'string' || typeof keyId !== 'string') {
    return { valid: false, reason: 'the signature lacks its keyId, publicKey or value' };
  }
  if (keyIdOf(publicKey) !== keyId) return { valid: false, reason: 'keyId does not match the key' };
  let ok: boolean;
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64url'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519')
      return { valid: false, reason: 'the public key is not an Ed25519 key' };
    ok = verifyBytes(
      null,
      Buffer.from(canonicalJson(receipt.body), 'utf8'),
      key,
      Buffer.from(value, 'base64url'),
    );
  } catch {
    return { valid: false, reason: 'the public key is not an SPKI DER key' };
  }
  if (!ok) return { valid: false, reason: 'the signature does not cover this body' };
  if (!published) return { valid: true, keyId };
  const known = published.find((k) => k.keyId === keyId && keyIdOf(k.publicKey) === keyId);
  if (!known) return { valid: false, reason: `key ${keyId} is not among the published keys` };
  return { valid: true, keyId, keyStatus: known.status };
}

/** The keys `GET /receipts/keys` publishes: the current one, then retired ones (SPKI DER base64url). */
export function publishedKeys(current: ReceiptSigningKey, retired: readonly string[]): PublishedKey[] {
  return [
    { keyId: current.keyId, alg: 'Ed25519', publicKey: current.publicKey, status: 'current' },
    ...retired
      .map((publicKey) => Buffer.from(publicKey, 'base64url').toString('base64url'))
      .filter((publicKey) => publicKey !== current.publicKey)
      .map((publicKey) => ({
        keyId: keyIdOf(publicKey),
        alg: 'Ed25519' as const,
        publicKey,
        status: 'retired' as const,
      })),
  ];
}
