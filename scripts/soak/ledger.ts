import type { MessageRef } from '../../lib/store/personal-keys.js';

/**
 * What the soak sent and what the stack acknowledged, per logical item, so the final check can say of
 * every stored-mode message whether it must be there, must be gone, or may be either.
 */
export interface SentMessage {
  readonly app: string;
  readonly account: string;
  readonly ref: MessageRef;
  readonly msgId: string;
  readonly command: 'C2C.CallbackAfterSendMsg' | 'Group.CallbackAfterSendMsg';
  readonly body: Record<string, unknown>;
  /** Epoch ms at which the message's retention ends (MsgTime + the app's retention); undefined: not stored by design. */
  readonly expiresAtMs: number | undefined;
  /** Epoch ms of each delivery attempt that started, and of the last one acknowledged OK. */
  firstAttemptAt?: number;
  lastAttemptAt?: number;
  lastAckAt?: number;
  deliveries: number;
  /** A recall acknowledged OK, started after the last after-send delivery ended. */
  recalledAt?: number;
  recallUnknown?: boolean;
  /** Seen stored by the soak's own read after warm-up (so its absence later is a wrong deletion). */
  verifiedPresent?: boolean;
  /** A duplicate delivery or recall in flight: nothing else touches it meanwhile. */
  busy?: boolean;
}

export interface SentProfile {
  readonly app: string;
  readonly account: string;
  lastAttemptAt?: number;
  lastAckAt?: number;
  verifiedPresent?: boolean;
}

export interface DeletionRecord {
  readonly app: string;
  readonly account: string;
  /** Epoch ms just before the POST left: everything acknowledged before must be gone at the end. */
  readonly postedAt: number;
  id?: string;
  status?: string;
  held: boolean;
}

export class Ledger {
  readonly messages: SentMessage[] = [];
  readonly profiles = new Map<string, SentProfile>();
  readonly deletions: DeletionRecord[] = [];
  /** `app\u0000account` under an active legal hold. */
  readonly held = new Set<string>();
  /** Apps switched to messages notStored: epoch ms the PATCH answered 200. */
  readonly messagesNotStoredSince = new Map<string, number>();

  profile(app: string, account: string): SentProfile {
    const key = `${app}\u0000${account}`;
    let profile = this.profiles.get(key);
    if (!profile) {
      profile = { app, account };
      this.profiles.set(key, profile);
    }
    return profile;
  }

  /** Whether a legal hold covers `app`/`account` (its data is kept whatever is asked). */
  isHeld(app: string, account: string): boolean {
    return this.held.has(`${app}\u0000${account}`);
  }

  /** Deletion requests (not held) covering `app`/`account`, earliest first. */
  deletionsOf(app: string, account: string): DeletionRecord[] {
    return this.deletions.filter((d) => d.app === app && d.account === account && !d.held);
  }
}
