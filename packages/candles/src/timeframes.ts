// Candle timeframes: their grid (open times) and stepping. Minutes to days are fixed multiples of
// epoch ms; weeks open on Monday 00:00 UTC and months on the 1st, so those two are calendar steps.
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
// 1970-01-01 was a Thursday: Monday-aligned weeks are offset by 4 days from the epoch.
const WEEK_OFFSET_MS = 4 * DAY_MS;

export type Venue = 'upbit' | 'binance';

const FIXED_MS: Record<string, number> = {
  '1m': MINUTE_MS, '3m': 3 * MINUTE_MS, '5m': 5 * MINUTE_MS, '10m': 10 * MINUTE_MS, '15m': 15 * MINUTE_MS, '30m': 30 * MINUTE_MS,
  '1h': HOUR_MS, '2h': 2 * HOUR_MS, '4h': 4 * HOUR_MS, '6h': 6 * HOUR_MS, '8h': 8 * HOUR_MS, '12h': 12 * HOUR_MS,
  '1d': DAY_MS, '1w': 7 * DAY_MS,
};

/** The timeframes each venue serves natively (Upbit: minutes/{1,3,5,10,15,30,60,240}, days, weeks, months). */
export const VENUE_TIMEFRAMES: Record<Venue, readonly string[]> = {
  upbit: ['1m', '3m', '5m', '10m', '15m', '30m', '1h', '4h', '1d', '1w', '1M'],
  binance: ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '1w', '1M'],
};

export function isTimeframe(venue: Venue, timeframe: string): boolean {
  return VENUE_TIMEFRAMES[venue].includes(timeframe);
}

/** Open time of the candle holding tsMs. */
export function candleOpen(timeframe: string, tsMs: number): number {
  if (timeframe === '1M') {
    const d = new Date(tsMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const stepMs = FIXED_MS[timeframe];
  if (stepMs === undefined) throw new Error(`unknown timeframe ${timeframe}`);
  const offset = timeframe === '1w' ? WEEK_OFFSET_MS : 0;
  return Math.floor((tsMs - offset) / stepMs) * stepMs + offset;
}

/** Open time `n` candles after the candle opening at openMs (n may be negative). */
export function stepCandles(timeframe: string, openMs: number, n: number): number {
  if (timeframe === '1M') {
    const d = new Date(openMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
  }
  return openMs + n * FIXED_MS[timeframe];
}

/** Candle open times in [fromMs, toMs). */
export function openTimes(timeframe: string, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  let t = candleOpen(timeframe, fromMs);
  if (t < fromMs) t = stepCandles(timeframe, t, 1);
  for (; t < toMs; t = stepCandles(timeframe, t, 1)) out.push(t);
  return out;
}
