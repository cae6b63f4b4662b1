// Binance kline intervals. Weeks open on Monday 00:00 UTC and months on the 1st, so those two
// are not fixed multiples of epoch ms.
import { DAY_MS, HOUR_MS, MINUTE_MS, floorTo } from '../time.js';

const FIXED_MS: Record<string, number> = {
  '1m': MINUTE_MS, '3m': 3 * MINUTE_MS, '5m': 5 * MINUTE_MS, '15m': 15 * MINUTE_MS, '30m': 30 * MINUTE_MS,
  '1h': HOUR_MS, '2h': 2 * HOUR_MS, '4h': 4 * HOUR_MS, '6h': 6 * HOUR_MS, '8h': 8 * HOUR_MS, '12h': 12 * HOUR_MS,
  '1d': DAY_MS, '3d': 3 * DAY_MS,
};

export const BINANCE_KLINE_INTERVALS: readonly string[] = [...Object.keys(FIXED_MS), '1w', '1M'];

/** Periods of the /futures/data endpoints. */
export const BINANCE_DATA_PERIODS_MS: Record<string, number> = {
  '5m': 5 * MINUTE_MS, '15m': 15 * MINUTE_MS, '30m': 30 * MINUTE_MS, '1h': HOUR_MS, '2h': 2 * HOUR_MS,
  '4h': 4 * HOUR_MS, '6h': 6 * HOUR_MS, '12h': 12 * HOUR_MS, '1d': DAY_MS,
};

// 1970-01-01 was a Thursday; Binance weeks start on Monday (epoch + 4 days).
const WEEK_OFFSET_MS = 4 * DAY_MS;

export function isKlineInterval(interval: string): boolean {
  return BINANCE_KLINE_INTERVALS.includes(interval);
}

export function intervalStart(tsMs: number, interval: string): number {
  if (interval === '1w') return floorTo(tsMs - WEEK_OFFSET_MS, 7 * DAY_MS) + WEEK_OFFSET_MS;
  if (interval === '1M') {
    const d = new Date(tsMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  return floorTo(tsMs, FIXED_MS[interval]);
}

/** First ms after the bar that opens at startMs. */
export function intervalEnd(startMs: number, interval: string): number {
  if (interval === '1w') return startMs + 7 * DAY_MS;
  if (interval === '1M') {
    const d = new Date(startMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return startMs + FIXED_MS[interval];
}
