import { createHmac } from 'node:crypto';

/**
 * Keyed hashes that let audit records and receipts name an end-user account without holding it.
 * HMAC-SHA256 with the deployment's secret (AUDIT_HMAC_KEY): without the key a hash cannot be
 * reversed by guessing accounts; the app is part of the input, so one person's hashes in two apps
 * cannot be linked. Pure given the key.
 */
export const PSEUDONYM_PREFIX = 'hmac-sha256:';

export const MIN_PSEUDONYM_KEY_LENGTH = 16;

/** `hmac-sha256:<64 hex>` for `account` of `app`. */
export function accountPseudonym(key: string, app: string, account: string): string {
  if (key.length < MIN_PSEUDONYM_KEY_LENGTH) {
    throw new Error(`pseudonym key must have at least ${MIN_PSEUDONYM_KEY_LENGTH} characters`);
  }
  // Length-prefixed parts: no (app, account) pair can collide with another by moving a separator.
  const message = `${app.length}:${app}|${account.length}:${account}`;
  return PSEUDONYM_PREFIX + createHmac('sha256', key).update(message, 'utf8').digest('hex');
}
