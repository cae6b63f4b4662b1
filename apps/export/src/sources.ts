// Reads from the store: snapshots and raw tables as CSV from `COPY … TO STDOUT` (for DuckDB to
// read, decision 158), prices in bounded pages (keyset pagination on the primary key: no cursors,
// so it works the same through PostgreSQL and the embedded store's socket).
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Sql } from 'postgres';
import { RAW_COLUMNS, type DatasetColumn } from '@cqt/labeling';
import { ident, literal } from './duck.js';

/** Snapshots per page: each page also loads its price path (page span + H), so this bounds memory. */
export const PAGE_ROWS = 2_000;
/** Rows per page of price and raw tables. */
const BULK_PAGE_ROWS = 20_000;

/**
 * Pages of the rows with ts in (afterMs, toMs]: `page` returns at most `limit` rows with ts in
 * (after, to] ordered by ts, and each next page starts after the last ts of the one before.
 */
async function* keysetPages<R extends { ts?: unknown }>(
  afterMs: number,
  toMs: number,
  limit: number,
  page: (after: Date, to: Date, limit: number) => Promise<R[]>,
): AsyncGenerator<R[]> {
  const to = new Date(toMs);
  let after = new Date(afterMs);
  for (;;) {
    const rows = await page(after, to, limit);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < limit) return;
    after = rows[rows.length - 1].ts as Date;
  }
}

/** What labelling reads of a snapshot (the other columns go from the store to DuckDB as CSV). */
export interface SnapshotRow {
  [column: string]: unknown;
  ts: Date;
  r_t: number | null;
  pred_r_t: number | null;
  /** H when a predictions row of the export's horizon exists, else null. */
  pred_horizon_sec: number | null;
  /** The horizon the snapshot's own r_t was computed for: that of its one predictions row; null when it has none or several. */
  snapshot_horizon_sec: number | null;
}

/** The snapshot columns, after the features and PREDICTION_COLUMNS, that only labelling uses. */
export const SNAPSHOT_LABEL_INPUTS: readonly DatasetColumn[] = [
  { name: 'pred_r_t', type: 'DOUBLE' },
  { name: 'pred_horizon_sec', type: 'INTEGER' },
  { name: 'snapshot_horizon_sec', type: 'INTEGER' },
];

/**
 * feature_snapshots in [fromMs, toMs] with the prediction fields of horizon H, in ts order, as CSV
 * into `file` (one statement: one consistent view of the range). Columns: `features` (the dataset's
 * feature columns, by name), PREDICTION_COLUMNS, then SNAPSHOT_LABEL_INPUTS.
 */
export async function copySnapshotsCsv(
  sql: Sql,
  symbol: string,
  fromMs: number,
  toMs: number,
  horizonSec: number,
  features: readonly DatasetColumn[],
  file: string,
): Promise<void> {
  if (!Number.isInteger(horizonSec)) throw new Error(`internal: horizon ${horizonSec} is not an integer`);
  // A snapshot's r_t belongs to the horizon of the predictions row written with it.
  const cols = [
    ...features.map((c) => csvExpr(`f.${ident(c.name)}`, c.type)),
    'p.k_vol_eff',
    'p.r_min_eff',
    'p.cost_roundtrip_est',
    'p.r_t',
    'p.horizon_sec',
    '(select case when count(*) = 1 then min(q.horizon_sec) end from predictions q where q.symbol = f.symbol and q.ts = f.ts)',
  ];
  await copyCsv(
    sql,
    `select ${cols.join(', ')}
      from feature_snapshots f
      left join predictions p on p.symbol = f.symbol and p.ts = f.ts and p.horizon_sec = ${horizonSec}
      where f.symbol = ${literal(symbol)} and f.ts > ${pgTs(fromMs - 1)} and f.ts <= ${pgTs(toMs)}
      order by f.ts`,
    file,
  );
}

export interface PriceRow {
  ts: Date;
  mid: number | null;
  close: number | null;
}

/** market_1s prices (ts, mid, close) in [fromMs, toMs], page by page. */
export function pricePages(sql: Sql, symbol: string, fromMs: number, toMs: number): AsyncGenerator<PriceRow[]> {
  return keysetPages(fromMs - 1, toMs, BULK_PAGE_ROWS, (after, to, limit) => sql<PriceRow[]>`
      select ts, mid, close from market_1s
      where symbol = ${symbol} and ts > ${after} and ts <= ${to}
      order by ts limit ${limit}`);
}

