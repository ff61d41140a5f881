import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, round } from '../bench/support/stats.js';
import { createDocumentClient, createDynamoClient } from '../lib/store/dynamo.js';
import { DOOMED, HOLDS, PRIVACY_CHANGES, SOAK_APPS } from './soak/apps.js';
import { adminCall, Stats } from './soak/client.js';
import { startFaultCycle } from './soak/faults.js';
import { Ledger } from './soak/ledger.js';
import { runLoad } from './soak/load.js';
import { explainLimit, sampleCpu } from './soak/machine.js';
import { type SoakStack, startSoakStack } from './soak/stack.js';
import { createWriteTrace } from './soak/trace.js';
import { markPresent, verify } from './soak/verify.js';
import { adminQuery } from './tencent-client.js';

/**
 * `npm run soak`: the local stack under load, faults and concurrent expiry and deletion, then a check
 * of every stored item against what was sent (docs in SECURITY.md "Soak"). Loopback only; bounded in
 * time; writes bench/soak.json and exits non-zero when anything was lost, duplicated or wrongly deleted.
 */
const WARMUP_CALLBACKS = Number(process.env.SOAK_WARMUP ?? 1200);
const LOAD_CALLBACKS = Number(process.env.SOAK_CALLBACKS ?? 9200);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 50);
const DEADLINE_MS = 9.5 * 60_000;
const OUTPUT = 'bench/soak.json';

const started = Date.now();
const log = (line: string) =>
  console.log(`[soak ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function registerApps(soak: SoakStack, stats: Stats) {
  const operator = { authorization: `Bearer ${soak.operatorToken}` };
  for (const app of SOAK_APPS) {
    const answer = await adminCall(
      stats,
      () => `${soak.stack.httpUrl}/apps/${app.sdkAppId}`,
      { method: 'PUT', headers: operator, body: app.config },
      'PUT /apps/{sdkAppId}',
    );
    if (answer.status !== 200)
      throw new Error(`registering ${app.sdkAppId}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}

