import type { AppConfig } from '../../lib/policy/app-config.js';
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

/** A PATCH of an app's messages setting: when it was asked for and, once in force, when it answered 200. */
export interface PrivacyChange {
  readonly app: string;
  readonly messages: 'stored' | 'notStored';
  /** The PATCH body's `privacy` (categories it names replace the app's). */
  readonly privacy: AppConfig['privacy'];
  readonly requestedAt: number;
  answeredAt?: number;
}

/** A legal hold on an account: when it was asked for and when its 201 answered. */
export interface HoldRecord {
  readonly requestedAt: number;
  answeredAt?: number;
}

export class Ledger {
  readonly messages: SentMessage[] = [];
  readonly profiles = new Map<string, SentProfile>();
  readonly deletions: DeletionRecord[] = [];
  /** Legal holds by `app\u0000account`. */
  readonly holds = new Map<string, HoldRecord>();
  /** Privacy changes in the order they were asked for. */
  readonly privacyChanges: PrivacyChange[] = [];

  profile(app: string, account: string): SentProfile {
    const key = `${app}\u0000${account}`;
    let profile = this.profiles.get(key);
    if (!profile) {
      profile = { app, account };
      this.profiles.set(key, profile);
    }
    return profile;
  }

  /** The legal hold asked for on `app`/`account`, if any (its data is kept whatever is asked once it answered). */
  holdOf(app: string, account: string): HoldRecord | undefined {
    return this.holds.get(`${app}\u0000${account}`);
  }

  /** The privacy change the soak last asked of `app`, if it asked any. */
  lastAskedChange(app: string): PrivacyChange | undefined {
    return this.privacyChanges.filter((c) => c.app === app).at(-1);
  }

  /** The changes asked of `app`, in order. */
  changesOf(app: string): PrivacyChange[] {
    return this.privacyChanges.filter((c) => c.app === app);
  }

  /** Deletion requests (not held) covering `app`/`account`, earliest first. */
  deletionsOf(app: string, account: string): DeletionRecord[] {
    return this.deletions.filter((d) => d.app === app && d.account === account && !d.held);
  }
}
