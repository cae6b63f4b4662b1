// Every query of the snapshot engine. Inputs are cut at t0 in SQL — ts <= t0 and recv_ts <= t0 (feed_events,
// which has no recv_ts, by ts) — so a snapshot computed live and one recomputed later read the
// same rows. Each read is a range on the table's primary key, bounded by the longest lookback a
// feature needs, so a tick costs the same with 1 or 30 days of history.
import { tableMeta, type Db, type RowOf } from '@cqt/db';
import { MAX_SILENCE_SEC, STREAM_KINDS, STREAM_SOURCES, type StreamEvent } from '@cqt/feeds';
import { defaultPolicies, metricPolicy, metricPollSec } from '@cqt/freshness';
import {
  LIQ_WINDOW_SEC,
  METRIC_FEATURES,
  OI_CHANGE_SEC,
  SIGMA_LOOKBACK_SEC,
  type FeatureSettings,
  type ForceOrderRow,
  type MarketBar,
  type MarkPriceRow,
  type MetricRow,
  type SnapshotInputs,
} from './features.js';

const SEC = 1000;
const iso = (ms: number) => new Date(ms).toISOString();

export interface InputRequest extends FeatureSettings {
  /** Upbit market, e.g. KRW-BTC. */
  symbol: string;
  t0Ms: number;
}

/** The raw rows a snapshot at t0 may use (see features.ts for what each is used for). */
export async function loadInputs(db: Db, request: InputRequest): Promise<SnapshotInputs> {
  const { symbol, binanceSymbol, binancePollSec, t0Ms } = request;
  const sql = db.sql;
  const t0 = iso(t0Ms);
  // Bars back to the oldest one a fresh newest bar's windows can reach.
  const marketFrom = iso(t0Ms - (SIGMA_LOOKBACK_SEC + defaultPolicies.market_1s.staleAfterSec) * SEC);
  const markFrom = iso(t0Ms - defaultPolicies.binance_mark_price_1s.hardStaleAfterSec * SEC);
  const metrics = Object.values(METRIC_FEATURES);
  // The newest point of each metric within its stale bound, and for the open-interest change the point 5 min before it.
  const metricLookbackSec =
    Math.max(...metrics.map((m) => metricPolicy(m, metricPollSec(m, binancePollSec)).staleAfterSec)) + OI_CHANGE_SEC + metricPollSec('open_interest_value', binancePollSec);
  const liqFrom = iso(t0Ms - LIQ_WINDOW_SEC * SEC);
  const eventsFrom = iso(t0Ms - (LIQ_WINDOW_SEC + MAX_SILENCE_SEC) * SEC);

  const [market, mark, metricRows, orders, events] = await Promise.all([
    sql<Array<Omit<MarketBar, 'tsMs' | 'recvTsMs'> & { ts: Date; recvTs: Date }>>`
      select ts, mid, close, spread_bps as "spreadBps", bid_size as "bidSize", ask_size as "askSize",
             trade_count as "tradeCount", volume, buy_volume as "buyVolume", sell_volume as "sellVolume", recv_ts as "recvTs"
      from market_1s
      where symbol = ${symbol} and ts > ${marketFrom}::timestamptz and ts <= ${t0}::timestamptz and recv_ts <= ${t0}::timestamptz
      order by ts`,
    sql<Array<Omit<MarkPriceRow, 'tsMs' | 'recvTsMs'> & { ts: Date; recvTs: Date }>>`
      select ts, mark_price as "markPrice", index_price as "indexPrice", funding_rate as "fundingRate", recv_ts as "recvTs"
      from binance_mark_price_1s
      where symbol = ${binanceSymbol} and ts > ${markFrom}::timestamptz and ts <= ${t0}::timestamptz and recv_ts <= ${t0}::timestamptz
      order by ts desc limit 1`,
    sql<Array<Omit<MetricRow, 'tsMs' | 'recvTsMs'> & { ts: Date; recvTs: Date }>>`
      select metric, ts, value, recv_ts as "recvTs"
      from binance_futures_metrics
      where symbol = ${binanceSymbol} and metric in ${sql(metrics)}
        and ts > ${iso(t0Ms - metricLookbackSec * SEC)}::timestamptz and ts <= ${t0}::timestamptz and recv_ts <= ${t0}::timestamptz
      order by metric, ts`,
    sql<Array<Omit<ForceOrderRow, 'tsMs' | 'recvTsMs'> & { ts: Date; recvTs: Date }>>`
      select ts, notional, price, orig_qty as "origQty", recv_ts as "recvTs"
      from binance_force_orders
      where symbol = ${binanceSymbol} and ts > ${liqFrom}::timestamptz and ts <= ${t0}::timestamptz and recv_ts <= ${t0}::timestamptz
      order by ts`,
    sql<Array<{ ts: Date; kind: string; detail: unknown }>>`
      select ts, kind, detail
      from feed_events
      where ts > ${eventsFrom}::timestamptz and ts <= ${t0}::timestamptz and source in ${sql(STREAM_SOURCES)} and kind in ${sql(STREAM_KINDS)}
      order by ts`,
  ]);
  const times = <R extends { ts: Date; recvTs: Date }>({ ts, recvTs, ...rest }: R) => ({ ...rest, tsMs: ts.getTime(), recvTsMs: recvTs.getTime() });
  return {
    market: market.map(times) as MarketBar[],
    markPrice: mark.length ? (times(mark[0]) as MarkPriceRow) : null,
    metrics: metricRows.map(times) as MetricRow[],
    forceOrders: orders.map(times) as ForceOrderRow[],
    streamEvents: events.map((e): StreamEvent => ({ tsMs: e.ts.getTime(), kind: e.kind, detail: e.detail })),
  };
}

