// The fast VolumeZoneBreakout (its resistance and its signals) against a naive full recompute of
// every window's profile, written from the reference's rules alone (src/reference, which shares no
// code with the strategy; the bench runs it too); plus cases computed by hand.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@cqt/labeling';
import { candlesFromRows, type Candles } from '../candles.js';
import { naiveResistance } from '../reference/naiveVolumeZone.js';
import { breakoutEntries, volumeZoneBreakout, volumeZoneResistance, type BreakoutStats, type ResistanceStats, type VolumeZoneBreakoutParams } from '../strategies/volumeZoneBreakout.js';
import { MINUTE_MS, T0_MS, randomCandles, type Regime } from './support.js';

const defaults: VolumeZoneBreakoutParams = { volume_window: 10, num_bins: 20, top_percentile: 0.2, breakout_buffer: 0, hold_period_bars: 1, include_wicks: true };

function firstDifference(a: Float64Array, b: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('volumeZoneResistance equals a full recompute', () => {
  it('on 3,000 seeded candle sets: walks, integer grids with exact ties, flat windows, banded ranges, tiny bins at a high price', () => {
    const stats: ResistanceStats = { rebuilds: 0, incremental: 0, tieRebuilds: 0 };
    const entryStats: BreakoutStats = { byRange: 0, byVolume: 0, exact: 0 };
    const regimes: Regime[] = ['walk', 'grid', 'flat', 'banded', 'tight'];
    let signals = 0, resistances = 0, noResistance = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const rnd = mulberry32(seed * 7919);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
      const regime = regimes[seed % regimes.length];
      const c = randomCandles(seed, 30 + Math.floor(rnd() * 100), regime);
      const p: VolumeZoneBreakoutParams = {
        volume_window: pick([1, 2, 3, 5, 10, 20]),
        num_bins: pick([1, 2, 3, 4, 5, 8, 20, 50]),
        top_percentile: pick([0.1, 0.2, 0.25, 0.3, 0.5, 0.75, 1]),
        breakout_buffer: pick([0, 0, 0.001, 0.01]),
        hold_period_bars: 1,
        include_wicks: rnd() < 0.7,
      };
      const fast = volumeZoneResistance(c, p, stats);
      const naive = naiveResistance(c, p);
      const at = firstDifference(fast, naive);
      if (at >= 0) expect({ seed, regime, p, at, fast: fast[at], naive: naive[at] }).toEqual({ seed, regime, p, at, fast: naive[at], naive: naive[at] });
      const entry = breakoutEntries(c, p, entryStats);
      expect(volumeZoneBreakout.signals(c, p).entry).toEqual(entry);
      for (let t = 0; t < c.length; t++) {
        expect(entry[t]).toBe(c.high[t] >= naive[t] * (1 + p.breakout_buffer) ? 1 : 0);
        signals += entry[t];
        if (Number.isNaN(naive[t])) noResistance++;
        else resistances++;
      }
    }
    // The sets exercise what they claim to: both paths, tie recomputes, windows without resistance, signals.
    expect(stats.incremental).toBeGreaterThan(5_000);
    expect(stats.rebuilds).toBeGreaterThan(5_000);
    expect(stats.tieRebuilds).toBeGreaterThan(0);
    // The signals: windows the range decides, windows the volume above one edge decides, and
    // windows that sum sat too close to the threshold to call (summed exactly).
    expect(entryStats.byRange).toBeGreaterThan(5_000);
    expect(entryStats.byVolume).toBeGreaterThan(20_000);
    expect(entryStats.exact).toBeGreaterThan(100);
    expect(noResistance).toBeGreaterThan(1000);
    expect(resistances).toBeGreaterThan(50_000);
    expect(signals).toBeGreaterThan(5_000);
  });

  it('on one long banded series (incremental windows for hundreds of bars in a row) and one long tight series', () => {
    const c = randomCandles(42, 20_000, 'banded');
    const p = { ...defaults, volume_window: 60 };
    const stats: ResistanceStats = { rebuilds: 0, incremental: 0, tieRebuilds: 0 };
    const fast = volumeZoneResistance(c, p, stats);
    expect(firstDifference(fast, naiveResistance(c, p))).toBe(-1);
    expect(stats.incremental).toBeGreaterThan(stats.rebuilds);
    const tight = randomCandles(43, 20_000, 'tight');
    expect(firstDifference(volumeZoneResistance(tight, defaults), naiveResistance(tight, defaults))).toBe(-1);
    for (const [series, params] of [[c, p], [tight, defaults]] as const) {
      const naive = naiveResistance(series, params);
      const expected = Uint8Array.from(naive, (r, t) => (series.high[t] >= r * (1 + params.breakout_buffer) ? 1 : 0));
      expect(breakoutEntries(series, params)).toEqual(expected);
    }
  });
});

