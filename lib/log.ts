import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Keys whose values never reach a log line: secrets, credentials, message content and profile values.
 * Matching is by key name, case-insensitive, at any depth of a logged object.
 */
export const REDACTED_KEYS: ReadonlySet<string> = new Set(
  [
    'secretKey',
    'token',
    'appSecret',
    'authorization',
    'usersig',
    'userSig',
    'sign',
    'operatorToken',
    'auditHmacKey',
    'password',
    'msgBody',
    'msgContent',
    'text',
    'data',
    'desc',
    'ext',
    'cloudCustomData',
    'nickname',
    'avatar',
    'avatarUrl',
    'signature',
    'tag_profile_im_nick',
    'tag_profile_im_image',
    'tag_profile_im_selfsignature',
    'profileItem',
    'account',
    'from_account',
    'to_account',
    'identifier',
    'body',
    'rawQueryString',
    'queryStringParameters',
    'multiValueQueryStringParameters',
    'rawPath',
    'cookies',
  ].map((key) => key.toLowerCase()),
);

export const REDACTED = '[REDACTED]';

export function redactingReplacer(key: string, value: unknown): unknown {
  return key !== '' && REDACTED_KEYS.has(key.toLowerCase()) ? REDACTED : value;
}

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, jsonReplacerFn: redactingReplacer });
}
