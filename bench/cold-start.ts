import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { generateReceiptSigningKey } from '../lib/evidence/receipt-signature.js';
import { bundleLikeFunctions, type PackagedFunction } from './support/package.js';
import { type BenchResults, describe, progress } from './support/result.js';
import { round, summarize } from './support/stats.js';

const BENCH_RECEIPT_KEY = generateReceiptSigningKey();

const run = promisify(execFile);
const TIMER = join(import.meta.dirname, 'support', 'import-timer.mjs');

/**
 * coldStart.importRatio: each packaged function bundle imported (module scope run: config, clients,
 * middy chain) in a fresh Node process, against a bare handler that imports only the DynamoDB client,
 * bundled with the same esbuild options; pairs interleaved, the worst function's ratio of medians.
 * The environment is the deployed one (lib/config.ts variables, NODE_OPTIONS=--enable-source-maps as
 * serverless.yml sets it), with secrets given directly so that nothing reaches the network.
 */
function lambdaLikeEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_OPTIONS: '--enable-source-maps',
    AWS_REGION: 'ap-southeast-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: 'im-retention-prod-bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    APPS_TABLE: 'im-retention-prod-apps',
    PERSONAL_TABLE: 'im-retention-prod-personal',
    TELEMETRY_TABLE: 'im-retention-prod-telemetry',
    GOVERNANCE_TABLE: 'im-retention-prod-governance',
    DATA_CENTER: 'ap-guangzhou',
    FUNCTION_NAME_PREFIX: 'im-retention-prod-',
    OPERATOR_TOKEN: 'bench-operator-token-0123456789abcdef',
    AUDIT_HMAC_KEY: 'bench-audit-hmac-key-0123456789abcdef',
    RECEIPT_SIGNING_KEY: BENCH_RECEIPT_KEY,
    EXPIRY_GRACE_SECONDS: '3600',
    POWERTOOLS_SERVICE_NAME: 'im-retention',
    POWERTOOLS_METRICS_NAMESPACE: 'ImRetention',
  };
}

async function importMs(bundle: string, exportName = 'handler'): Promise<number> {
  const { stdout } = await run(process.execPath, [TIMER, pathToFileURL(bundle).href, exportName], {
    env: lambdaLikeEnv(),
  });
  return (JSON.parse(stdout) as { ms: number }).ms;
}

export async function benchColdStart(
  functions: readonly PackagedFunction[],
  workDir: string,
  pairs = 9,
): Promise<BenchResults> {
  const baseline = await bundleLikeFunctions(
    'bench/fixtures/bare-dynamodb-handler.ts',
    join(workDir, 'bare', 'handler.mjs'),
  );
  // Identical bundles (two functions on one handler) are measured once.
  const unique = new Map<string, PackagedFunction[]>();
  for (const fn of functions) {
    const hash = createHash('sha256').update(readFileSync(fn.bundle)).digest('hex');
    unique.set(hash, [...(unique.get(hash) ?? []), fn]);
  }
  progress(`coldStart: ${unique.size} distinct bundles x ${pairs} interleaved pairs with the bare handler`);
  await importMs(baseline); // file-system cache
  const rows: {
    names: string;
    ratio: number;
    fn: ReturnType<typeof summarize>;
    bare: ReturnType<typeof summarize>;
  }[] = [];
  const allBare: number[] = [];
  for (const group of unique.values()) {
    const fn = group[0] as PackagedFunction;
    await importMs(fn.bundle, fn.exportName);
    const fnMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < pairs; i += 1) {
      if (i % 2 === 0) {
        bareMs.push(await importMs(baseline));
        fnMs.push(await importMs(fn.bundle, fn.exportName));
      } else {
        fnMs.push(await importMs(fn.bundle, fn.exportName));
        bareMs.push(await importMs(baseline));
      }
    }
    allBare.push(...bareMs);
    const fnSummary = summarize(fnMs);
    const bareSummary = summarize(bareMs);
    rows.push({
      names: group.map((g) => g.name).join('='),
      ratio: fnSummary.median / bareSummary.median,
      fn: fnSummary,
      bare: bareSummary,
    });
  }
  rows.sort((a, b) => b.ratio - a.ratio);
  const worst = rows[0];
  if (!worst) throw new Error('no bundles measured');
  return {
    'coldStart.importRatio': {
      value: round(worst.ratio, 3),
      unit: 'ratio (worst function)',
      detail:
        `worst: ${worst.names} import+init ${describe(worst.fn, 'ms', 1)} / bare DynamoDB-client handler ${describe(worst.bare, 'ms', 1)}; ` +
        `bare overall ${describe(summarize(allBare), 'ms', 1)}; fresh node ${process.version} process per sample, ${pairs} interleaved pairs per function; ` +
        `all: ${rows.map((r) => `${r.names} ${round(r.ratio, 2)} (${round(r.fn.median, 0)} ms)`).join(', ')}`,
    },
  };
}
