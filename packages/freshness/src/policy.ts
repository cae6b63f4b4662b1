/**
 * What the values handed to classify may be:
 * - 'price': strictly positive (prices, and amounts such as open interest that a live market
 *   never has at zero);
 * - 'ratio': non-negative (a ratio of non-negative quantities, e.g. long/short account ratios);
 * - 'any': any finite number (funding rates, basis, model outputs).
 */
export type ValueKind = 'price' | 'ratio' | 'any';

export interface FreshnessPolicy {
  /** Lag above this is stale; a lag of exactly this is still fresh. */
  staleAfterSec: number;
  /** Lag above this is hard_stale; a lag of exactly this is still stale. */
  hardStaleAfterSec: number;
  /** How far a ts may lie after as-of (clock skew) before it is corrupt; exactly this is allowed. */
  futureToleranceSec: number;
  /** Defaults to 'any'. */
  valueKind?: ValueKind;
}

const valueKinds: readonly ValueKind[] = ['price', 'ratio', 'any'];

/** Throws an Error naming the source and the broken rule when a policy cannot be applied. */
export function validatePolicy(policy: FreshnessPolicy, source = 'freshness policy'): void {
  const { staleAfterSec, hardStaleAfterSec, futureToleranceSec, valueKind } = policy;
  const seconds = { staleAfterSec, hardStaleAfterSec, futureToleranceSec };
  for (const [field, value] of Object.entries(seconds)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`${source}: ${field} must be a non-negative number of seconds, got ${value}`);
    }
  }
  if (staleAfterSec > hardStaleAfterSec) {
    throw new Error(
      `${source}: staleAfterSec (${staleAfterSec}) must not exceed ` +
        `hardStaleAfterSec (${hardStaleAfterSec})`,
    );
  }
  if (valueKind !== undefined && !valueKinds.includes(valueKind)) {
    const allowed = valueKinds.join(', ');
    throw new Error(`${source}: valueKind must be one of ${allowed}, got ${String(valueKind)}`);
  }
}

// Exchange event times vs the local clock: NTP-synced hosts and exchanges agree to well under this.
const CLOCK_SKEW_TOLERANCE_SEC = 2;

/**
 * Policy for a source refreshed every pollSec: stale once 3 polls' worth of time has passed
 * without a newer row (two missed polls are tolerated), hard_stale after 10.
 */
export function pollPolicy(pollSec: number, valueKind: ValueKind = 'any'): FreshnessPolicy {
  if (!(pollSec > 0 && Number.isFinite(pollSec))) {
    throw new Error(`poll policy: pollSec must be a positive number of seconds, got ${pollSec}`);
  }
  return {
    staleAfterSec: 3 * pollSec,
    hardStaleAfterSec: 10 * pollSec,
    futureToleranceSec: CLOCK_SKEW_TOLERANCE_SEC,
    valueKind,
  };
}

/**
 * Policy for a candle series of candleSec per candle, judged on its newest candle's ts (its open
 * time): up to date, that candle opened 1–2 candles ago, so it is stale once it is 2 candles +
 * graceSec old (one close missed) and hard_stale at 3 candles + graceSec. A 1 d series is fresh
 * a day and a half after its newest candle opened; a 1 m series is stale after 4 minutes.
 */
export function candlePolicy(candleSec: number, graceSec = 120): FreshnessPolicy {
  if (!(candleSec > 0 && Number.isFinite(candleSec))) {
    throw new Error(`candle policy: candleSec must be a positive number of seconds, got ${candleSec}`);
  }
  return {
    staleAfterSec: 2 * candleSec + graceSec,
    hardStaleAfterSec: 3 * candleSec + graceSec,
    futureToleranceSec: CLOCK_SKEW_TOLERANCE_SEC,
    valueKind: 'price',
  };
}

/**
 * Policy for predictions on candle boundaries (`cqt predict --timeframe`), judged on the newest
 * prediction's ts (a candle close): up to date, it is at most one candle + the candle store's and
 * predictor's delays old, so it is stale once one close is missed (one candle + graceSec) and
 * hard_stale after three. A 1 h series is fresh 30 min after its last prediction; a 1 m series is
 * hard_stale by then.
 */
