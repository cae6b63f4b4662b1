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

// Reading runs lives in packages/backtest (the API reads them too; apps do not import apps).
export { listRuns, readRun, type StoredRun, type StoredTrade } from '@cqt/backtest';
