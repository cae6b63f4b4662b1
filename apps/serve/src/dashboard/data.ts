// /api/dashboard: everything the page draws on first render in one answer (so the page makes one
// request, and `--snapshot` inlines exactly this object): the status, the gates' items, the
// feature charts over the span (downsampled by /api/series' reader) and the newest snapshots.
// The page keeps it current with /api/events.
import { evaluateStatus, reportsJson, type SqlClient, type StatusConfig, type StatusResult } from '@cqt/checks';
import { DEFAULT_WINDOW_SEC } from '@cqt/config/command';
import type { Db } from '@cqt/db';
import { DEFAULT_HORIZON_SEC, durationParam, refuseUnknown, symbolParam, timeParam, type Query } from '../params.js';
import { readSeries, type SeriesAnswer } from '../series.js';
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
  { id: 'probabilities', title: 'p_up / p_down / p_none', unit: `horizon ${DEFAULT_HORIZON_SEC} s`, lines: ['p_up', 'p_down', 'p_none'].map((c) => line('predictions', c, 'market')) },
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

export interface DashboardParts {
  db: Db;
  config: StatusConfig;
  gates?: GateRunner;
}

export async function readDashboard({ db, config, gates }: DashboardParts, query: Query, nowMs: number): Promise<DashboardAnswer> {
  refuseUnknown(query, ['market', 'symbol', 'span', 'asOf', 'window']);
  const asOfMs = timeParam(query, 'asOf') ?? nowMs;
  const spanSec = Math.min(durationParam(query, 'span') ?? DEFAULT_SPAN_SEC, 31 * 86_400);
  const windowSec = durationParam(query, 'window') ?? DEFAULT_WINDOW_SEC;
  const status = await evaluateStatus(db.sql, { asOf: asOfMs }, config);
  const keysOf = (source: string) => [...new Set(status.sources.filter((s) => s.source === source).map((s) => s.key.split('/')[0]))];
  const markets = keysOf('market_1s');
  const symbols = keysOf('binance_mark_price_1s');
  const market = symbolParam(query, 'market') ?? markets[0] ?? null;
  const symbol = symbolParam(query, 'symbol') ?? symbols[0] ?? null;
  const checks = gates ? reportsJson(await gates({ db, window: windowSec, asOf: asOfMs })) : null;

  const charts: DashboardAnswer['charts'] = [];
  for (const chart of featureCharts) {
    const lines = [];
    for (const l of chart.lines) {
      const target = l.by === 'market' ? market : symbol;
      const horizonSec = l.source === 'predictions' ? DEFAULT_HORIZON_SEC : null;
      const series = target === null ? null : await readSeries(db.sql, { source: l.source, column: l.column, symbol: target, horizonSec, fromMs: asOfMs - spanSec * 1000, toMs: asOfMs, points: CHART_POINTS });
      lines.push({ ...l, symbol: target ?? '', horizonSec, series });
    }
    charts.push({ ...chart, lines });
  }
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
    snapshots: { columns: ['ts', ...snapshotColumns], rows: market === null ? [] : await recentSnapshots(db.sql, market, asOfMs) },
  };
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
