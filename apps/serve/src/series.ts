// /api/series: one column of one known table for one symbol over [from, to], downsampled in the
// database to at most `points` buckets, each with its min and max (so a spike survives the
// downsampling), the bucket's first ts and its row count. The tables and columns a request may
// name are declared here once; the request only picks from them, and every value it carries
// travels as a query parameter. Probabilities of predictions are the champion's unless asked
// (`model`, decision 148).
import { UsageError } from '@cqt/config';
import { futuresMetricNames, type SqlClient } from '@cqt/checks';
import { BASELINE, explicitTarget, modelParam, type ModelChoice, type ServedModel, type Target } from './models.js';
import { DEFAULT_HORIZON_SEC, horizonParam, integerParam, one, refuseUnknown, required, symbolParam, timeParam, type Query } from './params.js';

interface SeriesSource {
  /** Columns a chart may ask for (numbers only). */
  columns: readonly string[];
  /** binance_futures_metrics is long: the column names a metric, whose `value` is read. */
  long?: { by: string; value: string };
  /** predictions: one horizon at a time. */
  horizon?: boolean;
}

export const seriesSources: Record<string, SeriesSource> = {
  market_1s: {
    columns: ['open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trade_count', 'buy_volume', 'sell_volume', 'vwap', 'best_bid', 'best_ask', 'bid_size', 'ask_size', 'mid', 'spread_bps'],
  },
  binance_mark_price_1s: { columns: ['mark_price', 'index_price', 'est_settle_price', 'funding_rate'] },
  binance_futures_metrics: { columns: futuresMetricNames, long: { by: 'metric', value: 'value' } },
  feature_snapshots: {
    columns: [
      'mid_krw', 'spread_bps', 'ret_5s', 'ret_30s', 'ret_60s', 'ret_300s', 'rv_30s', 'rv_60s', 'rv_300s', 'trade_count_60s', 'volume_60s',
      'buy_volume_60s', 'sell_volume_60s', 'trade_imbalance_60s', 'book_imbalance', 'bin_mark_price', 'bin_index_price', 'bin_funding_rate',
      'basis', 'oi_value', 'oi_value_chg_5m', 'global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio', 'liq_5m_notional', 'liq_5m_count',
      'sigma', 'r_t', 'p_up', 'p_down', 'p_none', 'ev_rate',
    ],
  },
  predictions: { columns: ['sigma', 'r_t', 'k_vol_eff', 'r_min_eff', 'cost_roundtrip_est', 'p_up', 'p_down', 'p_none', 'ev_rate'], horizon: true },
};

/** The predictions columns model_predictions holds too: the ones a registered model gives. */
export const MODEL_COLUMNS: readonly string[] = ['p_up', 'p_down', 'p_none'];

export const DEFAULT_POINTS = 1000;
export const MAX_POINTS = 10_000;
export const DEFAULT_SPAN_SEC = 86_400;
/** A longer range would scan tens of millions of 1 s rows for one chart. */
export const MAX_SPAN_SEC = 31 * 86_400;

export interface SeriesRequest {
  source: string;
  column: string;
  symbol: string;
  horizonSec: number | null;
  fromMs: number;
  toMs: number;
  points: number;
  /** predictions only: whose probabilities (default: the champion's, else the baseline's). */
  model?: ModelChoice;
}

export interface SeriesAnswer {
  source: string;
  column: string;
  symbol: string;
  horizonSec: number | null;
  from: string;
  to: string;
  points: number;
  /** predictions only: whose rows the buckets hold. */
  model?: ServedModel;
  bucketSec: number;
  /** Finite values read (NaN and ±Infinity are left out; `cqt status` reports them as corruption). */
  rows: number;
  /** Columns, one entry per non-empty bucket: its first row's ts (epoch ms), min, max, row count. */
  buckets: { ts: number[]; min: number[]; max: number[]; count: number[] };
}

export function parseSeriesRequest(query: Query, nowMs: number): SeriesRequest {
  refuseUnknown(query, ['source', 'column', 'symbol', 'horizon', 'from', 'to', 'points', 'model']);
  const names = Object.keys(seriesSources);
  const source = required(one(query, 'source'), 'source', `choose from ${names.join(', ')}`);
  if (!Object.hasOwn(seriesSources, source)) throw new UsageError(`unknown source "${source}"`, `choose from ${names.join(', ')}`);
  const spec = seriesSources[source];
  const column = required(one(query, 'column'), 'column', `${source} has ${spec.columns.join(', ')}`);
  if (!spec.columns.includes(column)) throw new UsageError(`unknown column "${column}" of ${source}`, `${source} has ${spec.columns.join(', ')}`);
  const symbol = required(symbolParam(query, 'symbol'), 'symbol', 'e.g. symbol=KRW-BTC or symbol=BTCUSDT');
  const horizon = horizonParam(query);
  if (horizon !== undefined && !spec.horizon) throw new UsageError(`parameter horizon does not apply to ${source}`, 'only predictions have a horizon');
  const model = modelParam(query);
  if (model.by !== 'default' && source !== 'predictions') throw new UsageError(`parameter model does not apply to ${source}`, 'only predictions come from models');
  if (model.by !== 'default' && model.by !== 'baseline' && !MODEL_COLUMNS.includes(column)) {
    throw new UsageError(`column ${column} of predictions is the baseline's only`, `registered models give ${MODEL_COLUMNS.join(', ')}; drop model or ask model=baseline`);
  }
  const toMs = timeParam(query, 'to') ?? nowMs;
  const fromMs = timeParam(query, 'from') ?? toMs - DEFAULT_SPAN_SEC * 1000;
  if (!(fromMs < toMs)) throw new UsageError(`from ${iso(fromMs)} is not before to ${iso(toMs)}`, 'give from < to');
  if (toMs - fromMs > MAX_SPAN_SEC * 1000) throw new UsageError(`range of ${Math.round((toMs - fromMs) / 86_400_000)} days is longer than 31 days`, 'ask for at most 31 days at a time');
  const points = integerParam(query, 'points', { min: 1, max: MAX_POINTS }) ?? DEFAULT_POINTS;
  return { source, column, symbol, horizonSec: spec.horizon ? (horizon ?? DEFAULT_HORIZON_SEC) : null, fromMs, toMs, points, model };
}

