// The candle tables at the edge: one transaction per page holds the page's candles, its coverage
// and the cursor, so a crash anywhere leaves either all of a page or none of it.
import type { Sql, TransactionSql } from 'postgres';
import { mergeRanges, type Range } from './coverage.js';
import { candleOpenAtOrAfter } from './gaps.js';
import { stepCandles, type Venue } from './timeframes.js';
import type { Candle } from './venues/types.js';

/** Arbitrary constant: the advisory-lock class of "writing a candle series". */
const SERIES_LOCK_ID = 7_357_002;

export interface Series {
  venue: Venue;
  symbol: string;
  timeframe: string;
}

export type CoverageKind = 'queried' | 'exchange_hole' | 'pruned';

export interface CommittedPage {
  /** Closed candles only. */
  candles: Candle[];
  /** The range asked of the venue and closed by its clock. */
  queried: Range;
  /** Runs inside `queried` the venue has no candles for (Binance maintenance). */
  holes: Range[];
  recvMs: number;
}

/** Open time of the newest closed candle slot committed, or null for a new series. */
export async function readCursor(sql: Sql, s: Series): Promise<number | null> {
  const rows = await sql<{ last: Date | null }[]>`
    select last_closed_ts as last from ingest_state where source = ${s.venue} and symbol = ${s.symbol} and timeframe = ${s.timeframe}`;
  return rows[0]?.last ? rows[0].last.getTime() : null;
}

export async function readCoverage(sql: Sql, s: Series, kinds: CoverageKind[] = ['queried', 'exchange_hole', 'pruned']): Promise<Array<Range & { kind: CoverageKind }>> {
  const rows = await sql<{ kind: CoverageKind; from_ts: Date; to_ts: Date }[]>`
    select kind, from_ts, to_ts from candle_coverage
    where venue = ${s.venue} and symbol = ${s.symbol} and timeframe = ${s.timeframe} and kind in ${sql(kinds)}
    order by from_ts`;
  return rows.map((r) => ({ kind: r.kind, fromMs: r.from_ts.getTime(), toMs: r.to_ts.getTime() }));
}

/** Adds a range to a series' coverage of one kind, merged with the ranges it touches. */
async function addCoverage(tx: TransactionSql, s: Series, kind: CoverageKind, range: Range): Promise<void> {
  const touched = await tx<{ from_ts: Date; to_ts: Date }[]>`
    delete from candle_coverage
    where venue = ${s.venue} and symbol = ${s.symbol} and timeframe = ${s.timeframe} and kind = ${kind}
      and from_ts <= ${new Date(range.toMs)} and to_ts >= ${new Date(range.fromMs)}
    returning from_ts, to_ts`;
  const [merged] = mergeRanges([range, ...touched.map((r) => ({ fromMs: r.from_ts.getTime(), toMs: r.to_ts.getTime() }))]);
  await tx`
    insert into candle_coverage (venue, symbol, timeframe, kind, from_ts, to_ts, updated_at)
    values (${s.venue}, ${s.symbol}, ${s.timeframe}, ${kind}, ${new Date(merged.fromMs)}, ${new Date(merged.toMs)}, now())`;
}

/** Every series with a cursor or coverage, optionally of one venue, some symbols, some timeframes. */
export async function listSeries(sql: Sql, filter: { venue?: Venue; symbols?: string[]; timeframes?: string[] } = {}): Promise<Series[]> {
  const rows = await sql<{ venue: Venue; symbol: string; timeframe: string }[]>`
    select source as venue, symbol, timeframe from ingest_state where source in ('upbit', 'binance')
    union
    select venue, symbol, timeframe from candle_coverage
    order by 1, 2, 3`;
  return rows
    .filter((r) => (filter.venue === undefined || r.venue === filter.venue)
      && (!filter.symbols?.length || filter.symbols.includes(r.symbol))
      && (!filter.timeframes?.length || filter.timeframes.includes(r.timeframe)))
    .map((r) => ({ venue: r.venue, symbol: r.symbol, timeframe: r.timeframe }));
}

const seriesLock = (tx: TransactionSql, s: Series) =>
  tx`select pg_advisory_xact_lock(${SERIES_LOCK_ID}, hashtext(${`${s.venue}/${s.symbol}/${s.timeframe}`}))`;

/**
 * Before retention deletes a series' candles opening before cutoffMs: the queried slots up to
 * there become `pruned` too, so they read as deleted history rather than unknown. Written
 * before the delete, so a prune killed half-way leaves rows marked pruned (deleted by the next
 * prune), never deleted rows marked only queried. Returns the pruned ranges added.
 */
export async function markPruned(sql: Sql, s: Series, cutoffMs: number): Promise<Range[]> {
  const endMs = candleOpenAtOrAfter(s.timeframe, cutoffMs);
  return sql.begin(async (tx) => {
    await seriesLock(tx, s);
    const queried = await tx<{ from_ts: Date; to_ts: Date }[]>`
      select from_ts, to_ts from candle_coverage
      where venue = ${s.venue} and symbol = ${s.symbol} and timeframe = ${s.timeframe} and kind = 'queried' and from_ts < ${new Date(endMs)}`;
    const ranges = mergeRanges(queried.map((r) => ({ fromMs: r.from_ts.getTime(), toMs: Math.min(r.to_ts.getTime(), endMs) })));
    for (const range of ranges) await addCoverage(tx, s, 'pruned', range);
    return ranges;
  });
}

/** One page, all or nothing: candles upserted on their key, coverage merged, cursor advanced. */
export async function commitPage(sql: Sql, s: Series, page: CommittedPage): Promise<void> {
  await sql.begin(async (tx) => {
    // Two runs on one series (PostgreSQL) merge coverage one after the other; the embedded store
    // runs one transaction at a time anyway.
    await seriesLock(tx, s);
    if (page.candles.length > 0) {
      const recvTs = new Date(page.recvMs);
      const rows = page.candles.map((c) => ({
        venue: s.venue, symbol: s.symbol, timeframe: s.timeframe, ts: new Date(c.openMs),
        open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume,
        quote_volume: c.quoteVolume, trade_count: c.tradeCount, closed: true, recv_ts: recvTs,
      }));
      // A refetched page (after a crash between fetch and commit) rewrites the same values.
      await tx`
        insert into candles ${tx(rows)}
        on conflict (venue, symbol, timeframe, ts) do update set
          open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume,
          quote_volume = excluded.quote_volume, trade_count = excluded.trade_count, closed = excluded.closed, recv_ts = excluded.recv_ts`;
    }
    await addCoverage(tx, s, 'queried', page.queried);
    for (const hole of page.holes) await addCoverage(tx, s, 'exchange_hole', hole);
    const lastClosed = new Date(stepCandles(s.timeframe, page.queried.toMs, -1));
    // Filling an older gap never moves the cursor back.
    await tx`
      insert into ingest_state (source, symbol, timeframe, last_closed_ts, status, updated_at)
      values (${s.venue}, ${s.symbol}, ${s.timeframe}, ${lastClosed}, 'backfill', now())
      on conflict (source, symbol, timeframe) do update set
        last_closed_ts = greatest(ingest_state.last_closed_ts, excluded.last_closed_ts), status = excluded.status, updated_at = excluded.updated_at`;
  });
}