export function candlePredictionPolicy(candleSec: number, graceSec = 120): FreshnessPolicy {
  if (!(candleSec > 0 && Number.isFinite(candleSec))) {
    throw new Error(`candle prediction policy: candleSec must be a positive number of seconds, got ${candleSec}`);
  }
  return {
    staleAfterSec: candleSec + graceSec,
    hardStaleAfterSec: 3 * candleSec + graceSec,
    futureToleranceSec: CLOCK_SKEW_TOLERANCE_SEC,
    valueKind: 'any',
  };
}

export const DEFAULT_METRIC_POLL_SEC = 60;

/**
 * binance_futures_metrics by metric. The /futures/data endpoints (openInterestHist → the
 * open_interest_value metric, the ratios, basis) publish one row per 5-minute period, so their
 * newest row is up to 300 s old however often they are polled.
 */
export const futuresMetrics = {
  open_interest: { pollSec: DEFAULT_METRIC_POLL_SEC, valueKind: 'price' },
  open_interest_value: { pollSec: 300, valueKind: 'price' },
  global_ls_ratio: { pollSec: 300, valueKind: 'ratio' },
  top_ls_ratio: { pollSec: 300, valueKind: 'ratio' },
  taker_ls_ratio: { pollSec: 300, valueKind: 'ratio' },
  basis: { pollSec: 300, valueKind: 'any' },
} as const satisfies Record<string, { pollSec: number; valueKind: ValueKind }>;

/**
 * How often a metric can change: it is polled every BINANCE_POLL_SEC but can be no fresher than
 * its interval here (the 5-minute /futures/data series publish one point per period).
 */
export function metricPollSec(metric: keyof typeof futuresMetrics, binancePollSec: number): number {
  return Math.max(binancePollSec, futuresMetrics[metric].pollSec);
}

/**
 * Policy for one futures metric. pollSec defaults to the metric's entry in futuresMetrics, or
 * DEFAULT_METRIC_POLL_SEC for a metric not listed there (whose values are then 'any').
 */
export function metricPolicy(metric: string, pollSec?: number): FreshnessPolicy {
  const known = Object.hasOwn(futuresMetrics, metric)
    ? futuresMetrics[metric as keyof typeof futuresMetrics]
    : undefined;
  return pollPolicy(pollSec ?? known?.pollSec ?? DEFAULT_METRIC_POLL_SEC, known?.valueKind);
}

// On the 1 s grids the newest bar is keyed by its open second, so a healthy feed already shows
// 1–2 s of lag; 5 s leaves room for write latency.
const ONE_SECOND_GRID = {
  staleAfterSec: 5,
  hardStaleAfterSec: 60,
  futureToleranceSec: CLOCK_SKEW_TOLERANCE_SEC,
};
// Snapshots and predictions on the 5 s grid: stale after 3 missed points.
const FIVE_SECOND_GRID = {
  staleAfterSec: 15,
  hardStaleAfterSec: 120,
  futureToleranceSec: CLOCK_SKEW_TOLERANCE_SEC,
};

/** Defaults by source table; where valueKind matters the comment names the column it assumes. */
export const defaultPolicies = {
  market_1s: { ...ONE_SECOND_GRID, valueKind: 'price' }, // close, mid
  binance_mark_price_1s: { ...ONE_SECOND_GRID, valueKind: 'price' }, // mark_price
  // value of a metric not in futuresMetrics; use metricPolicy(metric) for the listed ones
  binance_futures_metrics: pollPolicy(DEFAULT_METRIC_POLL_SEC),
  coinglass_liquidation_map: pollPolicy(300), // level_count
  feature_snapshots: { ...FIVE_SECOND_GRID, valueKind: 'any' },
  predictions: { ...FIVE_SECOND_GRID, valueKind: 'any' },
} as const satisfies Record<string, FreshnessPolicy>;

export type SourceName = keyof typeof defaultPolicies;
