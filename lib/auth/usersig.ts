import { createHmac, timingSafeEqual } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { epochSeconds } from '../policy/time.js';

/**
 * TLS-Sig v2 UserSig verification (what Tencent's `tls-sig-api-v2` libraries generate), pure: no I/O.
 *
 * Layout: base64 with `+` -> `*`, `/` -> `-`, `=` -> `_`, of the zlib-deflated JSON document
 * `{"TLS.ver":"2.0","TLS.identifier","TLS.sdkappid","TLS.time","TLS.expire"[,"TLS.userbuf"],"TLS.sig"}`
 * where `TLS.sig` is base64 HMAC-SHA256, keyed with the app's secret key, over the lines
 * `TLS.identifier:<id>\nTLS.sdkappid:<app>\nTLS.time:<t>\nTLS.expire:<e>\n[TLS.userbuf:<b64>\n]`.
 */

/** Bounds on what an unauthenticated caller can make us decode and inflate. */
export const MAX_USERSIG_LENGTH = 2048;
const MAX_INFLATED_BYTES = 4096;
/** A signature issued further in the future than this is refused (clock skew allowance). */
export const MAX_ISSUE_SKEW_SECONDS = 300;

export interface UserSigClaims {
  readonly identifier: string;
  readonly sdkAppId: string;
  /** Issue time and lifetime, epoch seconds and seconds. */
  readonly issuedAt: number;
  readonly expireSeconds: number;
}

export type UserSigFailure =
  | 'malformed'
  | 'badSignature'
  | 'expired'
  | 'notYetValid'
  | 'identifierMismatch'
  | 'sdkAppIdMismatch';

export type UserSigVerification =
  | { readonly valid: true; readonly claims: UserSigClaims }
  | { readonly valid: false; readonly reason: UserSigFailure };

interface SigDocument {
  readonly claims: UserSigClaims;
  readonly userBuf: string | undefined;
  readonly sig: Buffer;
}

/** Decodes the base64url variant (`*`, `-`, `_`) and inflates the document; undefined when malformed. */
export function decodeUserSig(userSig: string): SigDocument | undefined {
  if (userSig.length === 0 || userSig.length > MAX_USERSIG_LENGTH) return undefined;
  if (!/^[A-Za-z0-9*_-]+$/.test(userSig)) return undefined;
  const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  let parsed: unknown;
  try {
    const compressed = Buffer.from(base64, 'base64');
    const { buffer, engine } = inflateSync(compressed, {
      maxOutputLength: MAX_INFLATED_BYTES,
      info: true,
    }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    // Bytes after the zlib stream would make many encodings of one UserSig: refuse them.
    if (engine.bytesWritten !== compressed.length) return undefined;
    parsed = JSON.parse(buffer.toString('utf8'));
  } catch {
    return undefined;
  }
  return toDocument(parsed);
}

function toDocument(parsed: unknown): SigDocument | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const doc = parsed as Record<string, unknown>;
  const identifier = doc['TLS.identifier'];
  const sdkAppId = doc['TLS.sdkappid'];
  const issuedAt = doc['TLS.time'];
  const expireSeconds = doc['TLS.expire'];
  const sig = doc['TLS.sig'];
  const userBuf = doc['TLS.userbuf'];
  if (doc['TLS.ver'] !== '2.0') return undefined;
  if (typeof identifier !== 'string' || identifier.length === 0) return undefined;
  if (!isNonNegativeInteger(sdkAppId) || !isNonNegativeInteger(issuedAt)) return undefined;
  if (!isNonNegativeInteger(expireSeconds)) return undefined;
  if (typeof sig !== 'string' || sig.length === 0) return undefined;
  if (userBuf !== undefined && typeof userBuf !== 'string') return undefined;
  return {
    claims: { identifier, sdkAppId: String(sdkAppId), issuedAt, expireSeconds },
    userBuf,
    sig: Buffer.from(sig, 'base64'),
  };
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The exact text the HMAC covers, line by line, as the reference libraries build it. */
export function signedContent(claims: UserSigClaims, userBuf?: string): string {
  return (
    `TLS.identifier:${claims.identifier}\n` +
    `TLS.sdkappid:${claims.sdkAppId}\n` +
    `TLS.time:${claims.issuedAt}\n` +
    `TLS.expire:${claims.expireSeconds}\n` +
    (userBuf === undefined ? '' : `TLS.userbuf:${userBuf}\n`)
  );
}

/**
 * Verifies a UserSig against the app's secret key and the identity the caller claims in the query.
 * The HMAC is checked (constant time) before anything else is trusted.
 */
export function verifyUserSig(input: {
  userSig: string;
  secretKey: string;
  sdkAppId: string;
  identifier: string;
  now: Date;
}): UserSigVerification {
  const doc = decodeUserSig(input.userSig);
  if (!doc) return { valid: false, reason: 'malformed' };
  const expected = createHmac('sha256', input.secretKey)
    .update(signedContent(doc.claims, doc.userBuf))
    .digest();
  if (doc.sig.length !== expected.length || !timingSafeEqual(doc.sig, expected)) {
    return { valid: false, reason: 'badSignature' };
  }
  const { claims } = doc;
  if (claims.sdkAppId !== input.sdkAppId) return { valid: false, reason: 'sdkAppIdMismatch' };
  if (claims.identifier !== input.identifier) return { valid: false, reason: 'identifierMismatch' };
  const nowSeconds = epochSeconds(input.now);
  if (claims.issuedAt > nowSeconds + MAX_ISSUE_SKEW_SECONDS) return { valid: false, reason: 'notYetValid' };
  if (nowSeconds >= claims.issuedAt + claims.expireSeconds) return { valid: false, reason: 'expired' };
  return { valid: true, claims };
}
