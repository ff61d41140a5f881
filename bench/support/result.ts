import { round, type Summary } from './stats.js';

/** One line of bench/results.json. */
export interface BenchResult {
  readonly value: number;
  readonly unit: string;
  readonly detail: string;
  /** The value's parts, where a model needs them (e.g. capacity units per table and index). */
  readonly parts?: Readonly<Record<string, number>>;
}

export type BenchResults = Record<string, BenchResult>;

/** `median (min–max, n=…)` with a unit, for details. */
export function describe(summary: Summary, unit = '', digits = 3): string {
  const u = unit ? ` ${unit}` : '';
  return `${round(summary.median, digits)}${u} (min ${round(summary.min, digits)}, max ${round(summary.max, digits)}, n=${summary.samples.length})`;
}

/** Logs progress on stderr, so stdout keeps the table. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
