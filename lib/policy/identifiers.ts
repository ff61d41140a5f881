import * as z from 'zod';

/**
 * The identifiers callers send that become parts of item keys: SDKAppIDs, end-user accounts, group
 * and topic ids, message keys. Pure zod schemas shared by every entry point (callbacks, admin routes,
 * events), so an identifier one route accepts is one every other route can store, export and erase.
 *
 * DynamoDB bounds keys in bytes (partition key 2,048, sort key 1,024, GSI keys alike), and key parts
 * are percent-encoded (`lib/store/keys.ts` keyPart: up to 3 characters per byte), so identifiers are
 * bounded in UTF-8 bytes, never in characters: 128 bytes leaves four times Tencent's own UserID limit
 * (32 bytes) and keeps the longest key, an owner-index sort key, under 500 bytes.
 */
export const MAX_IDENTIFIER_BYTES = 128;

/** A UTF-16 surrogate not paired: JSON can carry one (`"\ud800"`), but it cannot be encoded into a key. */
const LONE_SURROGATE = /\p{Cs}/u;

export const utf8Bytes = (value: string): number => Buffer.byteLength(value, 'utf8');

/** A caller-supplied identifier that becomes part of an item key: 1 to 128 UTF-8 bytes, well-formed Unicode. */
export function identifierSchema(maxBytes: number = MAX_IDENTIFIER_BYTES) {
  return z
    .string()
    .min(1)
    .refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed Unicode')
    .refine((value) => utf8Bytes(value) <= maxBytes, `must be at most ${maxBytes} bytes in UTF-8`);
}

/** An end user's account (a Tencent UserID, `From_Account`, `{account}` in a path). */
export const accountSchema = identifierSchema();

/** Tencent SDKAppIDs are unsigned integers (a UserSig carries them as a JSON number). */
export const sdkAppIdSchema = z.string().regex(/^[1-9]\d{0,19}$/, 'must be a positive integer');

/** True for a string that can be an SDKAppID: anything else is refused before any lookup. */
export function isSdkAppId(value: string): boolean {
  return sdkAppIdSchema.safeParse(value).success;
}

/** Tencent's unsigned 32-bit fields (`MsgSeq`, `MsgRandom`, `MsgTime` in seconds). */
export const UINT32_MAX = 4_294_967_295;
