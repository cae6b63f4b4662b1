// The backfill loop for one series: the unknown parts of [from, to) (the window minus coverage),
// walked oldest first in pages of the venue's size. Each page is committed with its coverage and
// the cursor in one transaction, so a rerun after kill -9 refetches at most the page in flight.
import type { Sql } from 'postgres';
import { UsageError } from '@cqt/config';
import { missingRuns, subtractRanges, type Range } from './coverage.js';
import { commitPage, readCoverage, readCursor, type Series } from './store.js';
import { candleOpen, openTimes, stepCandles } from './timeframes.js';
import type { CandleClient } from './venues/types.js';

/**
 * A candle counts as closed only this long after its end by the venue's clock: the Date header
 * has whole seconds, and a body computed just before a boundary may carry a later Date.
 */
export const CLOSE_GRACE_MS = 1000;

/** Open time of the first candle not yet closed at serverNowMs: closed candles open before it. */
export function closedEnd(timeframe: string, serverNowMs: number): number {
  return candleOpen(timeframe, serverNowMs - CLOSE_GRACE_MS);
}

/** The exclusive end of the page that starts at sinceMs: the venue's page size, the range end, the closed end. */
export function pageEnd(timeframe: string, sinceMs: number, maxPerPage: number, rangeEndMs: number, closedEndMs: number): number {
  return Math.min(stepCandles(timeframe, sinceMs, maxPerPage), rangeEndMs, closedEndMs);
}

export interface SeriesResult extends Series {
  /** Window start (candle open) and end (exclusive; the closed end when open-ended). */
  from: string;
  to: string;
  candles: number;
  pages: number;
  /** Exchange-hole candles recorded (Binance maintenance). */
  holeCandles: number;
  /** Open time of the newest closed candle slot committed, after the run. */
  cursor: string | null;
}

export interface SeriesOptions {
  /** Window start; default: one candle after the series' cursor. */
  fromMs?: number;
  /** Window end, exclusive; default: the newest closed candle by the venue's clock. */
  toMs?: number;
  /** After each committed page; `done` is the share of the series' window walked so far (0…1). */
  onPage?: (series: Series, page: { candles: number; queried: Range; done: number }) => void;
  /** Stop before the next page (what is committed stays). */
  signal?: AbortSignal;
}

export async function backfillSeries(sql: Sql, client: CandleClient, series: Series, options: SeriesOptions = {}): Promise<SeriesResult> {
  const { timeframe } = series;
  const cursor = await readCursor(sql, series);
  let startMs: number;
  if (options.fromMs !== undefined) startMs = candleOpen(timeframe, options.fromMs);
  else if (cursor !== null) startMs = stepCandles(timeframe, cursor, 1);
  else throw new UsageError(`no history yet for ${series.venue} ${series.symbol} ${timeframe}: nothing to continue from`, 'give --from TIME or --since DURATION (e.g. --since 30d) for the first run');
  const endMs = options.toMs ?? Number.POSITIVE_INFINITY;
  const covered = await readCoverage(sql, series);
  const unknown = subtractRanges({ fromMs: startMs, toMs: endMs }, covered);

  let closedEndMs = Number.POSITIVE_INFINITY;
  let candles = 0;
  let pages = 0;
  let holeCandles = 0;
  for (const range of unknown) {
    for (let sinceMs = range.fromMs; sinceMs < Math.min(range.toMs, closedEndMs) && !options.signal?.aborted; ) {
      const toMs = pageEnd(timeframe, sinceMs, client.maxPerPage, range.toMs, closedEndMs);
      const page = await client.fetchPage(series.symbol, timeframe, sinceMs, toMs);
      closedEndMs = Math.min(closedEndMs, closedEnd(timeframe, page.serverNowMs));
      const queriedTo = Math.min(toMs, closedEndMs);
      if (queriedTo <= sinceMs) break;
      // Only closed candles inside the asked window: the forming one is never stored.
      const rows = page.candles.filter((c) => c.openMs >= sinceMs && c.openMs < queriedTo && c.openMs === candleOpen(timeframe, c.openMs));
      const holes = client.missingIsHole ? missingRuns(openTimes(timeframe, sinceMs, queriedTo), new Set(rows.map((c) => c.openMs)), queriedTo) : [];
      const queried = { fromMs: sinceMs, toMs: queriedTo };
      await commitPage(sql, series, { candles: rows, queried, holes, recvMs: page.recvMs });
      candles += rows.length;
      pages++;
      holeCandles += holes.reduce((n, h) => n + openTimes(timeframe, h.fromMs, h.toMs).length, 0);
      const windowEndMs = Math.min(endMs, closedEndMs);
      options.onPage?.(series, { candles: rows.length, queried, done: Math.min(1, (queriedTo - startMs) / Math.max(1, windowEndMs - startMs)) });
      sinceMs = queriedTo;
    }
  }
  const after = await readCursor(sql, series);
  const shownEndMs = Number.isFinite(endMs) ? endMs : closedEndMs;
  return {
    ...series,
    from: new Date(startMs).toISOString(),
    to: Number.isFinite(shownEndMs) ? new Date(shownEndMs).toISOString() : new Date(startMs).toISOString(),
    candles, pages, holeCandles,
    cursor: after === null ? null : new Date(after).toISOString(),
  };
}
