// Reads from the store in bounded pages (keyset pagination on the primary key: no cursors, so it
// works the same through PostgreSQL and the embedded store's socket).
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Sql } from 'postgres';
import { RAW_COLUMNS, type DatasetColumn } from '@cqt/labeling';

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
  readAhead = false,
): AsyncGenerator<R[]> {
  const to = new Date(toMs);
  // With readAhead the next page is asked for as soon as this one arrives, so the store reads it
  // while the consumer labels this one (which waits on the store for its price path too). One
  // page ahead at most; a consumer that stops early leaves that read to finish unobserved.
  let next = page(new Date(afterMs), to, limit);
  for (;;) {
    const rows = await next;
    if (rows.length === 0) return;
    const more = rows.length === limit;
    if (more && readAhead) {
      next = page(rows[rows.length - 1].ts as Date, to, limit);
      next.catch(() => {});
    }
    yield rows;
    if (!more) return;
    if (!readAhead) next = page(rows[rows.length - 1].ts as Date, to, limit);
  }
}

export interface SnapshotRow {
  [column: string]: unknown;
  symbol: string;
  ts: Date;
  pred_r_t: number | null;
  /** H when a predictions row of the export's horizon exists, else null. */
  pred_horizon_sec: number | null;
  /** The horizon the snapshot's own r_t was computed for: that of its one predictions row; null when it has none or several. */
  snapshot_horizon_sec: number | null;
  k_vol_eff: number | null;
  r_min_eff: number | null;
  cost_roundtrip_est: number | null;
}

/** feature_snapshots in [fromMs, toMs] with the prediction fields of horizon H, page by page. */
export function snapshotPages(sql: Sql, symbol: string, fromMs: number, toMs: number, horizonSec: number): AsyncGenerator<SnapshotRow[]> {
  // A snapshot's r_t belongs to the horizon of the predictions row written with it.
  return keysetPages(fromMs - 1, toMs, PAGE_ROWS, (after, to, limit) => sql<SnapshotRow[]>`
      select f.*, p.r_t as pred_r_t, p.horizon_sec as pred_horizon_sec, p.k_vol_eff, p.r_min_eff, p.cost_roundtrip_est,
        (select case when count(*) = 1 then min(q.horizon_sec) end from predictions q where q.symbol = f.symbol and q.ts = f.ts) as snapshot_horizon_sec
      from feature_snapshots f
      left join predictions p on p.symbol = f.symbol and p.ts = f.ts and p.horizon_sec = ${horizonSec}
      where f.symbol = ${symbol} and f.ts > ${after} and f.ts <= ${to}
      order by f.ts
      limit ${limit}`, true);
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

/** A SQL string literal for the store (COPY takes no bind parameters). */
const pgText = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Raw tables joined as of t0 by --with-raw (recv_ts <= t0 and ts <= t0): the latest row known at each t0. */
export function rawSpecs(upbitSymbol: string, binanceSymbol: string): RawSpec[] {
  const metric = (metricName: Exclude<keyof typeof RAW_COLUMNS, 'market_1s' | 'binance_mark_price_1s'>): RawSpec => ({
    name: `raw_${metricName}`,
    from: `binance_futures_metrics where symbol = ${pgText(binanceSymbol)} and metric = ${pgText(metricName)}`,
    exprs: ['value', 'ts'],
    columns: RAW_COLUMNS[metricName],
  });
  return [
    {
      name: 'raw_market',
      from: `market_1s where symbol = ${pgText(upbitSymbol)}`,
      exprs: ['ts', 'close', 'mid', 'volume', 'spread_bps'],
      columns: RAW_COLUMNS.market_1s,
    },
    {
      name: 'raw_mark',
      from: `binance_mark_price_1s where symbol = ${pgText(binanceSymbol)}`,
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

/**
 * Every row of one raw source with ts in (fromMs, toMs], as CSV from `COPY … TO STDOUT` into
 * `file`, in key order: recv_ts, ts, then the raw columns. No row becomes a JS object (decision
 * 158). Timestamps travel as integer epoch microseconds (exact whatever the session's zone or
 * DateStyle); doubles as PostgreSQL's shortest round-trip text, which DuckDB parses to the same
 * double. Columns must be DOUBLE or TIMESTAMPTZ.
 */
export async function copyRawCsv(sql: Sql, spec: RawSpec, fromMs: number, toMs: number, file: string): Promise<void> {
  const micros = (e: string) => `(extract(epoch from ${e}) * 1000000)::int8`;
  const cols = ['recv_ts', 'ts', ...spec.exprs].map((e, i) => (i < 2 || spec.columns[i - 2].type === 'TIMESTAMPTZ' ? micros(e) : e));
  const at = (ms: number) => `${pgText(new Date(ms).toISOString())}::timestamptz`;
  const query = `copy (select ${cols.join(', ')} from ${spec.from} and ts > ${at(fromMs)} and ts <= ${at(toMs)} order by ts) to stdout (format csv)`;
  const stream = await sql.unsafe(query).readable();
  try {
    await pipeline(stream, createWriteStream(file));
  } finally {
    // postgres.js pauses the socket when a CopyData push fills the stream's buffer; if CopyDone
    // came in the same chunk, nothing resumes it and the pooled connection's next query hangs
    // (porsager/postgres#499, fix proposed in #1016). The stream's read() resumes the socket.
    stream._read(0);
  }
}