describe('volumeZoneResistance by hand', () => {
  const candles = (rows: Array<[number, number, number, number, number]>): Candles =>
    candlesFromRows(rows.map(([open, high, low, close, volume], i) => ({ tsMs: T0_MS + i * MINUTE_MS, open, high, low, close, volume })));

  it('window of 2, 2 bins: the resistance is the lower edge of the bin where the top-down volume reaches the share', () => {
    const c = candles([
      [10, 12, 10, 11, 4], // range [10, 12]
      [13, 14, 12, 13, 2], // range [12, 14]
      [12.5, 12.8, 12.2, 12.6, 3], // t=2: window [10, 14], bins [10, 12) 4 and [12, 14] 2; 0.3 × 6 = 1.8 ≤ 2 → 12
      [12, 11.9, 11.5, 11.8, 1], // t=3: window [12, 14], bins [12, 13) 1 + 3 = 4 and [13, 14] 1; 0.3 × 5 = 1.5 > 1 → 12
    ]);
    const p = { ...defaults, volume_window: 2, num_bins: 2, top_percentile: 0.3 };
    expect(Array.from(volumeZoneResistance(c, p))).toEqual([NaN, NaN, 12, 12]);
    // 12.8 ≥ 12 at t=2; 11.9 < 12 at t=3.
    expect(Array.from(volumeZoneBreakout.signals(c, p).entry)).toEqual([0, 0, 1, 0]);
    // With a 10 % buffer the level is 13.2: no breakout.
    expect(Array.from(volumeZoneBreakout.signals(c, { ...p, breakout_buffer: 0.1 }).entry)).toEqual([0, 0, 0, 0]);
    // With a share of 0.5 (3 > 2 at the top) the walk reaches the lower bin at t=2: resistance 10.
    expect(volumeZoneResistance(c, { ...p, top_percentile: 0.5 })[2]).toBe(10);
  });

  it('a zero-height candle at the top edge puts its volume in the top bin; a flat window has no resistance', () => {
    const c = candles([
      [10, 10, 10, 10, 1],
      [14, 14, 14, 14, 5], // zero height at the window's max: all 5 in the top bin
      [10, 14, 10, 12, 4], // spread 2 / 2 over [10, 12) and [12, 14]
      [11, 11, 11, 11, 1],
      [11, 11, 11, 11, 1],
      [11, 11, 11, 11, 1],
      [11, 11, 11, 11, 1], // t=6: window of candles 3..5 is flat at 11: none
    ]);
    const p = { ...defaults, volume_window: 3, num_bins: 2, top_percentile: 0.5 };
    const res = volumeZoneResistance(c, p);
    // t=3: window candles 0..2, [10, 14]; bins [10, 12) 1 + 2 = 3, [12, 14] 5 + 2 = 7; 0.5 × 10 ≤ 7 → 12.
    expect(res[3]).toBe(12);
    // Without wicks candle 2's body is [10, 12]: bins 1 + 4 = 5 and 5; 0.5 × 10 = 5 ≤ 5 at the top → 12.
    expect(volumeZoneResistance(c, { ...p, include_wicks: false })[3]).toBe(12);
    expect(res[6]).toBeNaN();
  });

  it('fewer candles than the window, or a window without volume: no resistance, no signal', () => {
    const c = candles([[10, 11, 9, 10, 0], [10, 12, 9, 11, 0], [11, 13, 10, 12, 0]]);
    expect(Array.from(volumeZoneResistance(c, { ...defaults, volume_window: 2 }))).toEqual([NaN, NaN, NaN]);
    expect(Array.from(volumeZoneResistance(c, defaults))).toEqual([NaN, NaN, NaN]);
  });
});
