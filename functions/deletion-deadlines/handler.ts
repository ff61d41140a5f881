import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { loadEnvironment } from '../../lib/config.js';
import { createLogger } from '../../lib/log.js';
import { createAuditStore } from '../../lib/store/audit.js';
import { createDeletionRequestStore } from '../../lib/store/deletion-requests.js';
import { createDocumentClient, createDynamoClient } from '../../lib/store/dynamo.js';
import { checkDeadlines, type DeadlineReport } from './check.js';

const env = loadEnvironment();
const logger = createLogger('deletion-deadlines');
const doc = createDocumentClient(createDynamoClient({ endpoint: env.dynamodbEndpoint, region: env.region }));
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
