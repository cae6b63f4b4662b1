// Runs in the store: backtest_runs (one row per run), backtest_trades and backtest_equity, written
// in one transaction so a run is stored whole or not at all.
import type { BacktestResult, Candles, Metrics, Trade } from '@cqt/backtest';
import type { Db } from '@cqt/db';
import type { RunSummary } from './index.js';

type Sql = Db['sql'];

/** Rows per unnest statement: bounded parameter size for a million-bar equity curve. */
const CHUNK = 50_000;

export async function saveRun(sql: Sql, summary: Omit<RunSummary, 'id'>, result: { run: Pick<BacktestResult['run'], 'trades' | 'equity' | 'position'> }, candles: Candles): Promise<number> {
  const { input } = summary;
  return sql.begin(async (tx) => {
    const [{ id }] = await tx<{ id: number }[]>`
      insert into backtest_runs (status, strategy, params, execution, source, venue, symbol, file, timeframe, from_ts, to_ts, candles, missing_bars, holes, input_sha256, metrics, timings_ms)
      values ('done', ${summary.strategy}, ${tx.json(summary.params)}, ${tx.json(summary.execution)}, ${input.source},
        ${input.source === 'store' ? input.venue : null}, ${input.source === 'store' ? input.symbol : null}, ${input.source === 'parquet' ? input.file : null},
        ${input.timeframe}, ${new Date(input.from)}, ${new Date(input.to)}, ${input.candles}, ${input.missingBars}, ${input.holes}, ${input.sha256},
        ${tx.json(summary.metrics as never)}, ${tx.json(summary.timingsMs)})
      returning id`;
    const trades = result.run.trades;
    for (let from = 0; from < trades.length; from += CHUNK) {
      const part = trades.slice(from, from + CHUNK);
      const col = (f: (t: Trade) => number | string) => part.map((t) => String(f(t)));
      await tx`
        insert into backtest_trades (run_id, seq, entry_ts, exit_ts, side, qty, entry_price, exit_price, fees, pnl, return, exit_reason, bars_held)
        select ${id}, u.seq::int, u.entry_ts::timestamptz, u.exit_ts::timestamptz, u.side, u.qty::float8, u.entry_price::float8, u.exit_price::float8,
               u.fees::float8, u.pnl::float8, u.ret::float8, u.exit_reason, u.bars_held::int
        from unnest(${part.map((_, i) => String(from + i))}::text[], ${col((t) => new Date(t.entryTsMs).toISOString())}::text[],
                    ${col((t) => new Date(t.exitTsMs).toISOString())}::text[], ${col((t) => t.side)}::text[], ${col((t) => t.qty)}::text[],
                    ${col((t) => t.entryPrice)}::text[], ${col((t) => t.exitPrice)}::text[], ${col((t) => t.fees)}::text[], ${col((t) => t.pnl)}::text[],
                    ${col((t) => t.return)}::text[], ${col((t) => t.exitReason)}::text[], ${col((t) => t.barsHeld)}::text[])
             as u(seq, entry_ts, exit_ts, side, qty, entry_price, exit_price, fees, pnl, ret, exit_reason, bars_held)`;
    }
    const { equity, position } = result.run;
    for (let from = 0; from < candles.length; from += CHUNK) {
      const to = Math.min(candles.length, from + CHUNK);
      const ts: string[] = [], eq: string[] = [], pos: string[] = [];
      for (let i = from; i < to; i++) {
        ts.push(new Date(candles.tsMs[i]).toISOString());
        eq.push(String(equity[i]));
        pos.push(String(position[i]));
      }
      await tx`
        insert into backtest_equity (run_id, ts, equity, position)
        select ${id}, u.ts::timestamptz, u.equity::float8, u.position::float8
        from unnest(${ts}::text[], ${eq}::text[], ${pos}::text[]) as u(ts, equity, position)`;
    }
    return Number(id);
  });
}

export interface StoredRun {
  id: number;
  createdAt: string;
  status: string;
  strategy: string;
  params: Record<string, number | boolean>;
  execution: RunSummary['execution'];
  input: RunSummary['input'];
  metrics: Metrics;
  timingsMs: RunSummary['timingsMs'];
}

interface RunRow {
  id: string | number;
  created_at: Date;
  status: string;
  strategy: string;
  params: Record<string, number | boolean>;
  execution: RunSummary['execution'];
  source: 'parquet' | 'store';
  venue: string | null;
  symbol: string | null;
  file: string | null;
  timeframe: string;
  from_ts: Date;
  to_ts: Date;
  candles: number;
  missing_bars: number;
  holes: number;
  input_sha256: string;
  metrics: Metrics;
  timings_ms: RunSummary['timingsMs'];
}

function fromRow(r: RunRow): StoredRun {
  const where = r.source === 'parquet' ? { source: 'parquet' as const, file: r.file! } : { source: 'store' as const, venue: r.venue as 'upbit' | 'binance', symbol: r.symbol! };
  return {
    id: Number(r.id),
    createdAt: r.created_at.toISOString(),
    status: r.status,
    strategy: r.strategy,
    params: r.params,
    execution: r.execution,
    input: { ...where, timeframe: r.timeframe, from: r.from_ts.toISOString(), to: r.to_ts.toISOString(), candles: r.candles, missingBars: r.missing_bars, holes: r.holes, sha256: r.input_sha256 },
    metrics: r.metrics,
    timingsMs: r.timings_ms,
  };
}

/** Newest first. */
export async function listRuns(sql: Sql, options: { limit: number; strategy?: string }): Promise<StoredRun[]> {
  const rows = await sql<RunRow[]>`
    select * from backtest_runs
    ${options.strategy === undefined ? sql`` : sql`where strategy = ${options.strategy}`}
    order by id desc limit ${options.limit}`;
  return rows.map(fromRow);
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

export async function readRun(sql: Sql, id: number): Promise<{ run: StoredRun; trades: StoredTrade[]; equityRows: number } | null> {
  const [row] = await sql<RunRow[]>`select * from backtest_runs where id = ${id}`;
  if (!row) return null;
  const trades = await sql<Array<Record<string, unknown> & { entry_ts: Date; exit_ts: Date }>>`
    select seq, entry_ts, exit_ts, side, qty, entry_price, exit_price, fees, pnl, return, exit_reason, bars_held
    from backtest_trades where run_id = ${id} order by seq`;
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from backtest_equity where run_id = ${id}`;
  return {
    run: fromRow(row),
    trades: trades.map((t) => ({
      seq: Number(t.seq), entryTs: t.entry_ts.toISOString(), exitTs: t.exit_ts.toISOString(), side: String(t.side), qty: Number(t.qty), entryPrice: Number(t.entry_price),
      exitPrice: Number(t.exit_price), fees: Number(t.fees), pnl: Number(t.pnl), return: Number(t.return), exitReason: String(t.exit_reason), barsHeld: Number(t.bars_held),
    })),
    equityRows: n,
  };
}
