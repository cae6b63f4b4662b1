// /api/dashboard: everything the page draws on first render in one answer (so the page makes one
// request, and `--snapshot` inlines exactly this object): the status, the gates' items, the
// feature charts over the span (downsampled by /api/series' reader) and the newest snapshots.
// The page keeps it current with /api/events.
import { evaluateStatus, reportsJson, type SqlClient, type StatusConfig, type StatusResult } from '@cqt/checks';
import { DEFAULT_WINDOW_SEC } from '@cqt/config/command';
import type { Db } from '@cqt/db';
import { DEFAULT_HORIZON_SEC, durationParam, horizonParam, integerParam, refuseUnknown, symbolParam, timeParam, type Query } from '../params.js';
import { readSeries, seriesSources, type SeriesAnswer } from '../series.js';
import type { GateRunner } from '../server.js';

export const DEFAULT_SPAN_SEC = 86_400;
/** Points per chart: a bucket is 86.4 s at 24 h, about one per screen pixel of a wide chart. */
export const CHART_POINTS = 1000;
export const SNAPSHOT_ROWS = 20;

/** One line of a chart: a column of a table for the market (Upbit) or the symbol (Binance). */
interface LineSpec {
  source: string;
  column: string;
  label: string;
  by: 'market' | 'symbol';
}

interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  lines: LineSpec[];
}

const line = (source: string, column: string, by: 'market' | 'symbol', label = column): LineSpec => ({ source, column, by, label });

/** The "features over time" panel: mid, spread, funding, OI, liquidations, probabilities, ev_rate. */
export const featureCharts: ChartSpec[] = [
  { id: 'mid', title: 'mid', unit: 'KRW', lines: [line('market_1s', 'mid', 'market')] },
  { id: 'spread', title: 'spread', unit: 'bps', lines: [line('market_1s', 'spread_bps', 'market')] },
  { id: 'funding', title: 'funding rate', unit: 'per 8 h', lines: [line('binance_mark_price_1s', 'funding_rate', 'symbol')] },
  { id: 'oi', title: 'open interest', unit: 'contracts', lines: [line('binance_futures_metrics', 'open_interest', 'symbol')] },
  { id: 'liquidations', title: 'liquidations, last 5 min', unit: 'USDT', lines: [line('feature_snapshots', 'liq_5m_notional', 'market')] },
  { id: 'probabilities', title: 'p_up / p_down / p_none', unit: 'horizon', lines: ['p_up', 'p_down', 'p_none'].map((c) => line('predictions', c, 'market')) },
  { id: 'ev', title: 'ev_rate', unit: 'per s', lines: [line('predictions', 'ev_rate', 'market')] },
];

/** Columns of the recent-snapshots table. */
export const snapshotColumns = ['mid_krw', 'spread_bps', 'ret_60s', 'rv_60s', 'bin_funding_rate', 'oi_value', 'liq_5m_notional', 'p_up', 'p_down', 'p_none', 'ev_rate'] as const;

export interface DashboardAnswer {
  asOf: string;
  spanSec: number;
  market: string | null;
  symbol: string | null;
  markets: string[];
  symbols: string[];
  status: StatusResult;
  /** `cqt check all --json`; null when the server has no gates. */
  checks: unknown;
  charts: Array<{ id: string; title: string; unit: string; lines: Array<LineSpec & { symbol: string; horizonSec: number | null; series: SeriesAnswer | null }> }>;
  snapshots: { columns: string[]; rows: Array<Record<string, number | null>> };
}

/** What /api/backtests, /api/backtests/:id, /api/candles and /api/jobs answer; null: not served. */
export interface BacktestsAnswer {
  runs: unknown;
  run: unknown;
  candles: unknown;
  jobs: unknown;
}

export interface DashboardParts {
  db: Db;
  config: StatusConfig;
  gates?: GateRunner;
  /**
   * GET another route of this server and return its JSON (null when it answers 404: a server
   * without that route). The backtest panels read /api/backtests, /api/candles and /api/jobs
   * through it, so their data is what those endpoints answer.
   */
  get?: (path: string) => Promise<unknown | null>;
}

export const BACKTEST_RUNS = 10;
export const EQUITY_POINTS = 500;
export const JOB_ROWS = 20;
/** Candles drawn under a run's trades (the first of its range when it holds more). */
export const RUN_CANDLES = 5000;

interface RunInput {
  source?: string;
  venue?: string;
  symbol?: string;
  timeframe?: string;
  from?: string;
  to?: string;
}

/**
 * The backtest panels' data, a request of its own (/api/dashboard/backtests): /api/jobs starts
 * the job queue on its first request, which must not hold up the first render of the others.
 * Backtest runs, one run's trades and equity with its candles, and the jobs; null where the server has no such route. */
export async function readBacktests(get: NonNullable<DashboardParts['get']>, query: Query): Promise<BacktestsAnswer> {
  refuseUnknown(query, ['run']);
  const runId = integerParam(query, 'run', { min: 1, max: Number.MAX_SAFE_INTEGER });
  const [runs, jobs] = await Promise.all([get(`/api/backtests?limit=${BACKTEST_RUNS}`), get(`/api/jobs?limit=${JOB_ROWS}`)]);
  const newest = (runs as { runs?: Array<{ id: number }> } | null)?.runs?.[0]?.id;
  const id = runId ?? newest;
  const run = id === undefined ? null : await get(`/api/backtests/${id}?points=${EQUITY_POINTS}`);
  const input = ((run as { run?: { input?: RunInput } } | null)?.run?.input ?? {}) as RunInput;
  const stored = input.venue && input.symbol && input.timeframe && input.from && input.to;
  const candles = stored
    ? // The run's range holds its last candle's open time; /api/candles reads [from, to).
      await get(`/api/candles?${new URLSearchParams({ venue: input.venue!, symbol: input.symbol!, timeframe: input.timeframe!, from: input.from!, to: String(Date.parse(input.to!) + 1), limit: String(RUN_CANDLES) })}`)
    : null;
  return { runs, run, candles, jobs };
}

