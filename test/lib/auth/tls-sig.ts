import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';

/** UserSigs made by Tencent's own `tls-sig-api-v2` (the reference implementation), for tests. */
interface TlsSigApi {
  genUserSig(identifier: string, expireSeconds: number): string;
  genPrivateMapKey(identifier: string, expireSeconds: number, roomId: number, privilegeMap: number): string;
}
const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2') as { Api: new (sdkAppId: number, key: string) => TlsSigApi };

/** A UserSig as Tencent's library would have issued it at `issuedAt` (default now). */
export function genUserSig(
  sdkAppId: string | number,
  secretKey: string,
  identifier: string,
  expireSeconds = 86_400,
  issuedAt?: Date,
): string {
  return withClock(issuedAt, () =>
    new TLSSigAPIv2.Api(Number(sdkAppId), secretKey).genUserSig(identifier, expireSeconds),
  );
}

export function genPrivateMapKey(sdkAppId: number, secretKey: string, identifier: string): string {
  return new TLSSigAPIv2.Api(sdkAppId, secretKey).genPrivateMapKey(identifier, 3600, 10_000, 255);
}

function withClock<T>(at: Date | undefined, make: () => T): T {
  if (!at) return make();
  const realNow = Date.now;
  Date.now = () => at.getTime();
  try {
    return make();
  } finally {
    Date.now = realNow;
  }
}

/** Re-encodes a (possibly edited) sig document the way the library does: deflate, base64, `*-_`. */
export function encodeSigDocument(doc: Record<string, unknown>): string {
  return deflateSync(Buffer.from(JSON.stringify(doc)))
    .toString('base64')
    .replace(/\+/g, '*')
    .replace(/\//g, '-')
    .replace(/=/g, '_');
}