/**
 * Whose rows a predictions series reads: the baseline's for its own columns; for probabilities the
 * asked model's, or by default the champion's when it has a row in the range, else the baseline's
 * with the reason.
 */
async function seriesTarget(sql: SqlClient, request: SeriesRequest): Promise<Target> {
  const choice = request.model ?? { by: 'default' };
  if (!MODEL_COLUMNS.includes(request.column)) return { version: null, model: BASELINE };
  if (choice.by !== 'default') return explicitTarget(sql, choice);
  const [champion] = await sql.unsafe(`select v.id, v.kind from model_aliases a join model_versions v on v.id = a.version where a.alias = 'champion'`);
  if (!champion) return { version: null, model: BASELINE };
  const version = Number(champion.id);
  const [any] = await sql.unsafe(
    `select 1 as one from model_predictions where symbol = $1 and ts >= $2::timestamptz and ts <= $3::timestamptz and horizon_sec = $4::int and model_version = $5::bigint limit 1`,
    [request.symbol, iso(request.fromMs), iso(request.toMs), request.horizonSec, version],
  );
  if (any) return { version, model: { role: 'champion', modelVersion: version, kind: champion.kind } };
  return { version: null, model: { ...BASELINE, fallbackFrom: 'champion', reason: `champion (version ${version}, ${champion.kind}) has no row in ${iso(request.fromMs)} – ${iso(request.toMs)}` } };
}

export async function readSeries(sql: SqlClient, request: SeriesRequest): Promise<SeriesAnswer> {
  const { source, column, symbol, horizonSec, fromMs, toMs, points } = request;
  const spec = seriesSources[source];
  const target = source === 'predictions' ? await seriesTarget(sql, request) : null;
  const table = target?.version ? 'model_predictions' : source;
  // Whole milliseconds, at least 1: the bucket a ts falls in is floor((ts - from) / bucketMs).
  const bucketMs = Math.max(1, Math.ceil((toMs - fromMs) / points));
  const params: unknown[] = [symbol, iso(fromMs), iso(toMs), fromMs, bucketMs, points - 1];
  const filters = ['symbol = $1', 'ts >= $2::timestamptz', 'ts <= $3::timestamptz'];
  let value = column;
  if (spec.long) {
    params.push(column);
    filters.push(`${spec.long.by} = $${params.length}`);
    value = spec.long.value;
  }
  if (horizonSec !== null) {
    params.push(horizonSec);
    filters.push(`horizon_sec = $${params.length}::int`);
  }
  if (target?.version) {
    params.push(target.version);
    filters.push(`model_version = $${params.length}::bigint`);
  }
  // NaN sorts above Infinity in PostgreSQL: the two bounds keep finite values only.
  filters.push(`${value}::float8 > '-Infinity'::float8`, `${value}::float8 < 'Infinity'::float8`);
  const rows = await sql.unsafe(
    // date_part is float8; extract(epoch …) is numeric since PostgreSQL 14 and made this query
    // twice as slow on a day of 1 s rows (decision 117).
    `select least($6::int, floor((date_part('epoch', ts) * 1000 - $4::float8) / $5::float8)::int) as bucket,
            min(ts) as first_ts, min(${value}::float8) as min, max(${value}::float8) as max, count(*)::int as n
       from ${table} where ${filters.join(' and ')}
      group by bucket order by bucket`,
    params,
  );
  const buckets: SeriesAnswer['buckets'] = { ts: [], min: [], max: [], count: [] };
  for (const r of rows) {
    buckets.ts.push((r.first_ts as Date).getTime());
    buckets.min.push(Number(r.min));
    buckets.max.push(Number(r.max));
    buckets.count.push(Number(r.n));
  }
  return {
    source,
    column,
    symbol,
    horizonSec,
    from: iso(fromMs),
    to: iso(toMs),
    points,
    ...(target ? { model: target.model } : {}),
    bucketSec: bucketMs / 1000,
    rows: buckets.count.reduce((a, b) => a + b, 0),
    buckets,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
