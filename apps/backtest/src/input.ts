// Where the candles come from: an OHLCV Parquet file (DuckDB) or the store's candles table
// (closed candles only). Both end as typed-array columns ordered by open time.
import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { candlesFromRows, emptyCandles, type Candles } from '@cqt/backtest';
import { VENUE_TIMEFRAMES, isTimeframe, stepCandles, type Venue } from '@cqt/candles';
import { RuntimeFailure, UsageError } from '@cqt/config';
import type { Db } from '@cqt/db';

const COLUMNS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;
const TIMEFRAMES = [...new Set([...VENUE_TIMEFRAMES.upbit, ...VENUE_TIMEFRAMES.binance])];
const DAY_MS = 86_400_000;

export function checkTimeframe(timeframe: string): string {
  if (!TIMEFRAMES.includes(timeframe)) throw new UsageError(`invalid --timeframe ${JSON.stringify(timeframe)}`, `expected one of ${TIMEFRAMES.join(' ')}`);
  return timeframe;
}

/** Bars in 365 days (12 for months): the annualisation factor of per-bar statistics. */
export function barsPerYear(timeframe: string): number {
  if (timeframe === '1M') return 12;
  return (365 * DAY_MS) / (stepCandles(timeframe, 0, 1) - 0);
}

/** The timeframe whose step is the most common spacing of the candles, or a usage error. */
export function inferTimeframe(c: Candles): string {
  const counts = new Map<number, number>();
  for (let i = 1; i < c.length; i++) {
    const d = c.tsMs[i] - c.tsMs[i - 1];
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  const [step] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? [NaN];
  const t0 = c.tsMs[0];
  const found = TIMEFRAMES.find((tf) => stepCandles(tf, t0, 1) - t0 === step);
  if (!found) {
    throw new UsageError(
      Number.isNaN(step) ? 'cannot infer the timeframe from fewer than two candles' : `cannot infer the timeframe: the candles are ${step} ms apart, not a known timeframe`,
      Number.isNaN(step) ? 'give --timeframe' : 'give --timeframe; ts must be a timestamp or epoch milliseconds (not seconds)',
    );
  }
  return found;
}

/** Reads ts, open, high, low, close, volume from a Parquet file, ordered by ts; nulls become NaN (refused later as corrupt). */
export async function readParquetCandles(file: string): Promise<Candles> {
  if (!existsSync(file)) throw new UsageError(`--candles ${file}: no such file`, 'give the path of an OHLCV Parquet file');
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  try {
    const path = `'${file.replace(/'/g, "''")}'`;
    let types: Map<string, string>;
    try {
      const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${path})`);
      types = new Map(described.getRowObjectsJS().map((r) => [String(r.column_name), String(r.column_type)]));
    } catch (err) {
      throw new UsageError(`--candles ${file}: not a readable Parquet file (${(err as Error).message.split('\n')[0]})`, 'give an OHLCV Parquet file', err);
    }
    const missing = COLUMNS.filter((c) => !types.has(c));
    if (missing.length) throw new UsageError(`--candles ${file}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, `the file needs ${COLUMNS.join(', ')} (ts as a timestamp or epoch ms)`);
    const tsType = types.get('ts')!;
    const tsExpr = tsType.startsWith('TIMESTAMP') || tsType === 'DATE' ? 'epoch_ms(ts::TIMESTAMPTZ)::DOUBLE' : 'ts::DOUBLE';
    const reader = await conn.runAndReadAll(
      `SELECT ${tsExpr} AS ts, open::DOUBLE, high::DOUBLE, low::DOUBLE, close::DOUBLE, volume::DOUBLE FROM read_parquet(${path}) ORDER BY ts NULLS FIRST`,
    );
    const cols = reader.getColumnsJS();
    const c = emptyCandles(reader.currentRowCount);
    const targets = [c.tsMs, c.open, c.high, c.low, c.close, c.volume];
    cols.forEach((values, j) => values.forEach((v, i) => (targets[j][i] = v === null ? NaN : Number(v))));
    return c;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export interface StoreSeries {
  venue: Venue;
  symbol: string;
  timeframe: string;
  fromMs?: number;
  toMs?: number;
}

/** Closed candles of one series in [from, to), ordered by open time. */
export async function readStoreCandles(sql: Db['sql'], s: StoreSeries): Promise<Candles> {
  if (!isTimeframe(s.venue, s.timeframe)) throw new UsageError(`--timeframe ${s.timeframe} is not a ${s.venue} timeframe`, `${s.venue}: ${VENUE_TIMEFRAMES[s.venue].join(' ')}`);
  let rows: Array<{ ts: Date; open: number; high: number; low: number; close: number; volume: number }>;
  try {
    rows = await sql`
      select ts, open, high, low, close, volume from candles
      where venue = ${s.venue} and symbol = ${s.symbol} and timeframe = ${s.timeframe} and closed
        ${s.fromMs === undefined ? sql`` : sql`and ts >= ${new Date(s.fromMs)}`}
        ${s.toMs === undefined ? sql`` : sql`and ts < ${new Date(s.toMs)}`}
      order by ts`;
  } catch (err) {
    throw new RuntimeFailure(`reading candles failed: ${(err as Error).message}`, 'check the store (cqt db status)', err);
  }
  if (rows.length === 0) {
    throw new UsageError(`no candles for ${s.venue} ${s.symbol} ${s.timeframe} in the range`, `fetch them first: cqt backfill --venue ${s.venue} --symbol ${s.symbol} --timeframe ${s.timeframe} --since 30d`);
  }
  return candlesFromRows(rows.map((r) => ({ tsMs: r.ts.getTime(), open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume })));
}
