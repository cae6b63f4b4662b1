// /api/predictions/candles/latest: the newest candle-boundary prediction (`cqt predict
// --timeframe`) of a series at as-of under the soft-stale rule, judged on the timeframe's own
// policy (candlePredictionPolicy: a 1 h series is fresh 30 min after its last prediction, a 1 m
// series is not). Same answers as /api/predictions/latest: 200 (fresh, or stale with a warning),
// 503 with the last good prediction and the reason.
import { judgeSource, watch, type SqlClient } from '@cqt/checks';
import { UsageError } from '@cqt/config';
import { VENUE_TIMEFRAMES, stepCandles, type Venue } from '@cqt/candles';
import { softStale, type FreshnessClass } from '@cqt/freshness';
import { integerParam, one, refuseUnknown, required, symbolParam, type Query } from './params.js';

export interface CandlePrediction {
  venue: string;
  symbol: string;
  timeframe: string;
  /** The candle close the prediction sits on. */
  ts: string;
  horizonCandles: number;
  model: string;
  modelVersion: string;
  close: number;
  sigma: number | null;
  rT: number | null;
  pUp: number | null;
  pDown: number | null;
  pNone: number | null;
  computedAt: string;
}

export interface CandlePredictionRequest {
  venue: Venue;
  symbol: string;
  timeframe: string;
  horizonCandles: number;
}

interface Judged extends CandlePredictionRequest {
  asOf: string;
  class: FreshnessClass;
  lagSec: number | null;
  staleAfterSec: number;
}

export type CandleLatestAnswer =
  | { status: 200; body: Judged & { degraded: boolean; warning?: string; prediction: CandlePrediction } }
  | { status: 503; body: Judged & { degraded: true; reason: string; lastGood: CandlePrediction | null; lastGoodAgeSec: number | null } };

/** `cqt predict --timeframe`'s default --horizon-candles. */
const DEFAULT_HORIZON_CANDLES = 4;

export function parseCandlePredictionRequest(query: Query): CandlePredictionRequest {
  refuseUnknown(query, ['venue', 'symbol', 'timeframe', 'horizon_candles', 'asOf']);
  const venue = (one(query, 'venue') ?? 'upbit') as Venue;
  if (venue !== 'upbit' && venue !== 'binance') throw new UsageError(`invalid venue "${venue}"`, 'upbit or binance');
  const symbol = required(symbolParam(query, 'symbol'), 'symbol', 'e.g. symbol=KRW-BTC (the series cqt predict --timeframe runs for)');
  const fixed = VENUE_TIMEFRAMES[venue].filter((tf) => tf !== '1M');
  const timeframe = required(one(query, 'timeframe'), 'timeframe', `choose from ${fixed.join(' ')}`);
  if (!fixed.includes(timeframe)) throw new UsageError(`invalid timeframe "${timeframe}" for ${venue} predictions`, `choose from ${fixed.join(' ')}`);
  const horizonCandles = integerParam(query, 'horizon_candles', { min: 1, max: 100_000 }) ?? DEFAULT_HORIZON_CANDLES;
  return { venue, symbol, timeframe, horizonCandles };
}

const GOOD = ['p_up', 'p_down', 'p_none'].map((c) => `${c} > '-Infinity'::float8 and ${c} < 'Infinity'::float8`).join(' and ');

export async function latestCandlePrediction(sql: SqlClient, request: CandlePredictionRequest, asOfMs: number): Promise<CandleLatestAnswer> {
  const { venue, symbol, timeframe, horizonCandles } = request;
  const candleSec = stepCandles(timeframe, 0, 1) / 1000;
  const watched = watch.candlePredictions(venue, symbol, timeframe, candleSec, horizonCandles);
  const { classification } = await judgeSource(sql, watched, asOfMs);
  const judged: Judged = {
    ...request,
    asOf: new Date(asOfMs).toISOString(),
    class: classification.class,
    lagSec: classification.lagSec,
    staleAfterSec: watched.policy.staleAfterSec,
  };
  const serving = softStale(classification);
  if (serving.serve) {
    const prediction = (await newest(sql, request, asOfMs, false))!;
    const body = { ...judged, degraded: classification.degraded, prediction };
    return { status: 200, body: serving.warning === null ? body : { ...body, warning: serving.warning } };
  }
  const lastGood = await newest(sql, request, asOfMs, true);
  const lastGoodAgeSec = lastGood ? Math.max(0, (asOfMs - Date.parse(lastGood.ts)) / 1000) : null;
  return { status: 503, body: { ...judged, degraded: true, reason: serving.reason, lastGood, lastGoodAgeSec } };
}

async function newest(sql: SqlClient, r: CandlePredictionRequest, asOfMs: number, good: boolean): Promise<CandlePrediction | null> {
  const asOf = new Date(asOfMs).toISOString();
  const [row] = await sql.unsafe(
    `select venue, symbol, timeframe, ts, horizon_candles, model, model_version, close, sigma, r_t, p_up, p_down, p_none, computed_at
       from candle_predictions
      where venue = $1 and symbol = $2 and timeframe = $3 and horizon_candles = $4::int
        and ts <= $5::timestamptz and computed_at <= $5::timestamptz ${good ? `and ${GOOD}` : ''}
      order by ts desc, model limit 1`,
    [r.venue, r.symbol, r.timeframe, r.horizonCandles, asOf],
  );
  if (!row) return null;
  const num = (v: unknown) => (v === null ? null : Number(v));
  return {
    venue: row.venue,
    symbol: row.symbol,
    timeframe: row.timeframe,
    ts: (row.ts as Date).toISOString(),
    horizonCandles: Number(row.horizon_candles),
    model: row.model,
    modelVersion: row.model_version,
    close: Number(row.close),
    sigma: num(row.sigma),
    rT: num(row.r_t),
    pUp: num(row.p_up),
    pDown: num(row.p_down),
    pNone: num(row.p_none),
    computedAt: (row.computed_at as Date).toISOString(),
  };
}
