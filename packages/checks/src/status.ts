// The freshness of every source at as-of, as `cqt status` and `cqt serve`'s /api/status report it
// (one evaluator, so the command and the API cannot disagree): newest ts, age, the policy's stale /
// hard-stale bounds and classify()'s class, which includes corruption in the recent rows.
import { isTimeframe, stepCandles, type Venue } from '@cqt/candles';
import { UsageError, type Settings } from '@cqt/config';
import type { FreshnessClass, FreshnessPolicy } from '@cqt/freshness';
import { predictorConfig, resolveScope, type Scope } from './options.js';
import { distinctPrefixes, type SqlClient } from './probe.js';
import { judgeSource, watch, type Watched } from './sources.js';

/** 'absent': a derived table (features, predictions) never written in this store; not gated. */
export type SourceClass = FreshnessClass | 'absent';

export interface SourceStatus {
  source: string;
  /** Which rows of the table: symbol, symbol/metric, symbol/range, or the event kind. */
  key: string;
  newestTs: string | null;
  /** Seconds from the newest ts to as-of (never negative); null without rows. */
  lagSec: number | null;
  policy: Pick<FreshnessPolicy, 'staleAfterSec' | 'hardStaleAfterSec' | 'futureToleranceSec'>;
  class: SourceClass;
  degraded: boolean;
  reasons: string[];
}

export interface StatusResult {
  asOf: string;
  /** 'fail' when any source is hard_stale or corrupt. */
  overall: 'ok' | 'fail';
  counts: Record<SourceClass, number>;
  sources: SourceStatus[];
}

export interface StatusQuery {
  asOf?: string | number;
  /** Symbols as given (repeats or comma lists); default every configured market and symbol. */
  symbols?: string[];
  /** Source tables to show (repeats or comma lists); default all. */
  sources?: string[];
}

export type StatusConfig = Pick<Settings, 'upbitMarkets' | 'binanceSymbols' | 'binancePollSec' | 'coinglassEnabled' | 'coinglassPollSec'>;

export const sourceTables = [
  'market_1s',
  'binance_mark_price_1s',
  'binance_futures_metrics',
  'feed_events',
  'coinglass_liquidation_map',
  'feature_snapshots',
  'predictions',
  'candles',
  'candle_predictions',
] as const;

/** Derived from other tables: a store that never wrote them shows them 'absent', not hard_stale. */
const DERIVED = new Set(['feature_snapshots', 'predictions']);

/** Every watched source at as-of, judged by its policy; bad symbols or sources are a UsageError. */
export async function evaluateStatus(sql: SqlClient, query: StatusQuery, config: StatusConfig): Promise<StatusResult> {
  const scope = resolveScope(query, config);
  const derivedMarkets = resolveScope(query, predictorConfig(config)).upbit;
  const wanted = parseSources(query.sources);
  const watched = await watchList(sql, scope, config, derivedMarkets, wanted, query.symbols);
  // Each source is a few indexed reads: asked together they overlap their round trips on the
  // connection pool (on PostgreSQL /api/status went from ~22 sequential round trips to ~3; decision 117).
  const sources = await Promise.all(watched.map((w) => judge(sql, w, scope.asOfMs)));
  return summarise(scope.asOfMs, sources);
}

function parseSources(values: readonly string[] | undefined): readonly string[] {
  const names = (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(sourceTables as readonly string[]).includes(n));
  if (unknown.length) throw new UsageError(`unknown --source ${unknown.join(', ')}`, `choose from ${sourceTables.join(', ')}`);
  return names.length ? names : sourceTables;
}

/** Seconds per candle; a month at its longest, so a month is never judged late too early. */
const candleSec = (timeframe: string): number => (timeframe === '1M' ? 31 * 86_400 : stepCandles(timeframe, 0, 1) / 1000);

