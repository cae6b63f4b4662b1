// The naive VolumeZoneBreakout: ../shared/reference/volume-zone-breakout.md steps 1–5 recomputed
// from nothing at every t, written from the reference's rules alone (it shares no code with the
// strategy, only the types). The equivalence tests compare the fast strategy with it, and the
// bench runs it as the same-run baseline; it is not part of the engine's entry point
// (`@cqt/backtest/reference`).
import type { Candles } from '../candles.js';
import type { VolumeZoneBreakoutParams } from '../strategies/volumeZoneBreakout.js';

/** The resistance at every candle (NaN where there is none), each window's profile built from scratch. */
export function naiveResistance(c: Candles, p: VolumeZoneBreakoutParams): Float64Array {
  const res = new Float64Array(c.length).fill(NaN);
  for (let t = p.volume_window; t < c.length; t++) {
    const window: Array<{ l: number; h: number; v: number }> = [];
    for (let i = t - p.volume_window; i < t; i++) {
      window.push(p.include_wicks
        ? { l: c.low[i], h: c.high[i], v: c.volume[i] }
        : { l: Math.min(c.open[i], c.close[i]), h: Math.max(c.open[i], c.close[i]), v: c.volume[i] });
    }
    const min = Math.min(...window.map((w) => w.l));
    const max = Math.max(...window.map((w) => w.h));
    if (min === max) continue;
    const width = (max - min) / p.num_bins;
    const edge = (k: number) => (k === p.num_bins ? max : min + k * width);
    const bins = new Array<number>(p.num_bins).fill(0);
    let total = 0;
    for (const w of window) {
      total += w.v;
      if (w.h === w.l) {
        for (let k = 0; k < p.num_bins; k++) {
          if (w.l >= edge(k) && (w.l < edge(k + 1) || k === p.num_bins - 1)) {
            bins[k] += w.v;
            break;
          }
        }
        continue;
      }
      for (let k = 0; k < p.num_bins; k++) {
        const overlap = Math.max(0, Math.min(w.h, edge(k + 1)) - Math.max(w.l, edge(k)));
        bins[k] += (w.v * overlap) / (w.h - w.l);
      }
    }
    if (total === 0) continue;
    let cum = 0;
    let found = 0;
    for (let k = p.num_bins - 1; k >= 0; k--) {
      cum += bins[k];
      if (cum >= p.top_percentile * total) {
        found = k;
        break;
      }
    }
    res[t] = edge(found);
  }
  return res;
}

/** Step 5: entry at t when high_t ≥ resistance_t × (1 + breakout_buffer). */
export function naiveEntries(c: Candles, p: VolumeZoneBreakoutParams): Uint8Array {
  const res = naiveResistance(c, p);
  const entry = new Uint8Array(c.length);
  for (let t = 0; t < c.length; t++) if (c.high[t] >= res[t] * (1 + p.breakout_buffer)) entry[t] = 1;
  return entry;
}
