// Reading stored runs (backtest_runs, backtest_trades, backtest_equity): `cqt backtest list/show`
// and `cqt serve`'s /api/backtests read through these, so the command and the API show the same
// run. Writing stays with the command (apps/backtest, saveRun). Plain SQL through `unsafe` with
// parameters, so any client of either backend will do (no dependency on the store package).
import type { Metrics } from './metrics.js';

export interface RunSqlClient {
  unsafe(query: string, parameters?: unknown[]): PromiseLike<Array<Record<string, any>>>;
}

export interface StoredRun {
  id: number;
  createdAt: string;
  status: string;
  strategy: string;
  params: Record<string, number | boolean>;
  execution: { cash: number; feeBps: number; slippageBps: number; stopLossPct: number | null; takeProfitPct: number | null };
  input: ({ source: 'parquet'; file: string } | { source: 'store'; venue: 'upbit' | 'binance'; symbol: string }) & {
    timeframe: string;
    from: string;
    to: string;
    candles: number;
    missingBars: number;
    holes: number;
    sha256: string;
  };
  metrics: Metrics;
  timingsMs: { read: number; signals: number; engine: number; metrics: number; total: number };
}

export interface StoredTrade {
  seq: number;
  entryTs: string;
  exitTs: string;
  side: string;
  qty: number;
  entryPrice: number;
  exitPrice: number;
  fees: number;
  pnl: number;
  return: number;
  exitReason: string;
  barsHeld: number;
}

function fromRow(r: Record<string, any>): StoredRun {
  const where = r.source === 'parquet' ? { source: 'parquet' as const, file: String(r.file) } : { source: 'store' as const, venue: r.venue as 'upbit' | 'binance', symbol: String(r.symbol) };
  return {
    id: Number(r.id),
    createdAt: (r.created_at as Date).toISOString(),
    status: r.status,
    strategy: r.strategy,
    params: r.params,
    execution: r.execution,
    input: { ...where, timeframe: r.timeframe, from: (r.from_ts as Date).toISOString(), to: (r.to_ts as Date).toISOString(), candles: r.candles, missingBars: r.missing_bars, holes: r.holes, sha256: r.input_sha256 },
    metrics: r.metrics,
    timingsMs: r.timings_ms,
  };
}

export interface ListRunsOptions {
  limit: number;
  strategy?: string;
  /** Paging: only runs with a smaller id (the previous page's last id). */
  beforeId?: number;
}

/** Newest first. */
export async function listRuns(sql: RunSqlClient, options: ListRunsOptions): Promise<StoredRun[]> {
  const params: unknown[] = [options.limit];
  const filters: string[] = [];
  if (options.strategy !== undefined) filters.push(`strategy = $${params.push(options.strategy)}`);
  if (options.beforeId !== undefined) filters.push(`id < $${params.push(options.beforeId)}`);
  const rows = await sql.unsafe(`select * from backtest_runs ${filters.length ? `where ${filters.join(' and ')}` : ''} order by id desc limit $1`, params);
  return rows.map(fromRow);
}

/** Stored runs in all, or of one strategy. */
export async function countRuns(sql: RunSqlClient, options: { strategy?: string } = {}): Promise<number> {
  const [{ n }] = await sql.unsafe(`select count(*)::int as n from backtest_runs ${options.strategy === undefined ? '' : 'where strategy = $1'}`, options.strategy === undefined ? [] : [options.strategy]);
  return Number(n);
}

export async function readRun(sql: RunSqlClient, id: number): Promise<{ run: StoredRun; trades: StoredTrade[]; equityRows: number } | null> {
  const [row] = await sql.unsafe(`select * from backtest_runs where id = $1`, [id]);
  if (!row) return null;
  const trades = await sql.unsafe(
    `select seq, entry_ts, exit_ts, side, qty, entry_price, exit_price, fees, pnl, return, exit_reason, bars_held
       from backtest_trades where run_id = $1 order by seq`,
    [id],
  );
  const [{ n }] = await sql.unsafe(`select count(*)::int as n from backtest_equity where run_id = $1`, [id]);
  return {
    run: fromRow(row),
    trades: trades.map((t) => ({
      seq: Number(t.seq), entryTs: (t.entry_ts as Date).toISOString(), exitTs: (t.exit_ts as Date).toISOString(), side: String(t.side), qty: Number(t.qty), entryPrice: Number(t.entry_price),
      exitPrice: Number(t.exit_price), fees: Number(t.fees), pnl: Number(t.pnl), return: Number(t.return), exitReason: String(t.exit_reason), barsHeld: Number(t.bars_held),
    })),
    equityRows: Number(n),
  };
}

/**
 * A run's equity curve as columns. With `points` (and more rows than that) the rows are cut into
 * `points` runs of consecutive rows; each gives its first ts, its last equity and position, and
 * the min and max equity inside it, so a drawdown inside a bucket stays visible. Without, one
 * entry per row (min = max = equity).
 */
export interface EquityCurve {
  rows: number;
  /** Rows per bucket (1 when not downsampled; the last bucket may hold fewer). */
  bucketRows: number;
  ts: number[];
  equity: number[];
  min: number[];
  max: number[];
  position: number[];
}

export async function readEquity(sql: RunSqlClient, id: number, options: { rows: number; points?: number }): Promise<EquityCurve> {
  const curve: EquityCurve = { rows: options.rows, bucketRows: 1, ts: [], equity: [], min: [], max: [], position: [] };
  const points = options.points;
  if (points === undefined || points >= options.rows) {
    const rows = await sql.unsafe(`select ts, equity, position from backtest_equity where run_id = $1 order by ts`, [id]);
    for (const r of rows) {
      const equity = Number(r.equity);
      curve.ts.push((r.ts as Date).getTime());
      curve.equity.push(equity);
      curve.min.push(equity);
      curve.max.push(equity);
      curve.position.push(Number(r.position));
    }
    return curve;
  }
  // Bucket k holds rows [k·n/points, (k+1)·n/points): equal counts, in the database.
  const rows = await sql.unsafe(
    `with e as (select ts, equity, position, row_number() over (order by ts) - 1 as i from backtest_equity where run_id = $1)
     select floor(i * $2::float8 / $3::float8)::int as bucket, min(ts) as first_ts, min(equity) as min, max(equity) as max,
            (array_agg(equity order by ts desc))[1] as last, (array_agg(position order by ts desc))[1] as position
       from e group by bucket order by bucket`,
    [id, points, options.rows],
  );
  curve.bucketRows = Math.ceil(options.rows / points);
  for (const r of rows) {
    curve.ts.push((r.first_ts as Date).getTime());
    curve.equity.push(Number(r.last));
    curve.min.push(Number(r.min));
    curve.max.push(Number(r.max));
    curve.position.push(Number(r.position));
  }
  return curve;
}