/** The operator places a legal hold on an account while the load runs (POST …/legal-holds). */
async function placeHold(soak: SoakStack, stats: Stats, ledger: Ledger, hold: (typeof HOLDS)[number]) {
  const record: { requestedAt: number; answeredAt?: number } = { requestedAt: Date.now() };
  ledger.holds.set(`${hold.app}\u0000${hold.account}`, record);
  const answer = await adminCall(
    stats,
    () => `${soak.stack.httpUrl}/apps/${hold.app}/legal-holds`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${soak.operatorToken}` },
      body: { account: hold.account, categories: ['messages', 'userInfo'], reason: 'soak: litigation hold' },
    },
    'POST /apps/{sdkAppId}/legal-holds',
  );
  if (answer.status !== 201) throw new Error(`legal hold: ${answer.status} ${JSON.stringify(answer.body)}`);
  record.answeredAt = Date.now();
  log(`legal hold ${hold.app}/${hold.account}: ${answer.status}`);
}

async function requestDeletion(
  soak: SoakStack,
  stats: Stats,
  ledger: Ledger,
  doomed: (typeof DOOMED)[number],
) {
  const app = SOAK_APPS.find((a) => a.sdkAppId === doomed.app);
  if (!app) return;
  const record = {
    app: doomed.app,
    account: doomed.account,
    postedAt: Date.now(),
    held: doomed.held === true,
  };
  ledger.deletions.push(record);
  const answer = await adminCall(
    stats,
    () =>
      `${soak.stack.httpUrl}/apps/${app.sdkAppId}/deletion-requests?${adminQuery(app.sdkAppId, app.secretKey, app.adminAccount)}`,
    {
      method: 'POST',
      headers: { 'idempotency-key': `soak-${app.sdkAppId}-${encodeURIComponent(doomed.account)}` },
      body: { account: doomed.account },
    },
    'POST /apps/{sdkAppId}/deletion-requests',
  );
  log(
    `deletion request ${app.sdkAppId}/${doomed.account}: ${answer.status} ${String(answer.body.status ?? answer.body.detail)}`,
  );
  if (answer.status === 202)
    Object.assign(record, { id: String(answer.body.id), status: String(answer.body.status) });
}

/** The app admin changes an app's messages setting (PRIVACY_CHANGES), through the real PATCH route. */
async function changePrivacy(
  soak: SoakStack,
  stats: Stats,
  ledger: Ledger,
  change: (typeof PRIVACY_CHANGES)[number],
) {
  const app = SOAK_APPS.find((a) => a.sdkAppId === change.app);
  if (!app) return;
  const record: Ledger['privacyChanges'][number] = {
    app: change.app,
    messages: change.messages,
    privacy: change.privacy,
    requestedAt: Date.now(),
  };
  ledger.privacyChanges.push(record);
  const answer = await adminCall(
    stats,
    () =>
      `${soak.stack.httpUrl}/apps/${app.sdkAppId}/privacy?${adminQuery(app.sdkAppId, app.secretKey, app.adminAccount)}`,
    { method: 'PATCH', body: change.privacy },
    'PATCH /apps/{sdkAppId}/privacy',
  );
  if (answer.status === 200) record.answeredAt = Date.now();
  log(`privacy change ${app.sdkAppId} messages -> ${change.messages}: ${answer.status}`);
}

async function receipt(soak: SoakStack, stats: Stats, app: string, id: string) {
  const soakApp = SOAK_APPS.find((a) => a.sdkAppId === app);
  if (!soakApp) return undefined;
  const answer = await adminCall(
    stats,
    () =>
      `${soak.stack.httpUrl}/apps/${app}/deletion-requests/${id}?${adminQuery(app, soakApp.secretKey, soakApp.adminAccount)}`,
    { method: 'GET' },
    'GET /apps/{sdkAppId}/deletion-requests/{id}',
  );
  return answer.status === 200 ? answer.body : undefined;
}

async function invoke(
  soak: SoakStack,
  fn: string,
  payload: unknown,
): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`${soak.stack.lambdaUrl}/2015-03-31/functions/${fn}/invocations`, {
      method: 'POST',
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(300_000),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

/** Expiry runs every few seconds while the load goes on, as its schedule would (compressed). */
function startExpiryLoop(soak: SoakStack, counters: { runs: number; skipped: number; failed: number }) {
  let running = true;
  const loop = (async () => {
    while (running) {
      const answer = await invoke(soak, 'expire', {});
      counters.runs += 1;
      if (answer.status !== 200 || /errorMessage|errorType/.test(answer.body)) counters.failed += 1;
      else if (answer.body.includes('anotherRunInProgress')) counters.skipped += 1;
      for (let i = 0; running && i < 40; i++) await sleep(250);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

async function main() {
  // tmpfs when there is one: DynamoDB Local syncs every write, and the soak measures the stack, not the disk.
  const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'im-retention-soak-'));
  const stats = new Stats();
  const ledger = new Ledger();
  const expiry = { runs: 0, skipped: 0, failed: 0 };
  let restarts = 0;
  let soak: SoakStack | undefined;
  const watchdog = setTimeout(() => {
    log('deadline reached: stopping the stack and aborting');
    void (soak?.stop() ?? Promise.resolve()).finally(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(2);
    });
  }, DEADLINE_MS);
  watchdog.unref();

  log(`starting the local stack (data under ${dataDir})`);
  soak = await startSoakStack({ dataDir, log });
  const trace = createWriteTrace(soak.tables.personal, started);
  soak.proxy.setObserver(trace.observer);
  const doc = createDocumentClient(
    createDynamoClient({ endpoint: soak.dbEndpoint, region: 'us-east-1', requestTimeoutMs: 10_000 }),
  );
  try {
    await registerApps(soak, stats);
    const context = { httpUrl: soak.stack.httpUrl, stats, ledger, apps: SOAK_APPS };
    const progress = (phase: string) => {
      let next = 0.1;
      const since = Date.now();
      return (fraction: number) => {
        if (fraction < next) return;
        next += 0.1;
        const seconds = (Date.now() - since) / 1000;
        log(
          `${phase} ${Math.round(fraction * 100)}%: ${stats.callbacks} callbacks, ${stats.callbackAttempts} attempts, ` +
            `${stats.callbackFailures} FAIL, ${stats.lambdaTimeouts} Lambda timeouts, ${stats.serverErrors} 5xx, ${stats.networkErrors} network, ` +
            `${stats.unacknowledged} unacknowledged, p50 ${percentile(stats.callbackLatencies, 50)} ms (${seconds.toFixed(0)} s)`,
        );
      };
    };

    log(`warm-up: ${WARMUP_CALLBACKS} callbacks, no faults`);
    await runLoad(context, WARMUP_CALLBACKS, CONCURRENCY, progress('warm-up'), 5000);
    const marked = await markPresent(doc, soak.tables.personal, ledger);
    log(`warm-up done: ${marked} items seen stored`);

    log(`load: ${LOAD_CALLBACKS} callbacks at concurrency ${CONCURRENCY}, with faults, expiry and deletions`);
    const faults = startFaultCycle(soak.proxy, log);
    const stopExpiry = startExpiryLoop(soak, expiry);
    const pendingDeletions: Promise<void>[] = [];
    const remaining = [...DOOMED];
    const changes = [...PRIVACY_CHANGES];
    const holds = [...HOLDS];
    const pendingChanges: Promise<void>[] = [];
    const placedHolds = new Map<string, Promise<void>>();
    let restart: Promise<void> | undefined;
    const loadStarted = Date.now();
    const cpu = sampleCpu({
      'serverless-offline': () => ({ group: soak?.stack.runtimeProcessGroup }),
      'DynamoDB Local': () => ({ pid: soak?.databasePid() }),
      'soak (client, proxies)': () => ({ pid: process.pid }),
    });
    const loadProgress = progress('load');
    await runLoad(context, LOAD_CALLBACKS, CONCURRENCY, (fraction) => {
      loadProgress(fraction);
      while (holds.length > 0 && (holds[0]?.atProgress ?? 1) <= fraction) {
        const hold = holds.shift();
        if (hold) placedHolds.set(`${hold.app}\u0000${hold.account}`, placeHold(soak, stats, ledger, hold));
      }
      while (remaining.length > 0 && (remaining[0]?.atProgress ?? 1) <= fraction) {
        const doomed = remaining.shift();
        // A held account's request is made once its hold is in force (so it is withheld, as the ledger expects).
        const hold = placedHolds.get(`${doomed?.app}\u0000${doomed?.account}`) ?? Promise.resolve();
        if (doomed) pendingDeletions.push(hold.then(() => requestDeletion(soak, stats, ledger, doomed)));
      }
      while (changes.length > 0 && (changes[0]?.atProgress ?? 1) <= fraction) {
        const change = changes.shift();
        if (change) pendingChanges.push(changePrivacy(soak, stats, ledger, change));
      }
      if (!restart && fraction >= 0.55) {
        log('killing DynamoDB Local (SIGKILL) mid-run');
        restart = soak.restartDatabase(1500).then(() => {
          restarts += 1;
          log('DynamoDB Local is back');
        });
      }
    });
    const loadMs = Date.now() - loadStarted;
    const cpuDuringLoad = cpu.stop();
    const concurrencyLimits = soak.stack.concurrencyReport();
    const limitedBy = explainLimit(cpuDuringLoad, concurrencyLimits);
    log(`limited by: ${limitedBy}`);
    await restart;
    await Promise.all([...pendingChanges, ...placedHolds.values()]);
    await faults.stop();
    await stopExpiry();
    for (const doomed of remaining) pendingDeletions.push(requestDeletion(soak, stats, ledger, doomed));
    await Promise.all(pendingDeletions);
    log(`load done in ${(loadMs / 1000).toFixed(1)} s; faults off`);

    // The schedules, compressed: one more expiry run and worker sweeps until every request is settled.
    const settleDeadline = Date.now() + 90_000;
    for (;;) {
      for (const deletion of ledger.deletions) {
        if (deletion.id && deletion.status !== 'completed') {
          const body = await receipt(soak, stats, deletion.app, deletion.id);
          if (body) deletion.status = String(body.status);
        }
      }
      const open = ledger.deletions.filter(
        (d) => d.status !== 'completed' && !(d.held && d.status === 'withheld'),
      );
      if (open.length === 0 || Date.now() > settleDeadline) break;
      log(`waiting for ${open.length} deletion request(s): sweeping`);
      await invoke(soak, 'deletionWorker', {});
      await sleep(2000);
    }
    // A run the load started may still hold the expiry lease (or one the database kill cut short, until
    // its lease lapses at the run timeout, 300 s): the final run waits its turn instead of being skipped.
    let finalExpiry = await invoke(soak, 'expire', {});
    for (
      let waited = 0;
      finalExpiry.body.includes('anotherRunInProgress') && waited < 330_000;
      waited += 3000
    ) {
      await sleep(3000);
      finalExpiry = await invoke(soak, 'expire', {});
    }
    log(`final expiry run: ${finalExpiry.status} ${finalExpiry.body.slice(0, 160)}`);

    const verdict = await verify(doc, soak.tables.personal, ledger, SOAK_APPS, {
      startedAt: started,
      of: trace.of,
    });
    const injected = Object.fromEntries(soak.proxy.injected);
    const faultsInjected = [...soak.proxy.injected.values()].reduce((a, b) => a + b, 0) + restarts;
    const result = {
      callbacks: stats.callbacks,
      lost: verdict.lost,
      duplicates: verdict.duplicates,
      serverErrors: stats.serverErrors,
      faultsInjected,
      wronglyDeleted: verdict.wronglyDeleted,
      p50Ms: round(percentile(stats.callbackLatencies, 50), 1),
      p99Ms: round(percentile(stats.callbackLatencies, 99), 1),
      details: {
        ranAt: new Date(started).toISOString(),
        durationSeconds: round((Date.now() - started) / 1000, 1),
        loadSeconds: round(loadMs / 1000, 1),
        concurrency: CONCURRENCY,
        limitedBy,
        cpuDuringLoad,
        localConcurrencyLimits: concurrencyLimits,
        privacyChanges: ledger.privacyChanges.map((c) => ({
          app: c.app,
          messages: c.messages,
          answered: c.answeredAt !== undefined,
        })),
        legalHoldsPlacedDuringLoad: [...ledger.holds.values()].filter((h) => h.answeredAt !== undefined)
          .length,
        apps: SOAK_APPS.length,
        callbackAttempts: stats.callbackAttempts,
        callbackFailuresRetried: stats.callbackFailures,
        networkErrorsRetried: stats.networkErrors,
        lambdaTimeoutsRetried: stats.lambdaTimeouts,
        failureReasons: Object.fromEntries(stats.failureReasons),
        unacknowledged: stats.unacknowledged,
        recalledReplays: stats.recalledReplays,
        unexpectedClientErrors: stats.unexpectedClientErrors,
        serverErrorsByRoute: Object.fromEntries(stats.serverErrorsByRoute),
        faults: { ...injected, databaseRestarts: restarts, windows: faults.windows() },
        expiryRuns: expiry,
        deletionRequests: ledger.deletions.map((d) => ({
          app: d.app,
          held: d.held,
          status: d.status ?? 'notAccepted',
        })),
        notErased: verdict.notErased,
        expiredStillStored: verdict.expiredStillStored,
        storedAgainstSettings: verdict.storedAgainstSettings,
        checked: verdict.checked,
        examples: verdict.examples,
      },
    };
    mkdirSync('bench', { recursive: true });
    writeFileSync(OUTPUT, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${OUTPUT}: ${JSON.stringify({ ...result, details: undefined })}`);
    const failed =
      result.lost +
        result.duplicates +
        result.serverErrors +
        result.wronglyDeleted +
        verdict.notErased +
        verdict.storedAgainstSettings >
        0 ||
      result.faultsInjected === 0 ||
      result.callbacks < 10_000;
    if (failed) {
      log('FAILED: see details in bench/soak.json');
      process.exitCode = 1;
    }
  } finally {
    doc.destroy();
    await soak.stop();
    rmSync(dataDir, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
}

main().catch((error: unknown) => {
  console.error('soak failed:', error instanceof Error ? error.stack : error);
  process.exit(1);
});
