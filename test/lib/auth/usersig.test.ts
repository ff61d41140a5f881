import { inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUserSig, MAX_USERSIG_LENGTH, verifyUserSig } from '../../../lib/auth/usersig.js';
import { encodeSigDocument, genPrivateMapKey, genUserSig } from './tls-sig.js';

const APP = '1400000001';
const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const ADMIN = 'administrator';
const NOW = new Date('2026-03-01T12:00:00Z');

function decodeRaw(userSig: string): Record<string, unknown> {
  const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString('utf8'));
}

function rawBytes(userSig: string): Buffer {
  return Buffer.from(userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64');
}

function sameDecodedDocument(a: string, b: string): boolean {
  try {
    return (
      JSON.stringify(decodeRaw(a)) === JSON.stringify(decodeRaw(b)) &&
      rawBytes(a).length === rawBytes(b).length
    );
  } catch {
    return false;
  }
}

const verify = (userSig: string, overrides: Partial<Parameters<typeof verifyUserSig>[0]> = {}) =>
  verifyUserSig({ userSig, secretKey: KEY, sdkAppId: APP, identifier: ADMIN, now: NOW, ...overrides });

describe('verifyUserSig against UserSigs made by tls-sig-api-v2', () => {
  const issuedAt = new Date(NOW.getTime() - 60_000);
  const good = genUserSig(APP, KEY, ADMIN, 86_400, issuedAt);

  it('accepts a genuine, unexpired UserSig and returns its claims', () => {
    expect(verify(good)).toEqual({
      valid: true,
      claims: {
        identifier: ADMIN,
        sdkAppId: APP,
        issuedAt: issuedAt.getTime() / 1000,
        expireSeconds: 86_400,
      },
    });
  });

  it('uses the base64url variant with *, - and _ (the library output decodes)', () => {
    const sigs = Array.from({ length: 40 }, (_, i) => genUserSig(APP, KEY, `user${i}`, 3600 + i));
    expect(sigs.join('')).toMatch(/[*_-]/);
    for (const [i, sig] of sigs.entries()) {
      expect(verify(sig, { identifier: `user${i}`, now: new Date() }).valid).toBe(true);
    }
  });

  it('also verifies a PrivateMapKey (signed userbuf line)', () => {
    const sig = genPrivateMapKey(Number(APP), KEY, ADMIN);
    expect(decodeRaw(sig)['TLS.userbuf']).toBeTypeOf('string');
    expect(verify(sig, { now: new Date() }).valid).toBe(true);
  });

  it.each([
    [
      'signed with another key',
      () => verify(genUserSig(APP, `${KEY}x`, ADMIN, 86_400, issuedAt)),
      'badSignature',
    ],
    ['verified with another key', () => verify(good, { secretKey: 'another-secret' }), 'badSignature'],
    [
      'for another app',
      () => verify(genUserSig('1400000002', KEY, ADMIN, 86_400, issuedAt)),
      'sdkAppIdMismatch',
    ],
    ['claimed for another app', () => verify(good, { sdkAppId: '1400000002' }), 'sdkAppIdMismatch'],
    ['for another identifier', () => verify(good, { identifier: 'someone-else' }), 'identifierMismatch'],
    [
      'expired',
      () => verify(genUserSig(APP, KEY, ADMIN, 3600, new Date(NOW.getTime() - 3600_000))),
      'expired',
    ],
    [
      'issued in the future',
      () => verify(genUserSig(APP, KEY, ADMIN, 3600, new Date(NOW.getTime() + 3600_000))),
      'notYetValid',
    ],
    ['empty', () => verify(''), 'malformed'],
    ['not base64url', () => verify('abc+/='), 'malformed'],
    ['not zlib', () => verify('aGVsbG8gd29ybGQ_'), 'malformed'],
    ['too long', () => verify('A'.repeat(MAX_USERSIG_LENGTH + 1)), 'malformed'],
  ] as const)('refuses a UserSig %s', (_name, run, reason) => {
    expect(run()).toEqual({ valid: false, reason });
  });

  it('is expired exactly at time + expire, valid one second before', () => {
    const sig = genUserSig(APP, KEY, ADMIN, 100, NOW);
    expect(verify(sig, { now: new Date(NOW.getTime() + 99_000) }).valid).toBe(true);
    expect(verify(sig, { now: new Date(NOW.getTime() + 100_000) })).toEqual({
      valid: false,
      reason: 'expired',
    });
  });

  it.each([
    ['identifier', 'TLS.identifier', 'intruder'],
    ['app', 'TLS.sdkappid', 1400000002],
    ['issue time', 'TLS.time', Math.floor(NOW.getTime() / 1000)],
    ['lifetime', 'TLS.expire', 86_400 * 3650],
    ['version', 'TLS.ver', '1.0'],
  ])('refuses a UserSig whose %s was edited after signing', (_name, field, value) => {
    const doc = { ...decodeRaw(good), [field]: value };
    const identifier = field === 'TLS.identifier' ? 'intruder' : ADMIN;
    const sdkAppId = field === 'TLS.sdkappid' ? '1400000002' : APP;
    const result = verify(encodeSigDocument(doc), { identifier, sdkAppId });
    expect(result.valid).toBe(false);
  });

  it('refuses bytes appended after the zlib stream (one UserSig, one encoding)', () => {
    const padded = Buffer.concat([rawBytes(good), Buffer.from([0])]).toString('base64');
    const escaped = padded.replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
    expect(verify(escaped)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('refuses a document without a signature or with an invalid shape', () => {
    const { 'TLS.sig': _sig, ...unsigned } = decodeRaw(good);
    expect(verify(encodeSigDocument(unsigned))).toEqual({ valid: false, reason: 'malformed' });
    expect(verify(encodeSigDocument({ ...decodeRaw(good), 'TLS.time': '1' }))).toEqual({
      valid: false,
      reason: 'malformed',
    });
    expect(decodeUserSig(encodeSigDocument([1, 2] as unknown as Record<string, unknown>))).toBeUndefined();
  });

  it('property: any genuine UserSig verifies, and no edit that changes the signed document does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_400_000_000, max: 1_600_000_000 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
        fc.integer({ min: 120, max: 86_400 * 365 }),
        fc.nat(),
        (sdkAppId, identifier, expire, position) => {
          const sig = genUserSig(sdkAppId, KEY, identifier, expire, NOW);
          const claims = { sdkAppId: String(sdkAppId), identifier, now: new Date(NOW.getTime() + 60_000) };
          expect(verify(sig, claims).valid).toBe(true);
          const index = position % sig.length;
          const replacement = sig[index] === 'A' ? 'B' : 'A';
          const tampered = sig.slice(0, index) + replacement + sig.slice(index + 1);
          // Base64 and deflate both ignore a few padding bits: an edit there decodes to the same signed
          // document and may verify; every edit that changes the document must not.
          const sameDocument = sameDecodedDocument(tampered, sig);
          expect(verify(tampered, claims).valid).toBe(sameDocument);
        },
      ),
      { numRuns: 300 },
    );
  });
});