/** Newest market_1s second of the symbol (the end of the data labels can see). */
export async function newestBarMs(sql: Sql, symbol: string): Promise<number | null> {
  const [r] = await sql<{ ts: Date | null }[]>`select max(ts) as ts from market_1s where symbol = ${symbol}`;
  return r.ts ? r.ts.getTime() : null;
}

export interface RawSpec {
  /** DuckDB table name. */
  name: string;
  /** The store table and the filter of this source's rows (symbol, metric), as SQL with literals. */
  from: string;
  /** The store expression of each raw column, in `columns` order. */
  exprs: readonly string[];
  columns: readonly DatasetColumn[];
}

/** A timestamp literal for the store (COPY takes no bind parameters; quoting is standard SQL, as DuckDB's). */
const pgTs = (ms: number) => `${literal(new Date(ms).toISOString())}::timestamptz`;

/**
 * A store expression as it goes into the CSV: timestamps as integer epoch microseconds (exact
 * whatever the session's zone or DateStyle), anything else as PostgreSQL's text (doubles in their
 * shortest round-trip form, which DuckDB parses to the same double; jsonb as its text).
 */
function csvExpr(expr: string, type: DatasetColumn['type']): string {
  return type === 'TIMESTAMPTZ' ? `(extract(epoch from ${expr}) * 1000000)::int8` : expr;
}

/** `COPY (select) TO STDOUT (FORMAT csv)` into `file`: no row becomes a JS object (decision 158). */
async function copyCsv(sql: Sql, select: string, file: string): Promise<void> {
  const stream = await sql.unsafe(`copy (${select}) to stdout (format csv)`).readable();
  try {
    await pipeline(stream, createWriteStream(file));
  } finally {
    // postgres.js pauses the socket when a CopyData push fills the stream's buffer; if CopyDone
    // came in the same chunk, nothing resumes it and the pooled connection's next query hangs
    // (porsager/postgres#499, fix proposed in #1016). The stream's read() resumes the socket.
    stream._read(0);
  }
}

/** Raw tables joined as of t0 by --with-raw (recv_ts <= t0 and ts <= t0): the latest row known at each t0. */
export function rawSpecs(upbitSymbol: string, binanceSymbol: string): RawSpec[] {
  const metric = (metricName: Exclude<keyof typeof RAW_COLUMNS, 'market_1s' | 'binance_mark_price_1s'>): RawSpec => ({
    name: `raw_${metricName}`,
    from: `binance_futures_metrics where symbol = ${literal(binanceSymbol)} and metric = ${literal(metricName)}`,
    exprs: ['value', 'ts'],
    columns: RAW_COLUMNS[metricName],
  });
  return [
    {
      name: 'raw_market',
      from: `market_1s where symbol = ${literal(upbitSymbol)}`,
      exprs: ['ts', 'close', 'mid', 'volume', 'spread_bps'],
      columns: RAW_COLUMNS.market_1s,
    },
    {
      name: 'raw_mark',
      from: `binance_mark_price_1s where symbol = ${literal(binanceSymbol)}`,
      exprs: ['mark_price', 'index_price', 'funding_rate', 'ts'],
      columns: RAW_COLUMNS.binance_mark_price_1s,
    },
    metric('open_interest'),
    metric('open_interest_value'),
    metric('global_ls_ratio'),
    metric('top_ls_ratio'),
    metric('taker_ls_ratio'),
    metric('basis'),
  ];
}

/** Every row of one raw source with ts in (fromMs, toMs], as CSV into `file`, in key order: recv_ts, ts, then the raw columns. */
export async function copyRawCsv(sql: Sql, spec: RawSpec, fromMs: number, toMs: number, file: string): Promise<void> {
  const types = ['TIMESTAMPTZ', 'TIMESTAMPTZ', ...spec.columns.map((c) => c.type)] as const;
  const cols = ['recv_ts', 'ts', ...spec.exprs].map((e, i) => csvExpr(e, types[i]));
  await copyCsv(sql, `select ${cols.join(', ')} from ${spec.from} and ts > ${pgTs(fromMs)} and ts <= ${pgTs(toMs)} order by ts`, file);
}
