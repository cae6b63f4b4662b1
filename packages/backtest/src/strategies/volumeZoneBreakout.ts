// VolumeZoneBreakout ("매물대 돌파"): a long entry when candle t's high reaches the resistance of
// the volume profile of the volume_window candles before t. Rules:
// ../shared/reference/volume-zone-breakout.md; numeric definition and the incremental scheme:
// docs/backtest.md.
import type { Candles } from '../candles.js';
import type { Signals, Strategy } from '../strategy.js';

export interface VolumeZoneBreakoutParams {
  volume_window: number;
  num_bins: number;
  top_percentile: number;
  breakout_buffer: number;
  hold_period_bars: number;
  include_wicks: boolean;
}

/** Incremental bins are rebuilt from scratch at least this often, so rounding never accumulates far. */
const REBUILD_EVERY = 256;

/**
 * The resistance at every candle (NaN where there is none), equal to a full recompute of each
 * window's profile. The window's [min, max] comes from monotonic deques; while it stays the same,
 * the bins are updated by taking out the candle that left and adding the one that entered. When
 * the walk's decision is within rounding distance of the threshold, the window is recomputed from
 * scratch in the definition's own order, so ties resolve exactly as a full recompute resolves them.
 */
export interface ResistanceStats {
  /** Windows whose bins were rebuilt from scratch (first window, or its [min, max] changed). */
  rebuilds: number;
  /** Windows updated incrementally. */
  incremental: number;
  /** Incremental windows recomputed because the decision sat within rounding of the threshold. */
  tieRebuilds: number;
}

export function volumeZoneResistance(c: Candles, p: VolumeZoneBreakoutParams, stats?: ResistanceStats): Float64Array {
  const n = c.length;
  const W = p.volume_window;
  const B = p.num_bins;
  const res = new Float64Array(n).fill(NaN);
  if (n <= W) return res;
  const lo = p.include_wicks ? c.low : new Float64Array(n);
  const hi = p.include_wicks ? c.high : new Float64Array(n);
  if (!p.include_wicks) {
    for (let i = 0; i < n; i++) {
      lo[i] = Math.min(c.open[i], c.close[i]);
      hi[i] = Math.max(c.open[i], c.close[i]);
    }
  }
  const vol = c.volume;

  // Sliding min of lo / max of hi over the window [t − W, t − 1]: ring deques of indexes.
  const minQ = new Int32Array(W + 1), maxQ = new Int32Array(W + 1);
  let minHead = 0, minLen = 0, maxHead = 0, maxLen = 0;
  const cap = W + 1;

  const grid = new Grid(B);
  let gridValid = false;
  let steps = 0;
  let total = 0;
  let scale = 0;
  let nonZero = 0;

  const rebuild = (from: number, to: number) => {
    grid.bins.fill(0);
    total = 0;
    nonZero = 0;
    for (let i = from; i < to; i++) {
      grid.spread(lo[i], hi[i], vol[i], 1);
      total += vol[i];
      if (vol[i] !== 0) nonZero++;
    }
    scale = total;
    steps = 0;
  };
  // Walk from the top bin down; returns the bin index, or −1 − index when the decision is too
  // close to the threshold for incremental bins to be trusted.
  const walk = (checkTies: boolean) => {
    const bins = grid.bins;
    const target = p.top_percentile * total;
    let cum = 0, prev = 0, k = B - 1;
    for (; k >= 0; k--) {
      prev = cum;
      cum += bins[k];
      if (cum >= target) break;
    }
    if (k < 0) k = 0; // rounding kept the whole profile a hair under top_percentile = 1
    if (checkTies) {
      const tol = 1e-15 * scale * (steps + W + 2) * (B + 2);
      if (Math.abs(cum - target) <= tol || Math.abs(target - prev) <= tol) return -1 - k;
    }
    return k;
  };

  for (let t = W; t < n; t++) {
    // The window gains candle t − 1 (the first window: every candle before t).
    for (let i = t === W ? 0 : t - 1; i < t; i++) {
      while (minLen > 0 && lo[minQ[(minHead + minLen - 1) % cap]] >= lo[i]) minLen--;
      minQ[(minHead + minLen++) % cap] = i;
      while (maxLen > 0 && hi[maxQ[(maxHead + maxLen - 1) % cap]] <= hi[i]) maxLen--;
      maxQ[(maxHead + maxLen++) % cap] = i;
    }
    while (minQ[minHead] < t - W) (minHead = (minHead + 1) % cap), minLen--;
    while (maxQ[maxHead] < t - W) (maxHead = (maxHead + 1) % cap), maxLen--;
    const wMin = lo[minQ[minHead]];
    const wMax = hi[maxQ[maxHead]];
    if (!(wMax > wMin)) {
      gridValid = false;
      continue;
    }
    const add = t - 1;
    const out = t - W - 1;
    if (gridValid && wMin === grid.min && wMax === grid.max && steps < REBUILD_EVERY) {
      grid.spread(lo[out], hi[out], vol[out], -1);
      grid.spread(lo[add], hi[add], vol[add], 1);
      total += vol[add] - vol[out];
      scale += vol[add] + vol[out];
      if (vol[out] !== 0) nonZero--;
      if (vol[add] !== 0) nonZero++;
      steps++;
      if (stats) stats.incremental++;
    } else {
      grid.set(wMin, wMax);
      gridValid = true;
      rebuild(t - W, t);
      if (stats) stats.rebuilds++;
    }
    if (nonZero === 0) continue;
    let k = walk(steps > 0);
    if (k < 0) {
      if (stats) stats.tieRebuilds++;
      rebuild(t - W, t);
      k = walk(false);
    }
    res[t] = grid.edge(k);
  }
  return res;
}

