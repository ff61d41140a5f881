import type { Context } from 'aws-lambda';
import type { AsyncInvoker } from '../../lib/lambda/invoke.js';
import {
  type EraseDeps,
  type EraseOutcome,
  eraseRequest,
  isDue,
} from '../../lib/operations/erase-request.js';
import type { DeletionRequest, DeletionRequestReader } from '../../lib/store/deletion-requests.js';

/** What starts the worker: a request to run now, a hold release for an app, or the schedule (anything else). */
export type WorkerEvent =
  | { readonly app: string; readonly requestId: string }
  | { readonly app: string; readonly reason: 'holdReleased' }
  | Record<string, unknown>;

/** Ids, states and counts only: the report is logged and returned, so it carries no account. */
export interface WorkerReport {
  readonly mode: 'request' | 'sweep';
  readonly outcomes: Record<EraseOutcome | 'notDue' | 'failed', number>;
  readonly continued: boolean;
}

export interface WorkerDeps extends EraseDeps {
  /** The erasure's side of the requests, and the sweep's list of open ones. */
  readonly requests: EraseDeps['requests'] & Pick<DeletionRequestReader, 'listOpen'>;
  readonly self: AsyncInvoker;
  readonly owner: string;
}

/** Stops this long before the Lambda timeout, so the last checkpoint and the hand-over fit. */
export const STOP_MARGIN_MS = 3000;
const LEASE_MARGIN_MS = 5000;

function isTargeted(event: WorkerEvent): event is { app: string; requestId: string } {
  return typeof event.app === 'string' && typeof (event as { requestId?: unknown }).requestId === 'string';
}

function appFilter(event: WorkerEvent): string | undefined {
  const { app, reason } = event as { app?: unknown; reason?: unknown };
  return typeof app === 'string' && reason === 'holdReleased' ? app : undefined;
}

export async function runWorker(
  event: WorkerEvent,
  context: Context,
  deps: WorkerDeps,
): Promise<WorkerReport> {
  const budget = {
    owner: deps.owner,
    leaseMs: context.getRemainingTimeInMillis() + LEASE_MARGIN_MS,
    hasTime: () => context.getRemainingTimeInMillis() > STOP_MARGIN_MS,
  };
  const outcomes = { completed: 0, withheld: 0, yielded: 0, skipped: 0, notDue: 0, failed: 0 };

  if (isTargeted(event)) {
    const request = await deps.requests.get(event.app, event.requestId);
    if (!request || request.status === 'completed') {
      outcomes.skipped += 1;
      return report('request', outcomes, false, deps);
    }
    if (!(await isDue(request, deps.holds, deps.now()))) {
      outcomes.notDue += 1;
      return report('request', outcomes, false, deps);
    }
    const outcome = await eraseRequest(deps, request, budget);
    outcomes[outcome] += 1;
    // Out of time with work left: hand over to a fresh invocation rather than wait for the schedule.
    const continued =
      outcome === 'yielded' && (await deps.self.start({ app: event.app, requestId: event.requestId }));
    return report('request', outcomes, continued, deps);
  }

  const onlyApp = appFilter(event);
  const open = (await deps.requests.listOpen()).filter(
    (request) => onlyApp === undefined || request.app === onlyApp,
  );
  let outOfTime = false;
  for (const request of open) {
    if (!budget.hasTime()) {
      outOfTime = true;
      break;
    }
    if (isLeased(request, deps.now())) {
      outcomes.skipped += 1;
      continue;
    }
    try {
      if (!(await isDue(request, deps.holds, deps.now()))) {
        outcomes.notDue += 1;
        continue;
      }
      const outcome = await eraseRequest(deps, request, budget);
      outcomes[outcome] += 1;
      if (outcome === 'yielded') outOfTime = true;
    } catch (error) {
      // One failing request must not stop the others; it stays open and is retried by the next run.
      outcomes.failed += 1;
      deps.logger?.error('deletion request failed; retried by the next run', {
        requestId: request.id,
        app: request.app,
        errorName: error instanceof Error ? error.name : typeof error,
      });
    }
  }
  const continued =
    outOfTime && (await deps.self.start(onlyApp ? { app: onlyApp, reason: 'holdReleased' } : {}));
  return report('sweep', outcomes, continued, deps);
}

function isLeased(request: DeletionRequest, now: Date): boolean {
  return request.leaseUntil !== undefined && request.leaseUntil >= now.getTime();
}

function report(
  mode: WorkerReport['mode'],
  outcomes: WorkerReport['outcomes'],
  continued: boolean,
  deps: WorkerDeps,
): WorkerReport {
  const result = { mode, outcomes, continued };
  deps.logger?.info('deletion worker run', { ...result });
  return result;
}
