import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalStack, startScratchStack } from '../scripts/local-stack.js';
import { callbackQuery, textBody } from '../scripts/tencent-client.js';
import { type BenchResults, describe, progress } from './support/result.js';
import { percentile, round, summarize } from './support/stats.js';

/**
 * The local stack (`npm start`'s code path, serverless-offline) under signed after-send callbacks at
 * concurrency 8 and 50, rounds interleaved: throughput must not fall as concurrency rises
 * (`localStack.concurrencyRatio` = msgs/s at 50 / at 8). For the record, the same at 50 without the
 * local concurrency limit (scripts/front-door.ts), where serverless-offline starts a cold worker
 * thread per concurrent invocation.
 */
const APP = '1400888101';
const TOKEN = 'bench-local-callback-token-0123456789';
const ROUNDS = 3;
const ROUND_MS = 8000;

interface Level {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
}

let sequence = 0;

async function drive(stack: LocalStack, concurrency: number, ms: number): Promise<Level> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const end = Date.now() + ms;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const n = ++sequence;
        const at = Date.now();
        const body = {
          CallbackCommand: 'C2C.CallbackAfterSendMsg',
          From_Account: `user-${n % 50}`,
          To_Account: 'peer',
          MsgSeq: n,
          MsgRandom: n,
          MsgTime: Math.floor(at / 1000),
          MsgKey: `${n}_${n}_${Math.floor(at / 1000)}`,
          MsgBody: textBody(`message ${n}`),
          SendMsgResult: 0,
          UnreadMsgNum: 1,
          EventTime: at,
        };
        const query = callbackQuery(APP, TOKEN, body.CallbackCommand, Math.floor(at / 1000));
        try {
          const response = await fetch(`${stack.httpUrl}/im/callback?${query}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(20_000),
          });
          const answer = (await response.json()) as { ActionStatus?: string };
          if (answer.ActionStatus === 'OK') ok += 1;
          else failed += 1;
        } catch {
          failed += 1;
        }
        latencies.push(Date.now() - at);
      }
    }),
  );
  return {
    rate: ok / ((Date.now() - started) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failed,
  };
}

async function withStack<T>(
  concurrency: number | undefined,
  run: (stack: LocalStack) => Promise<T>,
): Promise<T> {
  const workDir = mkdtempSync(join(tmpdir(), 'im-retention-bench-stack-'));
  const { stack, operatorToken } = await startScratchStack({
    workDir,
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  try {
    const response = await fetch(`${stack.httpUrl}/apps/${APP}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        appName: 'bench local stack',
        secretKey: 'bench-local-secret-0123456789abcdef',
        adminAccount: 'administrator',
        callback: { enabled: true, url: 'https://callback.example.com/im', token: TOKEN },
        dataCenter: 'local',
      }),
    });
    if (response.status !== 200) throw new Error(`registering the bench app: ${response.status}`);
    return await run(stack);
  } finally {
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const show = (level: Level) =>
  `${Math.round(level.rate)} msg/s, p50 ${level.p50} ms, p99 ${level.p99} ms, ${level.failed} failed`;

export async function benchLocalStack(): Promise<BenchResults> {
  progress('local stack: signed callbacks at concurrency 8 and 50, rounds interleaved');
  const { at8, at50, limit } = await withStack(undefined, async (stack) => {
    await drive(stack, 8, 3000); // warm the instances
    const at8: Level[] = [];
    const at50: Level[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      at8.push(await drive(stack, 8, ROUND_MS));
      at50.push(await drive(stack, 50, ROUND_MS));
    }
    const limit = stack.concurrencyReport().find((l) => l.key === 'POST /im/callback')?.limit ?? 0;
    return { at8, at50, limit };
  });
  progress('local stack: the same at 50 without the local concurrency limit (one cold worker per request)');
  const unlimited = await withStack(10_000, async (stack) => {
    await drive(stack, 8, 3000);
    return drive(stack, 50, ROUND_MS);
  });
  const rate8 = summarize(at8.map((l) => l.rate));
  const rate50 = summarize(at50.map((l) => l.rate));
  const last = (levels: Level[]) => levels[levels.length - 1] as Level;
  return {
    'localStack.concurrencyRatio': {
      value: round(rate50.median / rate8.median),
      unit: 'ratio',
      detail:
        `median msgs/s at concurrency 50 ${describe(rate50, 'msg/s', 0)} / at 8 ${describe(rate8, 'msg/s', 0)}; ` +
        `${ROUNDS} interleaved rounds of ${ROUND_MS / 1000} s on one stack (at most ${limit} callbacks at once, the rest in line); ` +
        `last round at 8: ${show(last(at8))}; at 50: ${show(last(at50))}; ` +
        `without the limit at 50 (a new cold worker thread per concurrent request): ${show(unlimited)}`,
    },
  };
}
