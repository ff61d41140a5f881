import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { functionBase } from '../../lib/lambda/function-base.js';
import { createAuditStore } from '../../lib/store/audit.js';
import { createDeletionRequestStore } from '../../lib/store/deletion-requests.js';
import { checkDeadlines, type DeadlineReport } from './check.js';

const { env, logger, doc } = functionBase('deletion-deadlines');
const requests = createDeletionRequestStore({
  doc,
  tableName: env.tables.governance,
  audit: createAuditStore({ doc, tableName: env.tables.governance }),
});
const metrics = new Metrics({
  serviceName: 'deletion-deadlines',
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ImRetention',
});

/** Hourly D3 deadline check: open deletion requests past dueAt are logged and counted, never silent. */
export const handler = middy<unknown, DeadlineReport>().handler(async () => {
  const report = await checkDeadlines(requests, new Date(), logger);
  metrics.addMetric('DeletionRequestsOverdue', MetricUnit.Count, report.overdue);
  metrics.addMetric('DeletionRequestsOverdueWithheld', MetricUnit.Count, report.withheld);
  metrics.publishStoredMetrics();
  return report;
});