export async function readDashboard({ db, config, gates }: DashboardParts, query: Query, nowMs: number): Promise<DashboardAnswer> {
  refuseUnknown(query, ['market', 'symbol', 'span', 'horizon', 'asOf', 'window']);
  const asOfMs = timeParam(query, 'asOf') ?? nowMs;
  const spanSec = Math.min(durationParam(query, 'span') ?? DEFAULT_SPAN_SEC, 31 * 86_400);
  const windowSec = durationParam(query, 'window') ?? DEFAULT_WINDOW_SEC;
  const status = await evaluateStatus(db.sql, { asOf: asOfMs }, config);
  const keysOf = (source: string) => [...new Set(status.sources.filter((s) => s.source === source).map((s) => s.key.split('/')[0]))];
  const markets = keysOf('market_1s');
  const symbols = keysOf('binance_mark_price_1s');
  const market = symbolParam(query, 'market') ?? markets[0] ?? null;
  const symbol = symbolParam(query, 'symbol') ?? symbols[0] ?? null;
  const horizon = horizonParam(query) ?? (market === null ? DEFAULT_HORIZON_SEC : await newestHorizonSec(db.sql, market, asOfMs));
  // Independent reads, asked together (a PostgreSQL pool answers them in parallel).
  const checksRead = gates ? gates({ db, window: windowSec, asOf: asOfMs }).then(reportsJson) : Promise.resolve(null);
  const chartsRead = Promise.all(
    featureCharts.map(async (chart) => ({
      ...chart,
      unit: chart.id === 'probabilities' ? `horizon ${horizon} s` : chart.unit,
      lines: await Promise.all(
        chart.lines.map(async (l) => {
          const target = l.by === 'market' ? market : symbol;
          const horizonSec = l.source === 'predictions' ? horizon : null;
          const fromMs = target === null ? null : await firstTsMs(db.sql, l.source, l.column, target, horizonSec, asOfMs - spanSec * 1000, asOfMs);
          const series = target === null || fromMs === null ? null : await readSeries(db.sql, { source: l.source, column: l.column, symbol: target, horizonSec, fromMs, toMs: asOfMs, points: CHART_POINTS });
          return { ...l, symbol: target ?? '', horizonSec, series };
        }),
      ),
    })),
  );
  const snapshotsRead = market === null ? Promise.resolve([]) : recentSnapshots(db.sql, market, asOfMs);
  const [checks, charts, snapshotRows] = await Promise.all([checksRead, chartsRead, snapshotsRead]);
  return {
    asOf: new Date(asOfMs).toISOString(),
    spanSec,
    market,
    symbol,
    markets,
    symbols,
    status,
    checks,
    charts,
    snapshots: { columns: ['ts', ...snapshotColumns], rows: snapshotRows },
  };
}

/**
 * The first row's ts in [fromMs, toMs] (null: none), so a history shorter than the span gets
 * every bucket instead of a few at the right edge of an empty day.
 */
async function firstTsMs(sql: SqlClient, source: string, column: string, symbol: string, horizonSec: number | null, fromMs: number, toMs: number): Promise<number | null> {
  const spec = seriesSources[source];
  const params: unknown[] = [symbol, new Date(fromMs).toISOString(), new Date(toMs).toISOString()];
  const filters = ['symbol = $1', 'ts >= $2::timestamptz', 'ts <= $3::timestamptz'];
  if (spec.long) filters.push(`${spec.long.by} = $${params.push(column)}`);
  if (horizonSec !== null) filters.push(`horizon_sec = $${params.push(horizonSec)}::int`);
  const [row] = await sql.unsafe(`select ts from ${source} where ${filters.join(' and ')} order by ts limit 1`, params);
  return row ? Math.min((row.ts as Date).getTime(), toMs - 1000) : null;
}

/** The horizon of the market's newest prediction (`cqt predict --horizon`), else predict's default. */
async function newestHorizonSec(sql: SqlClient, market: string, asOfMs: number): Promise<number> {
  const [row] = await sql.unsafe(`select horizon_sec from predictions where symbol = $1 and ts <= $2::timestamptz order by ts desc limit 1`, [market, new Date(asOfMs).toISOString()]);
  return row ? Number(row.horizon_sec) : DEFAULT_HORIZON_SEC;
}

/** The newest feature snapshots of a market written by as-of, newest first. */
async function recentSnapshots(sql: SqlClient, market: string, asOfMs: number): Promise<Array<Record<string, number | null>>> {
  const asOf = new Date(asOfMs).toISOString();
  const found = await sql.unsafe(
    `select ts, ${snapshotColumns.join(', ')} from feature_snapshots
      where symbol = $1 and ts <= $2::timestamptz and created_at <= $2::timestamptz order by ts desc limit $3::int`,
    [market, asOf, SNAPSHOT_ROWS],
  );
  return found.map((r) => {
    const row: Record<string, number | null> = { ts: (r.ts as Date).getTime() };
    for (const c of snapshotColumns) row[c] = r[c] === null || !Number.isFinite(Number(r[c])) ? null : Number(r[c]);
    return row;
  });
}
