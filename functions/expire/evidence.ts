import type { CategoryEvidence, ExpireEvidence } from '../../lib/policy/evidence.js';
import type { ExpiryReport } from './run.js';

/** What an expire run leaves in the conformance history: per kind its counts and lingering ages. */
export function expireEvidence(report: ExpiryReport): ExpireEvidence {
  const categories: Record<string, CategoryEvidence> = {};
  for (const [kind, c] of Object.entries(report.categories)) {
    categories[kind] = {
      due: c.due,
      deleted: c.deleted,
      held: c.held,
      withinGrace: c.withinGrace,
      overdueBefore: c.overdueBefore,
      overdueAfter: c.overdueAfter,
      oldestOverdueSecondsBefore: c.oldestOverdueSecondsBefore,
      oldestOverdueSecondsAfter: c.oldestOverdueSecondsAfter,
      errors: c.errors,
    };
  }
  const completed = !report.stoppedEarly && Object.values(report.categories).every((c) => c.complete);
  return { run: 'expire', startedAt: report.startedAt, completed, categories };
}
