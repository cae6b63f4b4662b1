// Gap maths for one series: within a window of candle open times, which parts are unknown
// (never answered by the venue: not queried, not an exchange hole, not pruned), and where the
// exchange holes and pruned ranges lie. Pure; the store and the venue are the caller's.
import { mergeRanges, subtractRanges, type Range } from './coverage.js';
import type { CoverageKind } from './store.js';
import { candleOpen, stepCandles } from './timeframes.js';

export interface SeriesGaps {
  window: Range;
  /** Slots nobody has asked the venue about (or whose answer was never committed). */
  unknown: Range[];
  /** Slots the venue answered without candles (maintenance, before listing): not fetched again. */
  holes: Range[];
  /** Slots whose candles retention deleted. */
  pruned: Range[];
}

/** Intersection of sorted ranges with a window. */
function clip(ranges: readonly Range[], window: Range): Range[] {
  return mergeRanges(ranges)
    .map((r) => ({ fromMs: Math.max(r.fromMs, window.fromMs), toMs: Math.min(r.toMs, window.toMs) }))
    .filter((r) => r.toMs > r.fromMs);
}

export function seriesGaps(window: Range, coverage: ReadonlyArray<Range & { kind: CoverageKind }>): SeriesGaps {
  const of = (kind: CoverageKind) => coverage.filter((c) => c.kind === kind);
  return {
    window,
    unknown: window.toMs > window.fromMs ? subtractRanges(window, coverage) : [],
    holes: clip(of('exchange_hole'), window),
    pruned: clip(of('pruned'), window),
  };
}

/** Candle slots in [fromMs, toMs) (both on the timeframe's grid). */
export function candleCount(timeframe: string, range: Range): number {
  if (timeframe !== '1M') {
    const stepMs = stepCandles(timeframe, 0, 1);
    return Math.max(0, Math.round((range.toMs - range.fromMs) / stepMs));
  }
  let n = 0;
  for (let t = range.fromMs; t < range.toMs; t = stepCandles(timeframe, t, 1)) n++;
  return n;
}

/** The first candle open at or after tsMs. */
export function candleOpenAtOrAfter(timeframe: string, tsMs: number): number {
  const open = candleOpen(timeframe, tsMs);
  return open === tsMs ? open : stepCandles(timeframe, open, 1);
}
