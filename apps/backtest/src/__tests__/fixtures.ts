// Candle series for the command's tests, and Parquet files written from them with DuckDB.
import { DuckDBInstance, DuckDBTimestampTZValue } from '@duckdb/node-api';
import { candlesFromRows, type CandleRow, type Candles } from '@cqt/backtest';

export const MINUTE_MS = 60_000;
export const T0_MS = Date.UTC(2026, 0, 1);

/** A deterministic wavy series with volume bursts: enough breakouts to trade on. */
export function wavyRows(n: number, stepMs = MINUTE_MS): CandleRow[] {
  const rows: CandleRow[] = [];
  for (let i = 0; i < n; i++) {
    const open = 100 + 5 * Math.sin(i / 9) + 2 * Math.sin(i / 2.3);
    const close = 100 + 5 * Math.sin((i + 1) / 9) + 2 * Math.sin((i + 1) / 2.3);
    rows.push({ tsMs: T0_MS + i * stepMs, open, close, high: Math.max(open, close) + 0.5 + (i % 4) * 0.3, low: Math.min(open, close) - 0.4 - (i % 3) * 0.2, volume: 10 + (i % 7) * 3 + (i % 13 === 0 ? 50 : 0) });
  }
  return rows;
}

export const candlesOf = (rows: CandleRow[]): Candles => candlesFromRows(rows);

/** Writes rows as an OHLCV Parquet file (ts as TIMESTAMPTZ unless `tsAsMs`); `omit` leaves a column out. */
export async function writeCandlesParquet(path: string, rows: Array<Partial<CandleRow>>, options: { tsAsMs?: boolean; omit?: string } = {}): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const cols = ['ts', 'open', 'high', 'low', 'close', 'volume'].filter((c) => c !== options.omit);
    await conn.run(`CREATE TABLE c (${cols.map((c) => `${c} ${c === 'ts' ? (options.tsAsMs ? 'BIGINT' : 'TIMESTAMPTZ') : 'DOUBLE'}`).join(', ')})`);
    const a = await conn.createAppender('c');
    for (const r of rows) {
      for (const col of cols) {
        const v = col === 'ts' ? r.tsMs : r[col as keyof CandleRow];
        if (v === undefined || Number.isNaN(v)) a.appendNull();
        else if (col !== 'ts') a.appendDouble(v);
        else if (options.tsAsMs) a.appendBigInt(BigInt(v));
        else a.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(v) * 1000n));
      }
      a.endRow();
    }
    a.flushSync();
    a.closeSync();
    await conn.run(`COPY c TO '${path}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Every row of a Parquet file, timestamps as epoch ms. */
export async function readParquet(path: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    const cols = described.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const select = cols.map((c) => (c.type.startsWith('TIMESTAMP') ? `epoch_ms("${c.name}")::DOUBLE AS "${c.name}"` : `"${c.name}"`)).join(', ');
    const reader = await conn.runAndReadAll(`SELECT ${select} FROM read_parquet('${path}')`);
    return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export async function parquetColumns(path: string): Promise<Array<[string, string]>> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    return described.getRowObjectsJS().map((r) => [String(r.column_name), String(r.column_type)]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
