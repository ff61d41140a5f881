import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { LimitReport } from '../front-door.js';

/**
 * Where the machine's CPU went while the load ran, from /proc (Linux): the whole machine's busy share,
 * and each part of the stack's share in cores (1.0 = one core busy all the time). A process group
 * counts every process in it (serverless-offline with its worker threads and esbuild). Elsewhere than
 * Linux it reports nothing.
 */
export interface CpuReport {
  readonly cores: number;
  /** Busy share of all cores, 0..1. */
  readonly machineBusy: number;
  /** Cores used per part of the stack. */
  readonly coresUsed: Record<string, number>;
}

function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const [, ...fields] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
    const values = fields.map(Number);
    const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** utime + stime and process group of one process; undefined when it is gone. */
function processTicks(pid: number): { ticks: number; group: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ticks: Number(fields[11]) + Number(fields[12]), group: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** Ticks of every process whose process group is `group`, by pid. */
function groupTicks(group: number): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = processTicks(Number(entry));
    if (stat?.group === group) byPid.set(Number(entry), stat.ticks);
  }
  return byPid;
}

/**
 * Samples every second until `stop()`. `parts` name a process (`pid`) or a process group (`group`); the
 * pid may change between samples (a database restarted mid-run): a new process counts from its start.
 */
export function sampleCpu(parts: Record<string, () => { pid?: number; group?: number } | undefined>): {
  stop(): CpuReport | undefined;
} {
  const startMachine = machineTicks();
  if (!startMachine) return { stop: () => undefined };
  const seen = new Map<string, Map<number, { first: number; last: number }>>();
  const sample = () => {
    for (const [name, locate] of Object.entries(parts)) {
      const where = locate();
      const current = new Map<number, number>();
      if (where?.group !== undefined)
        for (const [pid, ticks] of groupTicks(where.group)) current.set(pid, ticks);
      else if (where?.pid !== undefined) {
        const stat = processTicks(where.pid);
        if (stat) current.set(where.pid, stat.ticks);
      }
      const byPid = seen.get(name) ?? new Map<number, { first: number; last: number }>();
      for (const [pid, ticks] of current) {
        const known = byPid.get(pid);
        byPid.set(pid, { first: known?.first ?? (seen.has(name) ? 0 : ticks), last: ticks });
      }
      seen.set(name, byPid);
    }
  };
  sample();
  const timer = setInterval(sample, 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      const endMachine = machineTicks() ?? startMachine;
      const elapsedTicks = (endMachine.total - startMachine.total) / availableParallelism();
      const coresUsed: Record<string, number> = {};
      for (const [name, byPid] of seen) {
        const ticks = [...byPid.values()].reduce((sum, { first, last }) => sum + (last - first), 0);
        coresUsed[name] = elapsedTicks > 0 ? Math.round((ticks / elapsedTicks) * 100) / 100 : 0;
      }
      const total = endMachine.total - startMachine.total;
      return {
        cores: availableParallelism(),
        machineBusy: total > 0 ? Math.round(((endMachine.busy - startMachine.busy) / total) * 100) / 100 : 0,
        coresUsed,
      };
    },
  };
}

/**
 * One sentence on what bounded the soak's throughput: the CPU when the machine was (nearly) saturated,
 * with each part's share; and how often callbacks waited for a free slot of the local stack's
 * per-route concurrency limit (front-door.ts), which is where the load queued instead of starting new
 * cold Lambda instances.
 */
export function explainLimit(cpu: CpuReport | undefined, limits: readonly LimitReport[]): string {
  const callbacks = limits.find((l) => l.key === 'POST /im/callback');
  const queued =
    callbacks && callbacks.admitted > 0
      ? `${Math.round((callbacks.queued / callbacks.admitted) * 100)}% of callbacks waited for one of the ${callbacks.limit} concurrent slots of POST /im/callback (mean ${callbacks.meanWaitMs} ms, longest line ${callbacks.longestQueue})`
      : 'no callback went through the local stack';
  if (!cpu) return `CPU not measured (no /proc); ${queued}`;
  const parts = Object.entries(cpu.coresUsed)
    .map(([name, cores]) => `${name} ${cores}`)
    .join(', ');
  const busy = `${Math.round(cpu.machineBusy * 100)}% busy`;
  if (cpu.machineBusy >= 0.85)
    return `CPU: the machine was ${busy} (cores used of ${cpu.cores}: ${parts}); ${queued}`;
  const lined =
    callbacks !== undefined && callbacks.admitted > 0 && callbacks.queued / callbacks.admitted >= 0.5;
  return lined
    ? `the local concurrency limit, not CPU (the machine was ${busy}; cores used of ${cpu.cores}: ${parts}): ${queued}; DynamoDB calls the injected faults hold up keep slots busy meanwhile`
    : `not CPU (the machine was ${busy}; cores used of ${cpu.cores}: ${parts}): the injected faults and the retries they cause; ${queued}`;
}
