import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadEnvironment } from '../../lib/config.js';
import { createLogger } from '../../lib/log.js';
import { createDocumentClient, createDynamoClient } from '../../lib/store/dynamo.js';
import { createRunEvidenceStore, recordEvidence } from '../../lib/store/run-evidence.js';
import { createExpiryDeps } from './deps.js';
import { expireEvidence } from './evidence.js';
import { type ExpiryReport, runExpiry } from './run.js';

/**
 * Scheduled `expire`: deletes every item whose expiry passed more than EXPIRY_GRACE_SECONDS ago,
 * in every category, except what a legal hold keeps (docs/expiry.md). `{"dryRun": true}` reports
 * what would be deleted and changes nothing.
 */
const env = loadEnvironment();
const client = createDynamoClient({
  endpoint: env.dynamodbEndpoint,
  region: env.region,
  maxAttempts: 3,
  requestTimeoutMs: 5000,
});
const doc = createDocumentClient(client);
const deps = createExpiryDeps(doc, env.tables);
const evidence = createRunEvidenceStore({ doc, tableName: env.tables.governance });
const logger = createLogger('expire');
const metrics = new Metrics({
  serviceName: 'expire',
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ImRetention',
});

/**
 * Stop starting new work when less than this is left (at most a quarter of the time the run started
 * with), so in-flight batches and the final checkpoint write finish inside the timeout.
 */
export const STOP_MARGIN_MS = 15_000;

/** A scheduled event carries EventBridge fields; only `dryRun` means anything here. */
export interface ExpireEvent {
  dryRun?: boolean;
}

export type ExpireResult = ExpiryReport | { skipped: 'anotherRunInProgress' };

function publishMetrics(report: ExpiryReport) {
  for (const [category, c] of Object.entries(report.categories)) {
    metrics.addDimension('category', category);
    if (report.dryRun) metrics.addDimension('dryRun', 'true');
    metrics.addMetric('ExpiryDue', MetricUnit.Count, c.due);
    metrics.addMetric('ExpiryDeleted', MetricUnit.Count, c.deleted);
    metrics.addMetric('ExpiryHeld', MetricUnit.Count, c.held);
    metrics.addMetric('ExpiryRestored', MetricUnit.Count, c.restored);
    metrics.addMetric('ExpiryWithinGrace', MetricUnit.Count, c.withinGrace);
    metrics.addMetric('OverdueBefore', MetricUnit.Count, c.overdueBefore);
    metrics.addMetric('OverdueAfter', MetricUnit.Count, c.overdueAfter);
    metrics.addMetric('OldestOverdueSecondsBefore', MetricUnit.Seconds, c.oldestOverdueSecondsBefore);
    metrics.addMetric('OldestOverdueSecondsAfter', MetricUnit.Seconds, c.oldestOverdueSecondsAfter);
    metrics.addMetric('ExpiryErrors', MetricUnit.Count, c.errors);
    metrics.publishStoredMetrics();
  }
}

async function expire(event: ExpireEvent | undefined, context: Context): Promise<ExpireResult> {
  const dryRun = event?.dryRun === true;
  const now = new Date();
  const holder = context.awsRequestId;
  // One run at a time: an overlapping run would find the same due items and double the counts.
  if (!dryRun) {
    const until = new Date(now.getTime() + context.getRemainingTimeInMillis());
    if (!(await deps.state.acquireLease(holder, now, until))) {
      logger.warn('another expire run holds the lease; skipping');
      return { skipped: 'anotherRunInProgress' };
    }
  }
  const stopMargin = Math.min(STOP_MARGIN_MS, context.getRemainingTimeInMillis() / 4);
  try {
    const report = await runExpiry(deps, {
      now,
      graceSeconds: env.expiryGraceSeconds,
      dryRun,
      shouldStop: () => context.getRemainingTimeInMillis() < stopMargin,
      onError: (category, error) => logger.error('expiry of a bucket failed', { category, error }),
    });
    logger.info(dryRun ? 'expire dry run' : 'expire run', { report });
    publishMetrics(report);
    // The conformance history (GET /conformance/history): a run that did something is evidence.
    if (!dryRun) {
      await recordEvidence(
        () => evidence.record(expireEvidence(report)),
        (error) => logger.error('run evidence could not be recorded', { error }),
      );
    }
    return report;
  } finally {
    if (!dryRun) await releaseLease(holder);
  }
}

/**
 * A lease left behind blocks every run until it lapses (the Lambda's whole timeout): a release that
 * fails (a throttle, a dropped connection) is tried again, a few times, before it is left to lapse.
 */
async function releaseLease(holder: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await deps.state.releaseLease(holder);
      return;
    } catch (error) {
      if (attempt >= 4) {
        logger.warn('the expire lease could not be released; it lapses at the run timeout', { error });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

export const handler = middy<ExpireEvent | undefined, ExpireResult, Error, Context>().handler(expire);
