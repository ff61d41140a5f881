import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../scripts/dynamodb-local.js';
import { benchBundle } from './bundle.js';
import { benchCallback } from './callback.js';
import { benchColdStart } from './cold-start.js';
import { benchDeletion } from './deletion.js';
import { benchExpire } from './expire.js';
import { benchLocalStack } from './local-stack.js';
import { benchDoc, createBenchTables, loadItems } from './support/database.js';
import { messagesOf, nowSeconds } from './support/items.js';
import { packageFunctions } from './support/package.js';
import { machine, renderReadme, renderTable } from './support/report.js';
import { type BenchResults, progress } from './support/result.js';

/**
 * `npm run bench`: every benchmark against DynamoDB Local on this machine, each side by side with its
 * baseline in the same run. Writes bench/results.json and bench/README.md, prints the table.
 * `--only bundle,coldStart,callback,expire,deletion,localStack` runs a subset (merged into the existing results).
 */
const GROUPS = ['bundle', 'coldStart', 'callback', 'expire', 'deletion', 'localStack'] as const;
type Group = (typeof GROUPS)[number];

const RESULTS = join(import.meta.dirname, 'results.json');
const README = join(import.meta.dirname, 'README.md');
const LIVE_ITEMS = 100_000;
const LIVE_APP = '1400888001';

function selectedGroups(): Set<Group> {
  const index = process.argv.indexOf('--only');
  if (index < 0) return new Set(GROUPS);
  const names = (process.argv[index + 1] ?? '').split(',').filter(Boolean);
  for (const name of names)
    if (!GROUPS.includes(name as Group)) throw new Error(`unknown benchmark group: ${name}`);
  return new Set(names as Group[]);
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? 0;
  const groups = selectedGroups();
  const results: BenchResults = {};
  const notes: string[] = [];
  const workDir = join(tmpdir(), `im-retention-bench-${process.pid}`);

  if (groups.has('bundle') || groups.has('coldStart')) {
    progress('packaging every function: serverless package --stage prod');
    const t = performance.now();
    const functions = await packageFunctions(workDir);
    notes.push(
      `serverless package: ${Math.round((performance.now() - t) / 1000)} s, ${functions.length} functions`,
    );
    if (groups.has('bundle')) Object.assign(results, await benchBundle(functions, join(workDir, 'unzipped')));
    if (groups.has('coldStart')) Object.assign(results, await benchColdStart(functions, workDir));
    rmSync(workDir, { recursive: true, force: true });
  }

  if (groups.has('callback') || groups.has('expire') || groups.has('deletion')) {
    progress('starting DynamoDB Local (in memory)');
    const local = await startDynamoDbLocal();
    try {
      if (groups.has('callback')) {
        Object.assign(results, await benchCallback({ endpoint: local.endpoint, port: local.port }));
      }
      if (groups.has('expire') || groups.has('deletion')) {
        const live = await createBenchTables(local.endpoint, 'live');
        const doc = benchDoc(local.endpoint);
        const now = nowSeconds();
        // 2,000 accounts x 50 messages, expiring over the next 7 days (the default retention).
        const items = Array.from({ length: LIVE_ITEMS / 50 }, (_, a) =>
          messagesOf(LIVE_APP, `live${a}`, 50, { from: now + 600, to: now + 7 * 86_400 }, `live${a}`),
        ).flat();
        progress(`loading ${items.length} live items (parallel BatchWriteItem, 32 in flight)`);
        const t = performance.now();
        await loadItems(doc, live.personal, items, 32);
        const loadSeconds = (performance.now() - t) / 1000;
        notes.push(
          `loading ${items.length} live items: ${loadSeconds.toFixed(1)} s (${Math.round(items.length / loadSeconds)} items/s)`,
        );
        progress(notes.at(-1) as string);
        if (groups.has('expire')) {
          const empty = await createBenchTables(local.endpoint, 'empty');
          Object.assign(
            results,
            await benchExpire({
              endpoint: local.endpoint,
              port: local.port,
              empty,
              live,
              liveItems: items.length,
            }),
          );
        }
        if (groups.has('deletion')) {
          Object.assign(
            results,
            await benchDeletion({
              endpoint: local.endpoint,
              port: local.port,
              tables: live,
              app: LIVE_APP,
              liveItems: items.length,
            }),
          );
        }
      }
    } finally {
      await local.stop();
    }
  }

  if (groups.has('localStack')) Object.assign(results, await benchLocalStack());

  const elapsedSeconds = Math.round((Date.now() - started) / 1000);
  notes.push(
    `1-minute load average ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end (other work on this machine adds noise; medians of interleaved runs limit it)`,
  );
  notes.push(
    `total run time: ${elapsedSeconds} s${groups.size < GROUPS.length ? ` (subset: ${[...groups].join(', ')})` : ''}`,
  );
  const previous: BenchResults = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
  const merged = groups.size < GROUPS.length ? { ...previous, ...results } : results;
  writeFileSync(RESULTS, `${JSON.stringify(merged, null, 2)}\n`);
  const info = machine();
  writeFileSync(README, renderReadme(merged, info, notes));
  process.stdout.write(`${renderTable(merged)}\n\n${notes.join('\n')}\n`);
}

await main();
