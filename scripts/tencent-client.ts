import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/** Tencent's callback signature: lowercase hex SHA-256 of the app's callback token followed by RequestTime. */
export function callbackSign(token: string, requestTime: number): string {
  return createHash('sha256').update(`${token}${requestTime}`).digest('hex');
}

/** The query string Tencent IM puts on every callback, signed for `requestTime` (unix seconds). */
export function callbackQuery(sdkAppId: string, token: string, command: string, requestTime: number): string {
  return new URLSearchParams({
    SdkAppid: sdkAppId,
    CallbackCommand: command,
    contenttype: 'json',
    ClientIP: '198.51.100.23',
    OptPlatform: 'Android',
    RequestTime: String(requestTime),
    Sign: callbackSign(token, requestTime),
  }).toString();
}

interface TlsSigApi {
  genUserSig(identifier: string, expireSeconds: number): string;
}
const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2') as { Api: new (sdkAppId: number, key: string) => TlsSigApi };

/** A UserSig for `identifier`, valid for an hour, made by Tencent's own library. */
export function genUserSig(sdkAppId: string, secretKey: string, identifier: string): string {
  return new TLSSigAPIv2.Api(Number(sdkAppId), secretKey).genUserSig(identifier, 3600);
}

/** The app-admin query (Tencent REST convention) with a UserSig made by Tencent's own library. */
export function adminQuery(
  sdkAppId: string,
  secretKey: string,
  identifier: string,
  userSig = genUserSig(sdkAppId, secretKey, identifier),
): string {
  return new URLSearchParams({
    sdkappid: sdkAppId,
    identifier,
    usersig: userSig,
    random: String(Math.floor(Math.random() * 2 ** 32)),
    contenttype: 'json',
  }).toString();
}

export const textBody = (text: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }];
