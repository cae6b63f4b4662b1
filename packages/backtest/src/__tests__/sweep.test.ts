// Grids for `cqt backtest sweep`: the spec forms, every combination, the strategy's rule, the
// ranking, and each refusal as one BacktestInputError naming the spec.
import { describe, expect, it } from 'vitest';
import { BacktestInputError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { smaCross } from '../strategies/smaCross.js';
import { volumeZoneBreakout } from '../strategies/volumeZoneBreakout.js';
import { expandGrid, parseGrid, rankBy } from '../sweep.js';

const vzb = volumeZoneBreakout;

describe('parseGrid / expandGrid', () => {
  it('ranges (inclusive, decimal steps without drift), lists and single values; every combination, first axis slowest', () => {
    const axes = parseGrid(vzb, ['volume_window=5..20:5', 'top_percentile=0.1..0.3:0.1', 'include_wicks=true,false', 'num_bins=12']);
    expect(axes).toEqual([
      { name: 'volume_window', values: [5, 10, 15, 20] },
      { name: 'top_percentile', values: [0.1, 0.2, 0.3] },
      { name: 'include_wicks', values: [true, false] },
      { name: 'num_bins', values: [12] },
    ]);
    const { combos, refused } = expandGrid(vzb, axes);
    expect(refused).toBe(0);
    expect(combos).toHaveLength(24);
    expect(combos[0]).toEqual({ volume_window: 5, num_bins: 12, top_percentile: 0.1, breakout_buffer: 0, hold_period_bars: 1, include_wicks: true });
    expect(combos[1]).toMatchObject({ volume_window: 5, top_percentile: 0.1, include_wicks: false });
    expect(combos[23]).toMatchObject({ volume_window: 20, top_percentile: 0.3, include_wicks: false });
    expect(new Set(combos.map((c) => JSON.stringify(c))).size).toBe(24);
  });

  it("leaves out and counts what the strategy's rule refuses; none left is an error", () => {
    const { combos, refused } = expandGrid(smaCross, parseGrid(smaCross, ['fast=5,20', 'slow=10,30']));
    expect(combos.map((c) => [c.fast, c.slow])).toEqual([[5, 10], [5, 30], [20, 30]]);
    expect(refused).toBe(1);
    expect(() => expandGrid(smaCross, parseGrid(smaCross, ['fast=30', 'slow=10,20']))).toThrow(/no combination of the grid passes sma-cross's rule/);
  });

  it.each([
    ['volume_window=5..60:0', /^invalid --param "volume_window=5\.\.60:0": the step must be > 0$/],
    ['volume_window=60..5:5', /^invalid --param "volume_window=60\.\.5:5": the range ends before it starts$/],
    ['volume_window=a..b', /^invalid --param "volume_window=a\.\.b": a range is from\.\.to:step with numbers$/],
    ['top_percentile=0.1,1.5', /^invalid --param "top_percentile=0\.1,1\.5": "1\.5" is not a number in \(0, 1\]$/],
    ['volume_window=1..2:0.5', /^invalid --param "volume_window=1\.\.2:0\.5": "1\.5" is not a whole number ≥ 1$/],
    ['num_bins=10,,20', /^invalid --param "num_bins=10,,20": an empty value$/],
    ['include_wicks=0..1', /^invalid --param "include_wicks=0\.\.1": a range of a boolean$/],
    ['volume_window', /^invalid --param "volume_window": expected name=values$/],
    ['window=5..10', /^unknown parameter "window" for strategy volume-zone-breakout$/],
  ])('refuses %s with one BacktestInputError', (spec, message) => {
    let caught: unknown;
    try {
      parseGrid(vzb, [spec]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BacktestInputError);
    expect((caught as BacktestInputError).message).toMatch(message);
    expect((caught as BacktestInputError).message).not.toMatch(/\n/);
  });

  it('refuses a parameter given twice and a grid over the limit', () => {
    expect(() => parseGrid(vzb, ['num_bins=5', 'num_bins=6'])).toThrow(/num_bins given twice/);
    expect(() => expandGrid(vzb, parseGrid(vzb, ['volume_window=1..1000', 'num_bins=1..1000']))).toThrow(/^the grid has 1000000 combinations \(volume_window 1000 × num_bins 1000\)$/);
  });
});

describe('rankBy', () => {
  const m = (sharpe: number | null, maxDrawdown: number) => ({ metrics: { sharpe, maxDrawdown } as Metrics });
  it('best first (maxDrawdown lowest first), nulls last, ties in grid order', () => {
    const rs = [m(1, 0.3), m(null, 0.1), m(2, 0.2), m(1, 0.05)];
    expect(rankBy(rs, 'sharpe')).toEqual([rs[2], rs[0], rs[3], rs[1]]);
    expect(rankBy(rs, 'maxDrawdown')).toEqual([rs[3], rs[1], rs[2], rs[0]]);
  });
});
