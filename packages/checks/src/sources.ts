// The sources checks and `cqt status` judge: which rows make up each one (table, key, arrival
// column), which recent value tells whether it is corrupt, and its freshness policy. One
// definition, used by both.
import { HEARTBEAT_EVERY_SEC, STREAM_SOURCE } from '@cqt/feeds';
import { candlePolicy, candlePredictionPolicy, classify, defaultPolicies, futuresMetrics, metricPolicy, metricPollSec, pollPolicy } from '@cqt/freshness';
import type { Classification, FreshnessPolicy, Observation } from '@cqt/freshness';
import { distinctPrefixes, observe, type SourceRef, type SqlClient } from './probe.js';
import { freshnessItem, type CheckItem } from './report.js';

export interface Watched {
  /** The table. */
  source: string;
  /** Which of its rows: a symbol, symbol/metric, symbol/range, or an event kind. */
  key: string;
  symbol: string | null;
  ref: SourceRef;
  policy: FreshnessPolicy;
  /** How the producer's last cycle went (classify's degraded signal). */
  cycle?: Pick<Observation, 'lastCycleOk' | 'lastCycleAtMs'>;
  /** Context for a reader, e.g. the poll interval the policy assumes. */
  note?: string;
}

export type FuturesMetric = keyof typeof futuresMetrics;
export const futuresMetricNames = Object.keys(futuresMetrics) as FuturesMetric[];

/** Lag bounds that replace a source's default stale / hard-stale thresholds (check flags). */
export type LagBounds = Pick<FreshnessPolicy, 'staleAfterSec' | 'hardStaleAfterSec'>;

const one = (source: string, symbol: string, ref: SourceRef, policy: FreshnessPolicy, bounds?: LagBounds): Watched => ({
  source,
  key: symbol,
  symbol,
  ref,
  policy: { ...policy, ...bounds },
});