/** A snapshot's two rows. Read back, they carry created_at as well. */
export interface SnapshotRows {
  feature: RowOf<'feature_snapshots'>;
  prediction: RowOf<'predictions'>;
}

/** Upserts snapshots and their predictions in one transaction (idempotent on both keys). */
export async function writeSnapshots(db: Db, snapshots: readonly SnapshotRows[]): Promise<void> {
  if (snapshots.length === 0) return;
  await db.sql.begin(async (tx) => {
    await upsert(tx, 'feature_snapshots', snapshots.map((s) => s.feature));
    await upsert(tx, 'predictions', snapshots.map((s) => s.prediction));
  });
}

/**
 * INSERT … ON CONFLICT (key) DO UPDATE of every column but the key and created_at: a rewrite
 * replaces the values and keeps the time the row first existed (the checks' as-of rule reads
 * created_at). Each parameter carries its column's type as a cast, so postgres.js serialises it
 * by that type (objects as JSON for jsonb, Dates for timestamptz).
 */
async function upsert<T extends 'feature_snapshots' | 'predictions'>(tx: Pick<Db['sql'], 'unsafe'>, table: T, rows: readonly RowOf<T>[]): Promise<void> {
  const meta = tableMeta(table);
  const columns = meta.columns.filter((c) => c.name !== 'created_at');
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const values = columns.map((c) => {
      params.push(toParam((row as Record<string, unknown>)[c.prop], `${table}.${c.name}`));
      return `$${params.length}::${c.sqlType}`;
    });
    return `(${values.join(', ')})`;
  });
  const keys = meta.keyProps.map((prop) => meta.columns.find((c) => c.prop === prop)!.name);
  const updates = columns.filter((c) => !keys.includes(c.name)).map((c) => `"${c.name}" = excluded."${c.name}"`);
  await tx.unsafe(
    `insert into ${table} (${columns.map((c) => `"${c.name}"`).join(', ')}) values ${tuples.join(', ')}
     on conflict (${keys.map((k) => `"${k}"`).join(', ')}) do update set ${updates.join(', ')}`,
    params as never[],
  );
}

function toParam(value: unknown, column: string): unknown {
  if (value === undefined) return null;
  // A NaN would be stored as a value; features make missing values null before they get here.
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${column}: refusing to store ${value}`);
  // Everything else goes as is: postgres.js serialises by the parameter's type (JSON for jsonb).
  return value;
}

/** Stored snapshots of a market with ts in (fromMs, toMs] that existed at asOfMs (created_at), ascending. */
export async function readSnapshotTimes(db: Db, symbol: string, fromMs: number, toMs: number, asOfMs: number): Promise<number[]> {
  const rows = await db.sql<Array<{ ts: Date }>>`
    select ts from feature_snapshots
    where symbol = ${symbol} and ts > ${iso(fromMs)}::timestamptz and ts <= ${iso(toMs)}::timestamptz and created_at <= ${iso(asOfMs)}::timestamptz
    order by ts`;
  return rows.map((r) => r.ts.getTime());
}

/** A stored snapshot and the predictions rows of its ts (normally one), keyed by property name; null when absent. */
export async function readSnapshotRows(db: Db, symbol: string, t0Ms: number): Promise<{ feature: Record<string, unknown>; predictions: Record<string, unknown>[] } | null> {
  const ts = iso(t0Ms);
  const [feature] = await db.sql`select * from feature_snapshots where symbol = ${symbol} and ts = ${ts}::timestamptz`;
  if (!feature) return null;
  const predictions = await db.sql`select * from predictions where symbol = ${symbol} and ts = ${ts}::timestamptz order by horizon_sec`;
  return { feature: byProp('feature_snapshots', feature), predictions: predictions.map((p) => byProp('predictions', p)) };
}

function byProp(table: 'feature_snapshots' | 'predictions', row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(tableMeta(table).columns.map((c) => [c.prop, row[c.name] ?? null]));
}

/** Snapshots in (fromMs, toMs] whose inputs_max_recv_ts is after their ts: how many, and the first. */
export async function futureInputs(
  db: Db,
  symbol: string,
  fromMs: number,
  toMs: number,
  asOfMs: number,
): Promise<{ count: number; first: { tsMs: number; inputsMaxRecvTsMs: number } | null }> {
  const rows = await db.sql<Array<{ ts: Date; inputsMaxRecvTs: Date; count: string }>>`
    select ts, inputs_max_recv_ts as "inputsMaxRecvTs", count(*) over () as count
    from feature_snapshots
    where symbol = ${symbol} and ts > ${iso(fromMs)}::timestamptz and ts <= ${iso(toMs)}::timestamptz
      and created_at <= ${iso(asOfMs)}::timestamptz and inputs_max_recv_ts > ts
    order by ts limit 1`;
  const first = rows[0];
  return { count: first ? Number(first.count) : 0, first: first ? { tsMs: first.ts.getTime(), inputsMaxRecvTsMs: first.inputsMaxRecvTs.getTime() } : null };
}