/** The bins of one window's range: edge k = min + k × width (k < bins), the top edge = max. */
class Grid {
  min = NaN;
  max = NaN;
  width = NaN;
  readonly bins: Float64Array;

  constructor(readonly count: number) {
    this.bins = new Float64Array(count);
  }

  set(min: number, max: number): void {
    this.min = min;
    this.max = max;
    this.width = (max - min) / this.count;
  }

  edge(k: number): number {
    return k === this.count ? this.max : this.min + k * this.width;
  }

  /** The bin holding a price: edge k ≤ price < edge k + 1, the top bin closed. */
  binOf(price: number): number {
    const last = this.count - 1;
    let k = Math.floor((price - this.min) / this.width);
    if (!(k >= 0)) k = 0;
    if (k > last) k = last;
    while (k > 0 && price < this.min + k * this.width) k--;
    while (k < last && price >= this.min + (k + 1) * this.width) k++;
    return k;
  }

  /** Adds (sign 1) or takes out (−1) a candle's volume, spread uniformly over [l, h]. */
  spread(l: number, h: number, v: number, sign: number): void {
    if (v === 0) return;
    const bins = this.bins;
    if (h === l) {
      bins[this.binOf(l)] += sign * v;
      return;
    }
    const k1 = this.binOf(h);
    for (let k = this.binOf(l); k <= k1; k++) {
      const top = k + 1 === this.count ? this.max : this.min + (k + 1) * this.width;
      const bottom = this.min + k * this.width;
      const ov = (h < top ? h : top) - (l > bottom ? l : bottom);
      if (ov > 0) bins[k] += sign * ((v * ov) / (h - l));
    }
  }
}

export const volumeZoneBreakout: Strategy<VolumeZoneBreakoutParams> = {
  name: 'volume-zone-breakout',
  describe: 'long when the high breaks the resistance of the previous candles\' volume profile; exit after hold_period_bars',
  params: {
    volume_window: { type: 'int', default: 10, min: 1, describe: 'candles in the profile: the volume_window candles before the current one' },
    num_bins: { type: 'int', default: 20, min: 1, describe: "equal-width price bins over the window's own [min low, max high]" },
    top_percentile: { type: 'number', default: 0.2, min: 0, max: 1, minExclusive: true, describe: "share of the window's volume, from the highest bin down, that defines the zone" },
    breakout_buffer: { type: 'number', default: 0, min: 0, describe: 'the level is resistance × (1 + buffer)' },
    hold_period_bars: { type: 'int', default: 1, min: 1, describe: 'bars held after entry' },
    include_wicks: { type: 'boolean', default: true, describe: "a candle's range is [low, high]; false: [min(open, close), max(open, close)]" },
  },
  signals(c, p): Signals {
    const res = volumeZoneResistance(c, p);
    const entry = new Uint8Array(c.length);
    const factor = 1 + p.breakout_buffer;
    for (let t = 0; t < c.length; t++) if (c.high[t] >= res[t] * factor) entry[t] = 1;
    return { entry, holdBars: p.hold_period_bars };
  },
};
