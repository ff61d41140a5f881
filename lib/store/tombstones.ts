import { expiringAttributes, itemIdOf } from './keys.js';
import { HELD_SNAPSHOT_MARK, type ItemKey } from './personal-keys.js';

/**
 * What a recall, an erasure or a destroyed group leaves of a message: a content-free tombstone with the
 * message's key and expiry, on the expiry index as kind `tombstone` (never counted as personal data).
 * The message put is conditional on its key being free, so while the tombstone stands a retried or
 * replayed after-send (or edit) of that message stores nothing: for exactly as long as the message
 * itself could have lived. `expire` deletes the tombstone then.
 */
export type TombstoneReason = 'recalled' | 'erased' | 'groupDestroyed';

export const TOMBSTONE_KIND = 'tombstone' as const;

export function tombstoneItem(
  key: ItemKey,
  app: string,
  expiresAt: number,
  reason: TombstoneReason,
  at: Date,
): Record<string, unknown> {
  return {
    pk: key.pk,
    sk: key.sk,
    ...expiringAttributes(TOMBSTONE_KIND, app, expiresAt, itemIdOf(key)),
    tombstone: reason,
    tombstonedAt: at.toISOString(),
  };
}

export function isTombstone(item: Record<string, unknown> | undefined): boolean {
  return typeof item?.tombstone === 'string';
}

/** A held snapshot (superseded values a legal hold keeps): never served, deleted once no hold covers it. */
export function isHeldSnapshot(key: { readonly sk?: string | undefined }): boolean {
  return key.sk?.includes(HELD_SNAPSHOT_MARK) ?? false;
}
