import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { PurgeIncompleteError } from '../../lib/errors.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { createRunEvidenceStore, recordEvidence } from '../../lib/store/run-evidence.js';
import { createPurgeDeps } from './deps.js';
import { type PurgeReport, purgeDueApps } from './purge-apps.js';

const { env, logger, doc } = functionBase('purge', { requestTimeoutMs: 5000 });
const deps = createPurgeDeps(doc, env.tables, logger);
const evidence = createRunEvidenceStore({ doc, tableName: env.tables.governance });

/**
 * Scheduled (and invokable as `purge`): the P4 config purge of every terminated app whose two
 * months have passed. Throws when some app could not be processed, so the failure is visible; a
 * retry is safe, since every purge is conditional and recorded once.
 */
export const handler = middy<unknown, PurgeReport, Error, Context>().handler(async (_event, context) => {
  // Erasing stops while a minute (or a quarter of the time) is left; what remains is picked up by the next run.
  const started = context.getRemainingTimeInMillis();
  const margin = Math.min(60_000, started / 4);
  const budget = {
    owner: `purge:${context.awsRequestId}`,
    leaseMs: started + 5000,
    hasTime: () => context.getRemainingTimeInMillis() > margin,
  };
  const startedAt = new Date();
  const report = await purgeDueApps({ ...deps, budget }, startedAt);
  // The conformance history (GET /conformance/history): counts of apps only, no app's data.
  await recordEvidence(
    () =>
      evidence.record({
        run: 'purge',
        startedAt: startedAt.toISOString(),
        completed: report.failed.length === 0 && report.erasing.length === 0,
        apps: {
          candidates: report.candidates,
          purged: report.purged.length,
          held: report.held.length,
          erasing: report.erasing.length,
          failed: report.failed.length,
        },
      }),
    (error) => logger.error('run evidence could not be recorded', { error }),
  );
  logger.info('config purge run', {
    candidates: report.candidates,
    purged: report.purged.length,
    held: report.held.length,
    skipped: report.skipped,
    erasing: report.erasing.length,
    failed: report.failed.length,
  });
  if (report.failed.length > 0) {
    throw new PurgeIncompleteError(
      `purge failed for ${report.failed.length} app(s): ${report.failed.join(', ')}`,
    );
  }
  return report;
});
