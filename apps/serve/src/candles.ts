// /api/candles: stored closed candles of one series (the candles table `cqt backfill` fills) in
// [from, to), as columns, with the series' freshness judged as `cqt status` judges it (its
// timeframe's policy, candleSeriesStatus in packages/checks) and what the coverage table says of
// the range: slots never asked of the venue (unknown), exchange holes and pruned ranges
// (seriesGaps in packages/candles; a handful of coverage rows per series, so it is cheap).
import { candleSeriesStatus, type SourceStatus } from '@cqt/checks';
import { SYMBOL_FORM, VENUE_TIMEFRAMES, candleOpenAtOrAfter, isTimeframe, readCoverage, seriesGaps, stepCandles, type Venue } from '@cqt/candles';
import { UsageError } from '@cqt/config';
import type { Db } from '@cqt/db';
import { integerParam, one, refuseUnknown, required, timeParam, type Query } from './params.js';

export const DEFAULT_CANDLES = 1000;
export const MAX_CANDLES = 10_000;

export interface CandlesRequest {
  venue: Venue;
  symbol: string;
  timeframe: string;
  /** Open times in [fromMs, toMs), both on the timeframe's grid. */
  fromMs: number;
  toMs: number;
  limit: number;
  /** Without `from`: the newest `limit` candle slots before `to`. */
  newest: boolean;
  asOfMs: number;
}

interface Span {
  from: string;
  to: string;
}

export interface CandlesAnswer {
  venue: Venue;
  symbol: string;
  timeframe: string;
  from: string;
  to: string;
  limit: number;
  count: number;
  /** More candles lie in [from, to) after the last one returned: ask again from `next`. */
  truncated: boolean;
  next: string | null;
  freshness: Pick<SourceStatus, 'class' | 'lagSec' | 'newestTs' | 'policy' | 'degraded' | 'reasons'> & { asOf: string };
  coverage: { unknown: Span[]; holes: Span[]; pruned: Span[] };
  candles: { ts: number[]; open: number[]; high: number[]; low: number[]; close: number[]; volume: number[]; quoteVolume: Array<number | null>; tradeCount: Array<number | null> };
}

export function parseCandlesRequest(query: Query, nowMs: number): CandlesRequest {
  refuseUnknown(query, ['venue', 'symbol', 'timeframe', 'from', 'to', 'limit', 'asOf']);
  const venueText = required(one(query, 'venue'), 'venue', 'venue=upbit or venue=binance');
  if (venueText !== 'upbit' && venueText !== 'binance') throw new UsageError(`invalid venue "${venueText}"`, 'venue=upbit or venue=binance');
  const venue: Venue = venueText;
  const form = SYMBOL_FORM[venue];
  const symbol = required(one(query, 'symbol'), 'symbol', `e.g. symbol=${form.example}`).toUpperCase();
  if (!form.re.test(symbol)) throw new UsageError(`invalid symbol "${symbol}" for ${venue}`, `${venue} symbols look like ${form.example}`);
  const timeframe = required(one(query, 'timeframe'), 'timeframe', `choose from ${VENUE_TIMEFRAMES[venue].join(' ')}`);
  if (!isTimeframe(venue, timeframe)) throw new UsageError(`invalid timeframe "${timeframe}" for ${venue}`, `choose from ${VENUE_TIMEFRAMES[venue].join(' ')}`);
  const limit = integerParam(query, 'limit', { min: 1, max: MAX_CANDLES }) ?? DEFAULT_CANDLES;
  const asOfMs = timeParam(query, 'asOf') ?? nowMs;
  // A candle belongs to [from, to) by its open time; both ends move up to the grid.
  const toMs = candleOpenAtOrAfter(timeframe, timeParam(query, 'to') ?? asOfMs);
  const fromGiven = timeParam(query, 'from');
  const fromMs = fromGiven === undefined ? stepCandles(timeframe, toMs, -limit) : candleOpenAtOrAfter(timeframe, fromGiven);
  if (!(fromMs < toMs)) throw new UsageError(`from ${iso(fromGiven ?? fromMs)} is not before to ${iso(toMs)}`, 'give from < to (candle open times; to is exclusive)');
  return { venue, symbol, timeframe, fromMs, toMs, limit, newest: fromGiven === undefined, asOfMs };
}

export async function readCandles(db: Db, request: CandlesRequest): Promise<CandlesAnswer> {
  const { venue, symbol, timeframe, fromMs, toMs, limit, asOfMs } = request;
  const series = { venue, symbol, timeframe };
  // One more than asked tells whether the range holds more (the primary key's order: an index range).
  const rows = await db.sql.unsafe(
    `select ts, open, high, low, close, volume, quote_volume, trade_count from candles
      where venue = $1 and symbol = $2 and timeframe = $3 and ts >= $4::timestamptz and ts < $5::timestamptz and closed
      order by ts limit $6`,
    [venue, symbol, timeframe, iso(fromMs), iso(toMs), limit + 1],
  );
  const truncated = rows.length > limit;
  const kept = truncated ? rows.slice(0, limit) : rows;
  const candles: CandlesAnswer['candles'] = { ts: [], open: [], high: [], low: [], close: [], volume: [], quoteVolume: [], tradeCount: [] };
  for (const r of kept) {
    candles.ts.push((r.ts as Date).getTime());
    candles.open.push(Number(r.open));
    candles.high.push(Number(r.high));
    candles.low.push(Number(r.low));
    candles.close.push(Number(r.close));
    candles.volume.push(Number(r.volume));
    candles.quoteVolume.push(r.quote_volume === null ? null : Number(r.quote_volume));
    candles.tradeCount.push(r.trade_count === null ? null : Number(r.trade_count));
  }
  const next = truncated ? (rows[limit].ts as Date).getTime() : null;
  // Coverage of the slots answered for: up to the next candle when cut short.
  const gaps = seriesGaps({ fromMs, toMs: next ?? toMs }, await readCoverage(db.sql, series));
  const status = await candleSeriesStatus(db.sql, series, asOfMs);
  const spans = (ranges: Array<{ fromMs: number; toMs: number }>) => ranges.map((r) => ({ from: iso(r.fromMs), to: iso(r.toMs) }));
  return {
    venue,
    symbol,
    timeframe,
    from: iso(fromMs),
    to: iso(toMs),
    limit,
    count: kept.length,
    truncated,
    next: next === null ? null : iso(next),
    freshness: { asOf: iso(asOfMs), class: status.class, lagSec: status.lagSec, newestTs: status.newestTs, policy: status.policy, degraded: status.degraded, reasons: status.reasons },
    coverage: { unknown: spans(gaps.unknown), holes: spans(gaps.holes), pruned: spans(gaps.pruned) },
    candles,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
