import type { Logger } from '@aws-lambda-powertools/logger';
import type { z } from 'zod';
import type { TencentResponse } from '../../../lib/http/tencent-answer.js';
import type { PrivacySettings } from '../../../lib/policy/privacy-settings.js';
import type { HoldsView } from '../../../lib/store/app-cache.js';
import type { AppRecord } from '../../../lib/store/apps.js';
import type { ConsentLookup } from '../../../lib/store/consents.js';
import type { DeletionRequestCreator } from '../../../lib/store/deletion-requests.js';
import type { ExpiryStateStore } from '../../../lib/store/expiry-state.js';
import type { MessageStore } from '../../../lib/store/messages.js';
import type { UserInfoStore } from '../../../lib/store/user-info.js';

/** What every callback command may use: the stores (clients built once in handler.ts) and settings. */
export interface CallbackDeps {
  readonly messages: MessageStore;
  readonly userInfo: UserInfoStore;
  /** D6: the account's active consent, read only for apps that require one (one GetItem per callback). */
  readonly consents: ConsentLookup;
  /** D3's exception: the app's active legal holds (cached per container, like the app record). */
  readonly legalHolds: HoldsView;
  /** Registers the held bucket a held recall, edit or profile write parks values in, so `expire` re-checks it. */
  readonly expiryState: Pick<ExpiryStateStore, 'recordHeld' | 'noteExpiry'>;
  /** Files the erasure of a destroyed group's messages, carried out by the deletion worker. */
  readonly groupErasure: Pick<DeletionRequestCreator, 'create'>;
  /** P1: this deployment's data centre. */
  readonly dataCenter: string;
  readonly logger: Logger;
}

/** One request's context, after authentication. */
export interface CommandContext {
  readonly app: AppRecord;
  readonly settings: PrivacySettings;
  /** P1: whether the app's data may be stored in this deployment. */
  readonly resident: boolean;
  readonly now: Date;
  /** Aborted when the answer budget runs out. */
  readonly signal: AbortSignal;
  readonly deps: CallbackDeps;
}

/** Before-send callbacks decide whether a message goes out; after-send and others only record. */
export type CommandPhase = 'before' | 'after' | 'other';

export interface CallbackCommand<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly phase: CommandPhase;
  readonly schema: S;
  run(body: z.infer<S>, context: CommandContext): Promise<TencentResponse>;
}

export function defineCommand<S extends z.ZodType>(command: CallbackCommand<S>): CallbackCommand<S> {
  return command;
}