/** Every candle series with a cursor (cqt backfill), each on its timeframe's policy; --symbol narrows. */
async function candleSeries(sql: SqlClient, symbols: readonly string[] | undefined): Promise<Watched[]> {
  const wanted = new Set((symbols ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean));
  const rows = await sql.unsafe(`select source, symbol, timeframe from ingest_state where source in ('upbit', 'binance') order by source, symbol, timeframe`);
  return rows
    .filter((r) => isTimeframe(r.source as Venue, r.timeframe as string) && (wanted.size === 0 || wanted.has(r.symbol as string)))
    .map((r) => watch.candles(r.source as string, r.symbol as string, r.timeframe as string, candleSec(r.timeframe as string)));
}

/** Every series with candle predictions (cqt predict --timeframe), on its timeframe's policy; --symbol narrows. */
async function candlePredictionSeries(sql: SqlClient, symbols: readonly string[] | undefined): Promise<Watched[]> {
  const wanted = new Set((symbols ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean));
  const series = await distinctPrefixes(sql, 'candle_predictions', ['venue', 'symbol', 'timeframe']);
  return series
    .filter(([venue, symbol, timeframe]) => isTimeframe(venue as Venue, timeframe) && timeframe !== '1M' && (wanted.size === 0 || wanted.has(symbol)))
    .map(([venue, symbol, timeframe]) => watch.candlePredictions(venue, symbol, timeframe, candleSec(timeframe)));
}

/** One candle series judged as `cqt status` judges it (its timeframe's policy): /api/candles' class. */
export function candleSeriesStatus(sql: SqlClient, series: { venue: string; symbol: string; timeframe: string }, asOfMs: number): Promise<SourceStatus> {
  return judge(sql, watch.candles(series.venue, series.symbol, series.timeframe, candleSec(series.timeframe)), asOfMs);
}

async function watchList(sql: SqlClient, scope: Scope, config: StatusConfig, derivedMarkets: readonly string[], wanted: readonly string[], symbols?: readonly string[]): Promise<Watched[]> {
  const coinglass = config.coinglassEnabled && wanted.includes('coinglass_liquidation_map');
  const all = [
    ...scope.upbit.map((market) => watch.market1s(market)),
    ...scope.binance.flatMap((symbol) => [watch.markPrice(symbol), ...watch.futuresMetrics(symbol, config.binancePollSec)]),
    // The forceOrder stream's liveness (liquidations themselves may be absent for hours).
    watch.heartbeat(),
    ...(coinglass ? await watch.liquidationMaps(sql, scope.asOfMs, config.coinglassPollSec) : []),
    ...derivedMarkets.flatMap((market) => [watch.featureSnapshots(market), watch.predictions(market)]),
    ...(wanted.includes('candles') ? await candleSeries(sql, symbols) : []),
    ...(wanted.includes('candle_predictions') ? await candlePredictionSeries(sql, symbols) : []),
  ];
  return all.filter((w) => wanted.includes(w.source));
}

async function judge(sql: SqlClient, w: Watched, asOfMs: number): Promise<SourceStatus> {
  const { observation, classification: c } = await judgeSource(sql, w, asOfMs);
  const { staleAfterSec, hardStaleAfterSec, futureToleranceSec } = w.policy;
  const base = {
    source: w.source,
    key: w.key,
    newestTs: observation.newestTsMs === null ? null : new Date(observation.newestTsMs).toISOString(),
    policy: { staleAfterSec, hardStaleAfterSec, futureToleranceSec },
  };
  if (DERIVED.has(w.source) && observation.newestTsMs === null && c.class !== 'corrupt') {
    return { ...base, lagSec: null, class: 'absent', degraded: false, reasons: ['no rows: not produced in this store (not gated)'] };
  }
  return { ...base, lagSec: c.lagSec, class: c.class, degraded: c.degraded, reasons: c.reasons };
}

export function summarise(asOfMs: number, sources: SourceStatus[]): StatusResult {
  const counts: Record<SourceClass, number> = { fresh: 0, stale: 0, hard_stale: 0, corrupt: 0, absent: 0 };
  for (const s of sources) counts[s.class]++;
  const overall = counts.hard_stale + counts.corrupt > 0 ? 'fail' : 'ok';
  return { asOf: new Date(asOfMs).toISOString(), overall, counts, sources };
}
