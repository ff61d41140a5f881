import type { Logger } from '@aws-lambda-powertools/logger';
import { isOverdue } from '../../lib/policy/deletion.js';
import type { DeletionRequestReader } from '../../lib/store/deletion-requests.js';

/** Ids, apps, states and times only: no account. */
export interface OverdueRequest {
  readonly id: string;
  readonly app: string;
  readonly status: string;
  readonly dueAt: string;
  readonly overdueSeconds: number;
}

export interface DeadlineReport {
  readonly checkedAt: string;
  readonly overdue: number;
  /** Of those, kept by a legal hold (lawful, but still reported). */
  readonly withheld: number;
  readonly requests: OverdueRequest[];
}

/** One Query on byState bounded by the deadline: the cost follows the open requests, not the table. */
export async function checkDeadlines(
  requests: Pick<DeletionRequestReader, 'listOverdue'>,
  now: Date,
  logger?: Logger,
): Promise<DeadlineReport> {
  const overdue = (await requests.listOverdue(now))
    .filter((request) => isOverdue(request, now))
    .map((request) => ({
      id: request.id,
      app: request.app,
      status: request.status,
      dueAt: request.dueAt,
      overdueSeconds: Math.floor((now.getTime() - Date.parse(request.dueAt)) / 1000),
    }));
  for (const request of overdue) logger?.warn('deletion request past its deadline', { ...request });
  return {
    checkedAt: now.toISOString(),
    overdue: overdue.length,
    withheld: overdue.filter((request) => request.status === 'withheld').length,
    requests: overdue,
  };
}
