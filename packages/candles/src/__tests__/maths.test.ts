// The pure parts: timeframe grid, closed-candle rule, page ends, coverage arithmetic.
import { describe, expect, it } from 'vitest';
import { CLOSE_GRACE_MS, candleCount, candleOpen, candleOpenAtOrAfter, closedEnd, missingRuns, openTimes, pageEnd, seriesGaps, stepCandles, subtractRanges } from '../index.js';

const at = (iso: string) => Date.parse(iso);

describe('timeframes', () => {
  it('weeks open on Monday, months on the 1st, both step by the calendar', () => {
    expect(candleOpen('1w', at('2026-01-15T10:00:00Z'))).toBe(at('2026-01-12T00:00:00Z'));
    expect(candleOpen('1M', at('2026-02-28T23:59:59Z'))).toBe(at('2026-02-01T00:00:00Z'));
    expect(stepCandles('1M', at('2026-01-01T00:00:00Z'), 13)).toBe(at('2027-02-01T00:00:00Z'));
    expect(openTimes('1d', at('2026-01-01T12:00:00Z'), at('2026-01-04T00:00:00Z'))).toEqual([at('2026-01-02T00:00:00Z'), at('2026-01-03T00:00:00Z')]);
  });

  it('a candle is closed once its end has passed on the venue clock, with the grace for whole-second Date headers', () => {
    const open = at('2026-01-15T10:04:00Z');
    // At 10:05:00 by a whole-second Date the 10:04 candle is not yet taken as closed; a second later it is.
    expect(closedEnd('1m', at('2026-01-15T10:05:00Z'))).toBe(open);
    expect(closedEnd('1m', at('2026-01-15T10:04:59.999Z') + CLOSE_GRACE_MS)).toBe(open);
    expect(closedEnd('1m', at('2026-01-15T10:05:00Z') + CLOSE_GRACE_MS)).toBe(at('2026-01-15T10:05:00Z'));
    expect(pageEnd('1m', open, 200, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)).toBe(open + 200 * 60_000);
    expect(pageEnd('1m', open, 200, open + 5 * 60_000, open + 3 * 60_000)).toBe(open + 3 * 60_000);
  });
});

describe('coverage', () => {
  it('unknown = window minus covered ranges, touching ranges merged', () => {
    const covered = [{ fromMs: 20, toMs: 30 }, { fromMs: 30, toMs: 40 }, { fromMs: 60, toMs: 200 }, { fromMs: 0, toMs: 5 }];
    expect(subtractRanges({ fromMs: 10, toMs: 100 }, covered)).toEqual([{ fromMs: 10, toMs: 20 }, { fromMs: 40, toMs: 60 }]);
    expect(subtractRanges({ fromMs: 60, toMs: 100 }, covered)).toEqual([]);
    expect(subtractRanges({ fromMs: 50, toMs: Number.POSITIVE_INFINITY }, [{ fromMs: 0, toMs: 70 }])).toEqual([{ fromMs: 70, toMs: Number.POSITIVE_INFINITY }]);
  });

  it('missing runs inside an answered page, to the next present candle or the page end', () => {
    expect(missingRuns([1, 2, 3, 4, 5, 6], new Set([1, 4, 5]), 7)).toEqual([{ fromMs: 2, toMs: 4 }, { fromMs: 6, toMs: 7 }]);
    expect(missingRuns([1, 2], new Set([1, 2]), 3)).toEqual([]);
  });
});

describe('gaps', () => {
  it('unknown = window minus every kind of coverage; holes and pruned clipped to the window', () => {
    const coverage = [
      { kind: 'pruned' as const, fromMs: 0, toMs: 30 },
      { kind: 'queried' as const, fromMs: 0, toMs: 50 },
      { kind: 'exchange_hole' as const, fromMs: 40, toMs: 45 },
      { kind: 'queried' as const, fromMs: 70, toMs: 90 },
    ];
    expect(seriesGaps({ fromMs: 10, toMs: 100 }, coverage)).toEqual({
      window: { fromMs: 10, toMs: 100 },
      unknown: [{ fromMs: 50, toMs: 70 }, { fromMs: 90, toMs: 100 }],
      holes: [{ fromMs: 40, toMs: 45 }],
      pruned: [{ fromMs: 10, toMs: 30 }],
    });
    // Pruned history alone is known: not a gap.
    expect(seriesGaps({ fromMs: 0, toMs: 30 }, [{ kind: 'pruned', fromMs: 0, toMs: 30 }]).unknown).toEqual([]);
    expect(seriesGaps({ fromMs: 5, toMs: 5 }, []).unknown).toEqual([]);
  });

  it('counts candle slots on fixed and calendar grids; rounds a cutoff up to the next open', () => {
    expect(candleCount('1m', { fromMs: at('2026-01-01T00:00:00Z'), toMs: at('2026-01-01T02:00:00Z') })).toBe(120);
    expect(candleCount('1M', { fromMs: at('2026-01-01T00:00:00Z'), toMs: at('2027-01-01T00:00:00Z') })).toBe(12);
    expect(candleOpenAtOrAfter('1h', at('2026-01-01T10:00:00Z'))).toBe(at('2026-01-01T10:00:00Z'));
    expect(candleOpenAtOrAfter('1h', at('2026-01-01T10:00:01Z'))).toBe(at('2026-01-01T11:00:00Z'));
  });
});
