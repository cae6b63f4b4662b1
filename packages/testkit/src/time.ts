// UTC time helpers. Everything is computed from epoch ms with UTC getters so the host zone
// (tests run under Asia/Seoul) never leaks into exchange timestamps.

export const SECOND_MS = 1000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const KST_OFFSET_MS = 9 * HOUR_MS;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `yyyy-MM-dd` in UTC. */
export function utcDate(tsMs: number): string {
  const d = new Date(tsMs);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `HH:mm:ss` in UTC. */
export function utcTime(tsMs: number): string {
  const d = new Date(tsMs);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `yyyy-MM-ddTHH:mm:ss` without zone, in UTC (Upbit candle_date_time_utc). */
export function utcDateTime(tsMs: number): string {
  return `${utcDate(tsMs)}T${utcTime(tsMs)}`;
}

/** `yyyy-MM-ddTHH:mm:ss` without zone, in KST (Upbit candle_date_time_kst). */
export function kstDateTime(tsMs: number): string {
  return utcDateTime(tsMs + KST_OFFSET_MS);
}

export function floorTo(tsMs: number, stepMs: number): number {
  return Math.floor(tsMs / stepMs) * stepMs;
}

/** Start of the UTC day holding tsMs. */
export function utcDayStart(tsMs: number): number {
  return floorTo(tsMs, DAY_MS);
}
