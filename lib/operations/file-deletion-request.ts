import type { Logger } from '@aws-lambda-powertools/logger';
import type { PersonalCategoryId } from '../policy/categories.js';
import { accountPseudonym } from '../policy/pseudonym.js';
import type { CreateOutcome, DeletionRequest, DeletionRequestCreator } from '../store/deletion-requests.js';

/** Starts the deletion worker for a request (lib/lambda/invoke.ts AsyncInvoker); false when the start failed. */
export interface WorkerStarter {
  start(payload: Record<string, unknown>): Promise<boolean>;
}

export interface FileDeletionDeps {
  readonly requests: DeletionRequestCreator;
  readonly worker: WorkerStarter;
  /** The deployment's audit HMAC key: the request keeps the account as a keyed hash once completed. */
  readonly auditKey: string;
  readonly logger?: Logger;
}

export interface FileDeletionInput {
  readonly app: string;
  /** One account; absent: every account of the app. */
  readonly account?: string | undefined;
  readonly categories: readonly PersonalCategoryId[];
  /** Who filed it, kept on the request and its audit record (`appAdmin`, `consentWithdrawn`, …). */
  readonly requestedBy: string;
  readonly idempotencyKey?: string | undefined;
}

/**
 * D3: files a deletion request (or joins the account's open one) and starts the worker at once; the
 * worker's schedule picks the request up if that start fails. Legal holds are the worker's to respect.
 * The one path behind `POST …/deletion-requests` and a consent withdrawal.
 */
export async function fileDeletionRequest(
  deps: FileDeletionDeps,
  input: FileDeletionInput,
  now: Date,
): Promise<{ request: DeletionRequest; outcome: CreateOutcome; workerStarted: boolean }> {
  const { app, account } = input;
  const { request, outcome } = await deps.requests.create(
    {
      app,
      ...(account !== undefined
        ? { subject: 'account', account, accountHash: accountPseudonym(deps.auditKey, app, account) }
        : { subject: 'allAccounts' }),
      categories: [...input.categories],
      requestedBy: input.requestedBy,
      ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
    },
    now,
  );
  const workerStarted =
    request.status === 'completed' ? false : await deps.worker.start({ app, requestId: request.id });
  deps.logger?.info('deletion request accepted', {
    app,
    requestId: request.id,
    outcome,
    requestedBy: input.requestedBy,
    workerStarted,
  });
  return { request, outcome, workerStarted };
}