export const watch = {
  /** A second without trades has no close but still a book: judge mid, else close. */
  market1s: (market: string, bounds?: LagBounds) =>
    one('market_1s', market, { table: 'market_1s', key: [['symbol', market]], value: 'coalesce(mid, close)', arrival: 'recv_ts' }, defaultPolicies.market_1s, bounds),

  markPrice: (symbol: string, bounds?: LagBounds) =>
    one('binance_mark_price_1s', symbol, { table: 'binance_mark_price_1s', key: [['symbol', symbol]], value: 'mark_price', arrival: 'recv_ts' }, defaultPolicies.binance_mark_price_1s, bounds),

  futuresMetrics: (symbol: string, binancePollSec: number): Watched[] =>
    futuresMetricNames.map((metric) => {
      const pollSec = metricPollSec(metric, binancePollSec);
      return {
        source: 'binance_futures_metrics',
        key: `${symbol}/${metric}`,
        symbol,
        ref: { table: 'binance_futures_metrics', key: [['symbol', symbol], ['metric', metric]], value: 'value', arrival: 'recv_ts' },
        policy: metricPolicy(metric, pollSec),
        note: `polled every ${pollSec} s`,
      };
    }),

  /** Snapshots are derived rows without recv_ts: created_at is when they became visible. */
  featureSnapshots: (market: string, bounds?: LagBounds) =>
    one('feature_snapshots', market, { table: 'feature_snapshots', key: [['symbol', market]], value: 'mid_krw', arrival: 'created_at' }, { ...defaultPolicies.feature_snapshots, valueKind: 'price' }, bounds),

  /** Every horizon of a market (status), or one horizon (the API's latest prediction). */
  predictions: (market: string, horizonSec?: number): Watched =>
    horizonSec === undefined
      ? one('predictions', market, { table: 'predictions', key: [['symbol', market]], value: 'p_up', arrival: 'created_at' }, defaultPolicies.predictions)
      : {
          ...one('predictions', market, { table: 'predictions', key: [['symbol', market], ['horizon_sec', String(horizonSec)]], value: 'p_up', arrival: 'created_at' }, defaultPolicies.predictions),
          key: `${market}/${horizonSec}s`,
        },

  /** A candle series (`cqt backfill`): its newest candle, on the timeframe's own policy. */
  candles: (venue: string, symbol: string, timeframe: string, candleSec: number): Watched => ({
    source: 'candles',
    key: `${venue} ${symbol} ${timeframe}`,
    symbol,
    ref: { table: 'candles', key: [['venue', venue], ['symbol', symbol], ['timeframe', timeframe]], value: 'close', arrival: 'recv_ts' },
    policy: candlePolicy(candleSec),
    note: `one candle = ${candleSec} s`,
  }),

  /**
   * Predictions on a candle series' closes (`cqt predict --timeframe`), on the timeframe's own
   * policy: one horizon (the API), or every horizon of the series (status).
   */
  candlePredictions: (venue: string, symbol: string, timeframe: string, candleSec: number, horizonCandles?: number): Watched => ({
    source: 'candle_predictions',
    key: `${venue} ${symbol} ${timeframe}${horizonCandles === undefined ? '' : ` N=${horizonCandles}`}`,
    symbol,
    ref: {
      table: 'candle_predictions',
      key: [['venue', venue], ['symbol', symbol], ['timeframe', timeframe], ...(horizonCandles === undefined ? [] : [['horizon_candles', String(horizonCandles)] as const])],
      value: 'p_up',
      arrival: 'computed_at',
    },
    policy: candlePredictionPolicy(candleSec),
    note: `one candle = ${candleSec} s`,
  }),

  /** The collector's socket heartbeat (ts leads feed_events' key, so the search is bounded). */
  heartbeat: (): Watched => {
    const policy = pollPolicy(HEARTBEAT_EVERY_SEC);
    return {
      source: 'feed_events',
      key: `${STREAM_SOURCE} heartbeat`,
      symbol: null,
      ref: { table: 'feed_events', key: [['source', STREAM_SOURCE], ['kind', 'heartbeat']], lookbackSec: 2 * policy.hardStaleAfterSec },
      policy,
    };
  },

  /**
   * Every (symbol, range) the store holds maps for, found by a loose index scan; a failed last
   * Coinglass call marks them degraded. None at all is one source without rows.
   */
  async liquidationMaps(sql: SqlClient, asOfMs: number, coinglassPollSec: number): Promise<Watched[]> {
    const policy = pollPolicy(coinglassPollSec, defaultPolicies.coinglass_liquidation_map.valueKind);
    const cycle = await lastCoinglassCall(sql, asOfMs, policy.hardStaleAfterSec);
    const prefixes = await distinctPrefixes(sql, 'coinglass_liquidation_map', ['symbol', 'range']);
    // No maps at all: one source whose key matches nothing, so it reads as "no rows".
    const none = prefixes.length === 0;
    if (none) prefixes.push(['', '']);
    return prefixes.map(([symbol, range]) => ({
      source: 'coinglass_liquidation_map',
      key: none ? 'none' : `${symbol}/${range}`,
      symbol: none ? null : symbol,
      ref: { table: 'coinglass_liquidation_map', key: [['symbol', symbol], ['range', range]], value: 'level_count', arrival: 'recv_ts' },
      policy,
      cycle,
    }));
  },
};

/** The newest Coinglass call at as-of: a failed one marks the last-good maps as degraded. */
export async function lastCoinglassCall(sql: SqlClient, asOfMs: number, lookbackSec: number): Promise<Watched['cycle']> {
  const [call] = await sql.unsafe(
    `select ts, ok from coinglass_call_status where ts > $1::timestamptz and ts <= $2::timestamptz order by ts desc limit 1`,
    [new Date(asOfMs - lookbackSec * 1000).toISOString(), new Date(asOfMs).toISOString()],
  );
  return call ? { lastCycleOk: Boolean(call.ok), lastCycleAtMs: (call.ts as Date).getTime() } : {};
}

/** Observes a source at as-of and classifies it under its policy. */
export async function judgeSource(sql: SqlClient, w: Watched, asOfMs: number): Promise<{ observation: Observation; classification: Classification }> {
  const observation = { ...(await observe(sql, w.ref, asOfMs, w.policy.futureToleranceSec)), ...w.cycle };
  return { observation, classification: classify(observation, w.policy) };
}

/** A source's lag item: `<table>.lag[<key>]`, judged by classify() under the source's policy. */
export function lagItem(w: Watched, classification: Classification): CheckItem {
  const item = freshnessItem({ name: `${w.source}.lag[${w.key}]`, table: w.ref.table, column: 'ts', symbol: w.symbol, windowSec: null }, classification, w.policy);
  return w.note ? { ...item, detail: `${item.detail}; ${w.note}` } : item;
}
