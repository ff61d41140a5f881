/**
 * Callback times. Tencent sends MsgTime in seconds and EventTime in milliseconds; a value below 1e11
 * is read as seconds either way (1e11 ms is 1973, 1e11 s is the year 5138). A time in the future
 * (clock skew, a forged body) is clamped to now, so no item ever outlives its retention counted from
 * when it reached this service.
 */
const MILLISECONDS_THRESHOLD = 1e11;

export function callbackTime(value: number | undefined): Date | undefined {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return undefined;
  return new Date(value < MILLISECONDS_THRESHOLD ? value * 1000 : value);
}

/** The first known time among `candidates`, clamped to `now`; `now` when none is known. */
export function createdAt(now: Date, ...candidates: Array<number | undefined>): Date {
  for (const candidate of candidates) {
    const at = callbackTime(candidate);
    if (at) return at.getTime() > now.getTime() ? now : at;
  }
  return now;
}
