// --out DIR: trades.parquet, equity.parquet and summary.json. Each is written under a temporary
// name in DIR and renamed only once all three are complete, so a failed run leaves no partial file.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTimestampTZValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { BacktestResult, Candles } from '@cqt/backtest';
import { RuntimeFailure } from '@cqt/config';

export const OUT_FILES = ['trades.parquet', 'equity.parquet', 'summary.json'] as const;

const tsValue = (ms: number) => new DuckDBTimestampTZValue(BigInt(Math.round(ms)) * 1000n);

async function appendAll(conn: DuckDBConnection, table: string, n: number, row: (a: DuckDBAppender, i: number) => void): Promise<void> {
  const a = await conn.createAppender(table);
  try {
    for (let i = 0; i < n; i++) {
      row(a, i);
      a.endRow();
    }
    a.flushSync();
  } finally {
    a.closeSync();
  }
}

export async function writeOutDir(dir: string, candles: Candles, result: BacktestResult, summary: unknown): Promise<string[]> {
  const tmp = (name: string) => join(dir, `.${name}.tmp-${process.pid}`);
  const lit = (path: string) => `'${path.replace(/'/g, "''")}'`;
  try {
    mkdirSync(dir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await instance.connect();
    try {
      await conn.run(`SET TimeZone = 'UTC'`);
      await conn.run(`CREATE TABLE trades (entry_ts TIMESTAMPTZ, exit_ts TIMESTAMPTZ, side VARCHAR, qty DOUBLE, entry_price DOUBLE, exit_price DOUBLE, fees DOUBLE, pnl DOUBLE, "return" DOUBLE, exit_reason VARCHAR)`);
      const trades = result.run.trades;
      await appendAll(conn, 'trades', trades.length, (a, i) => {
        const t = trades[i];
        a.appendTimestampTZ(tsValue(t.entryTsMs));
        a.appendTimestampTZ(tsValue(t.exitTsMs));
        a.appendVarchar(t.side);
        for (const v of [t.qty, t.entryPrice, t.exitPrice, t.fees, t.pnl, t.return]) a.appendDouble(v);
        a.appendVarchar(t.exitReason);
      });
      await conn.run(`CREATE TABLE equity (ts TIMESTAMPTZ, equity DOUBLE, position DOUBLE)`);
      const { equity, position } = result.run;
      await appendAll(conn, 'equity', candles.length, (a, i) => {
        a.appendTimestampTZ(tsValue(candles.tsMs[i]));
        a.appendDouble(equity[i]);
        a.appendDouble(position[i]);
      });
      await conn.run(`COPY trades TO ${lit(tmp('trades.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
      await conn.run(`COPY equity TO ${lit(tmp('equity.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    writeFileSync(tmp('summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    for (const name of OUT_FILES) renameSync(tmp(name), join(dir, name));
    return OUT_FILES.map((name) => join(dir, name));
  } catch (err) {
    for (const name of OUT_FILES) rmSync(tmp(name), { force: true });
    throw new RuntimeFailure(`writing --out ${dir} failed: ${(err as Error).message}`, 'check that the folder is writable and has space', err);
  }
}
