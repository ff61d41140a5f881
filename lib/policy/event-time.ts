/**
 * When retention starts for what a callback carries. Tencent sends MsgTime in seconds and EventTime in
 * milliseconds, and some commands send either where the other is expected: a value below 1e11 is read
 * as seconds (1e11 ms is 1973, 1e11 s is the year 5138). A time in the future (clock skew, a forged
 * body) is clamped to now, so nothing outlives its retention counted from when it reached this
 * service. Pure: no I/O.
 */
const MILLISECONDS_THRESHOLD = 1e11;
/** The largest instant a JavaScript Date holds (ms). */
const MAX_DATE_MS = 8.64e15;

/** The instant a callback time field names, or undefined when it names none (absent, 0, negative, huge). */
export function callbackTime(value: number | undefined): Date | undefined {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return undefined;
  const ms = value < MILLISECONDS_THRESHOLD ? value * 1000 : value;
  return ms > MAX_DATE_MS ? undefined : new Date(ms);
}

/** The first known time among `candidates`, clamped to `now`; `now` when none is known. */
export function retentionStart(now: Date, ...candidates: Array<number | undefined>): Date {
  for (const candidate of candidates) {
    const at = callbackTime(candidate);
    if (at) return at.getTime() > now.getTime() ? now : at;
  }
  return now;
}

/** The MsgTime inside a C2C MsgKey (`<MsgSeq>_<MsgRandom>_<MsgTime>`), when it has one. */
export function msgKeyTime(msgKey: string): number | undefined {
  const match = /^\d+_\d+_(\d{1,10})$/.exec(msgKey);
  return match ? Number(match[1]) : undefined;
}
