// Derivatives metrics as smooth deterministic functions of time (open interest, long/short
// ratios, funding, basis), so every REST page agrees with every other whatever the query.
import type { SyntheticMarket } from './synthetic.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../time.js';

export type LongShortKind = 'global' | 'topAccount' | 'topPosition';

const LONG_SHORT_CENTER: Record<LongShortKind, number> = { global: 0.25, topAccount: 0.4, topPosition: 0.08 };

/** Open interest in base units (contracts). */
export function openInterestAt(market: SyntheticMarket, symbol: string, tsMs: number): number {
  const inst = market.instrument('binance', symbol)!;
  const h = market.history;
  const drift = 0.1 * h.metricNoise(symbol, 'oi-slow', tsMs, 3 * DAY_MS) + 0.04 * h.metricNoise(symbol, 'oi-mid', tsMs, 4 * HOUR_MS) + 0.008 * h.metricNoise(symbol, 'oi-fast', tsMs, 10 * MINUTE_MS);
  return inst.profile.openInterestBase * Math.exp(drift);
}

/** Long/short ratio (long share ÷ short share). */
export function longShortRatioAt(market: SyntheticMarket, symbol: string, kind: LongShortKind, tsMs: number): number {
  const h = market.history;
  return Math.exp(LONG_SHORT_CENTER[kind] + 0.25 * h.metricNoise(symbol, `ls-${kind}`, tsMs, DAY_MS) + 0.06 * h.metricNoise(symbol, `ls-${kind}-fast`, tsMs, HOUR_MS));
}

/** Taker buy ÷ sell volume for the period starting at tsMs. */
export function takerBuySellRatioAt(market: SyntheticMarket, symbol: string, tsMs: number): number {
  return Math.exp(0.25 * (market.history.metricUnit(symbol, 'taker', tsMs / MINUTE_MS) - 0.5) + 0.1 * market.history.metricNoise(symbol, 'taker-slow', tsMs, HOUR_MS));
}

/** Funding rate settled at a funding time (8-hourly), around the 0.01 % baseline. */
export function fundingRateAt(market: SyntheticMarket, symbol: string, fundingTimeMs: number): number {
  const rate = 0.0001 + 0.00015 * market.history.metricNoise(symbol, 'funding', fundingTimeMs, 2 * DAY_MS);
  return Math.round(rate * 1e8) / 1e8;
}

/** Perpetual premium over the index (fraction). */
export function perpetualPremiumAt(market: SyntheticMarket, symbol: string, tsMs: number): number {
  return 0.0002 + 0.0004 * market.history.metricNoise(symbol, 'premium', tsMs, 6 * HOUR_MS);
}
