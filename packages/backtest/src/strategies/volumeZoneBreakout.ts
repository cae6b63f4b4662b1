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
 * window's profile. The window's [min, max] comes from monotonic deques; each candle's volume goes
 * into its two end bins and, as one difference-array entry, its interior bins (O(1) per candle,
 * O(bins) per window). While the range stays the same, the candle that left is taken out and the
 * one that entered added. That arithmetic differs from the definition's in the last bits, so when
 * the walk's decision lies within a rounding bound of the threshold, the window is recomputed in
 * the definition's own order: ties resolve exactly as a full recompute resolves them.
 */
export interface ResistanceStats {
  /** Windows whose bins were rebuilt from scratch (first window, or its [min, max] changed). */
  rebuilds: number;
  /** Windows updated incrementally. */
  incremental: number;
  /** Windows recomputed exactly because the decision sat within rounding of the threshold. */
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

  // The window's bins from the fast state (partial end bins + interior densities).
  const rebuild = (from: number, to: number) => {
    grid.clear();
    total = 0;
    nonZero = 0;
    for (let i = from; i < to; i++) {
      grid.add(lo[i], hi[i], vol[i], 1);
      total += vol[i];
      if (vol[i] !== 0) nonZero++;
    }
    scale = total;
    steps = 0;
  };
  // Walk from the top bin down; returns the bin index, or −1 − index when the decision lies within
  // the rounding bound of the fast bins (either side of the threshold).
  const walk = (windowTotal: number, checkTies: boolean) => {
    const bins = grid.bins;
    const target = p.top_percentile * windowTotal;
    let cum = 0, prev = 0, k = B - 1;
    for (; k >= 0; k--) {
      prev = cum;
      cum += bins[k];
      if (cum >= target) break;
    }
    if (k < 0) k = 0; // rounding kept the whole profile a hair under top_percentile = 1
    if (checkTies) {
      // Each overlap is a difference of prices: its rounding is relative to the price, not to
      // the bin width, hence the price / width factor.
      const tol = 1e-15 * scale * (steps + W + 2) * (B + 2) * (1 + Math.abs(grid.max) / grid.width);
      if (Math.abs(cum - target) <= tol || Math.abs(target - prev) <= tol) return -1 - k;
    }
    return k;
  };
  // The definition itself, in its order: every bin summed over the window's candles in order.
  const exactWalk = (from: number, to: number) => {
    grid.bins.fill(0);
    let exactTotal = 0;
    for (let i = from; i < to; i++) {
      grid.addExact(lo[i], hi[i], vol[i]);
      exactTotal += vol[i];
    }
    return walk(exactTotal, false);
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
      grid.add(lo[out], hi[out], vol[out], -1);
      grid.add(lo[add], hi[add], vol[add], 1);
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
    grid.materialise();
    let k = walk(total, true);
    if (k < 0) {
      if (stats) stats.tieRebuilds++;
      k = exactWalk(t - W, t);
    }
    res[t] = grid.edge(k);
  }
  return res;
}

/**
 * The bins of one window's range: edge k = min + k × width (k < bins), the top edge = max. Two
 * states: the fast one (`partial` for a candle's end bins, `diff` for the equal share of each
 * interior bin as a difference array, O(1) per candle) materialised into `bins` once per window,
 * and the exact one (`addExact`, the definition's arithmetic) written straight into `bins`.
 */
class Grid {
  min = NaN;
  max = NaN;
  width = NaN;
  readonly bins: Float64Array;
  private readonly partial: Float64Array;
  private readonly diff: Float64Array;

  constructor(readonly count: number) {
    this.bins = new Float64Array(count);
    this.partial = new Float64Array(count);
    this.diff = new Float64Array(count + 1);
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

  clear(): void {
    this.partial.fill(0);
    this.diff.fill(0);
  }

  /** Adds (sign 1) or takes out (−1) a candle's volume, spread uniformly over [l, h], in the fast state. */
  add(l: number, h: number, v: number, sign: number): void {
    if (v === 0) return;
    const k0 = this.binOf(l);
    const k1 = h === l ? k0 : this.binOf(h);
    if (k0 === k1) {
      this.partial[k0] += sign * v;
      return;
    }
    const perPrice = (sign * v) / (h - l);
    this.partial[k0] += perPrice * (this.edge(k0 + 1) - l);
    this.partial[k1] += perPrice * (h - this.edge(k1));
    if (k1 > k0 + 1) {
      const share = perPrice * this.width;
      this.diff[k0 + 1] += share;
      this.diff[k1] -= share;
    }
  }

  materialise(): void {
    let run = 0;
    for (let k = 0; k < this.count; k++) {
      run += this.diff[k];
      this.bins[k] = this.partial[k] + run;
    }
  }

  /** Adds a candle's volume to `bins` exactly as the definition computes it. */
  addExact(l: number, h: number, v: number): void {
    if (v === 0) return;
    const bins = this.bins;
    if (h === l) {
      bins[this.binOf(l)] += v;
      return;
    }
    const k1 = this.binOf(h);
    for (let k = this.binOf(l); k <= k1; k++) {
      const top = k + 1 === this.count ? this.max : this.min + (k + 1) * this.width;
      const bottom = this.min + k * this.width;
      const ov = (h < top ? h : top) - (l > bottom ? l : bottom);
      if (ov > 0) bins[k] += (v * ov) / (h - l);
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
