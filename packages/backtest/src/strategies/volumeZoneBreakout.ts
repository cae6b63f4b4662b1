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
  const res = new Float64Array(c.length).fill(NaN);
  scan(c, p, stats, res);
  return res;
}

/** The candles' ranges: [low, high], or the bodies without wicks (two new columns). */
function ranges(c: Candles, includeWicks: boolean): { lo: Float64Array; hi: Float64Array } {
  if (includeWicks) return { lo: c.low, hi: c.high };
  const n = c.length;
  const lo = new Float64Array(n), hi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lo[i] = Math.min(c.open[i], c.close[i]);
    hi[i] = Math.max(c.open[i], c.close[i]);
  }
  return { lo, hi };
}

/** The resistance at each t into `res` (NaN stays where there is none). */
function scan(c: Candles, p: VolumeZoneBreakoutParams, stats: ResistanceStats | undefined, res: Float64Array): void {
  const n = c.length;
  const W = p.volume_window;
  const B = p.num_bins;
  if (n <= W) return;
  const { lo, hi } = ranges(c, p.include_wicks);
  const vol = c.volume;
  const share = p.top_percentile;
  let rebuilds = 0, incremental = 0, tieRebuilds = 0;

  const range = new SlidingRange(lo, hi, W);

  // One hot loop with every piece of state in a local (no closures over mutable state, no
  // per-window calls that V8 may not inline): the bins of the window's range (edge k = gMin + k ×
  // gWidth, the top edge gMax), the fast state (partial end bins + a difference array of interior
  // shares) and its materialised bins.
  const bins = new Float64Array(B);
  const partial = new Float64Array(B);
  const diff = new Float64Array(B + 1);
  let gMin = NaN, gMax = NaN, gWidth = NaN, gInv = NaN;
  let gridValid = false;
  let steps = 0, total = 0, scale = 0, nonZero = 0;

  for (let t = W; t < n; t++) {
    // The window gains candle t − 1 (the first window: every candle before t).
    for (let i = t === W ? 0 : t - 1; i < t; i++) range.push(i);
    range.dropBefore(t - W);
    const wMin = range.min();
    const wMax = range.max();
    if (!(wMax > wMin)) {
      gridValid = false;
      continue;
    }
    const add = t - 1;
    const out = t - W - 1;
    if (gridValid && wMin === gMin && wMax === gMax && steps < REBUILD_EVERY) {
      spread(partial, diff, B, gMin, gMax, gWidth, gInv, lo[out], hi[out], vol[out], -1);
      spread(partial, diff, B, gMin, gMax, gWidth, gInv, lo[add], hi[add], vol[add], 1);
      total += vol[add] - vol[out];
      scale += vol[add] + vol[out];
      if (vol[out] !== 0) nonZero--;
      if (vol[add] !== 0) nonZero++;
      steps++;
      incremental++;
    } else {
      // The window's bins from the fast state, from scratch.
      gMin = wMin;
      gMax = wMax;
      gWidth = (wMax - wMin) / B;
      gInv = 1 / gWidth;
      gridValid = true;
      for (let k = 0; k < B; k++) partial[k] = diff[k] = 0;
      diff[B] = 0;
      total = 0;
      nonZero = 0;
      for (let i = t - W; i < t; i++) {
        const v = vol[i];
        spread(partial, diff, B, gMin, gMax, gWidth, gInv, lo[i], hi[i], v, 1);
        total += v;
        if (v !== 0) nonZero++;
      }
      scale = total;
      steps = 0;
      rebuilds++;
    }
    if (nonZero === 0) continue;
    let run = 0;
    for (let k = 0; k < B; k++) {
      run += diff[k];
      bins[k] = partial[k] + run;
    }
    // Walk from the top bin down. When the decision lies within the rounding bound of the fast
    // bins (either side of the threshold), recompute the window in the definition's own order.
    // Each overlap is a difference of prices: its rounding is relative to the price, not to the
    // bin width, hence the price / width factor.
    let k = walk(bins, B, share * total);
    const target = share * total;
    const tol = 1e-15 * scale * (steps + W + 2) * (B + 2) * (1 + Math.abs(gMax) / gWidth);
    if (Math.abs(walkCum - target) <= tol || Math.abs(target - walkPrev) <= tol) {
      tieRebuilds++;
      bins.fill(0);
      let exactTotal = 0;
      for (let i = t - W; i < t; i++) {
        addExact(bins, B, gMin, gMax, gWidth, gInv, lo[i], hi[i], vol[i]);
        exactTotal += vol[i];
      }
      k = walk(bins, B, share * exactTotal);
    }
    res[t] = k === B ? gMax : gMin + k * gWidth;
  }
  if (stats) {
    stats.rebuilds += rebuilds;
    stats.incremental += incremental;
    stats.tieRebuilds += tieRebuilds;
  }
}

/** How `breakoutEntries` decided its windows (for the tests: every path is exercised). */
export interface BreakoutStats {
  /** Decided by the window's [min, max] and bin edges alone (high_t at or above the top bin's lower edge × factor: a signal; below min × factor: none). */
  byRange: number;
  /** Decided by the volume above one bin edge, summed in one pass over the window. */
  byVolume: number;
  /** That sum sat within its rounding bound of the threshold: the bins summed in the definition's order. */
  exact: number;
}

/**
 * The entry signals, high_t ≥ resistance_t × (1 + buffer), without building the profile. Bins are
 * laid over each window's own [min, max], which on a random walk changes on about two bars in
 * three, so a sliding profile is rebuilt nearly every bar; the signal needs one number of it.
 * The walk stops at the first bin from the top whose cumulative volume reaches share × total, and
 * its lower edge × factor is ≤ high_t exactly for the bins k ≤ j (edges rise with k), so:
 *   signal ⇔ the walk stops at or below j ⇔ the volume of bins j + 1 … B − 1 < share × total.
 * Those bins' edges partition [edge_{j+1}, max], so their volume is each candle's volume ×
 * overlap([l, h], [edge_{j+1}, max]) / (h − l) (zero height: all of it if its price ≥ edge_{j+1})
 * — one pass over the window, no bins. The definition sums the same overlaps bin by bin; both
 * sums round differently in the last bits (each term within 3 ulps, each sum within its length
 * in ulps, relative to the volume since every overlap is one subtraction of the shared edges), so
 * within (2W + 2B + 16) × 2⁻⁵² × total of the threshold the window is summed in the definition's
 * own order: ties resolve exactly as a full recompute resolves them. Sliding state: the window's
 * [min, max] (monotonic deques) and its count of candles with volume. O(W) per bar, no allocation
 * in the loop.
 */
export function breakoutEntries(c: Candles, p: VolumeZoneBreakoutParams, stats?: BreakoutStats): Uint8Array {
  const n = c.length;
  const W = p.volume_window;
  const B = p.num_bins;
  const entry = new Uint8Array(n);
  if (n <= W) return entry;
  const factor = 1 + p.breakout_buffer;
  const share = p.top_percentile;
  const high = c.high;
  const vol = c.volume;
  const { lo, hi } = ranges(c, p.include_wicks);
  const tolPerVolume = (2 * W + 2 * B + 16) * 2 ** -52;
  const bins = new Float64Array(B);
  // Each window candle's volume per unit of price (0 for a zero-height candle, whose volume is a
  // point mass at its price), computed once as it enters rather than once per window. A mirrored
  // ring: candle i sits at i mod cap and again cap further on, so any window reads it contiguously
  // (a column of n would cost more in fresh pages than the divisions it holds).
  const cap = W + 1;
  const density = new Float64Array(2 * cap);
  let slot = 0; // (t − W) mod cap: the window's first candle
  let enter = 0; // the entering candle's index mod cap
  let byRange = 0, byVolume = 0, exact = 0;

  const range = new SlidingRange(lo, hi, W);
  // Candles in the window with volume, and those of them with zero height.
  let nonZero = 0, points = 0;

  for (let t = W; t < n; t++) {
    // The window [t − W, t − 1] gains candle t − 1 (the first window: every candle before t) and
    // loses candle t − W − 1.
    for (let i = t === W ? 0 : t - 1; i < t; i++) {
      range.push(i);
      const d = hi[i] > lo[i] ? vol[i] / (hi[i] - lo[i]) : 0;
      density[enter] = density[enter + cap] = d;
      enter = wrap(enter + 1, cap);
      if (vol[i] !== 0) {
        nonZero++;
        if (hi[i] === lo[i]) points++;
      }
    }
    const out = t - W - 1;
    if (out >= 0 && vol[out] !== 0) {
      nonZero--;
      if (hi[out] === lo[out]) points--;
    }
    range.dropBefore(t - W);
    if (t > W) slot = wrap(slot + 1, cap);
    const min = range.min();
    const max = range.max();
    // A flat window or one without volume has no resistance.
    if (!(max > min) || nonZero === 0) continue;
    const h = high[t];
    // The resistance is an edge in [min, max] (min + k × width with k < B never rounds above max).
    if (h >= max * factor) {
      entry[t] = 1;
      byRange++;
      continue;
    }
    if (h < min * factor) {
      byRange++;
      continue;
    }
    const width = (max - min) / B;
    // j: the highest bin whose lower edge (as the definition computes it) × factor ≤ high_t.
    let j = Math.floor((h / factor - min) / width);
    if (!(j >= 0)) j = 0;
    if (j > B - 1) j = B - 1;
    while (j > 0 && h < (min + j * width) * factor) j--;
    while (j < B - 1 && h >= (min + (j + 1) * width) * factor) j++;
    if (j === B - 1) {
      entry[t] = 1; // the walk never stops above the top bin
      byRange++;
      continue;
    }
    const edge = min + (j + 1) * width;
    // Branch-free: a candle below the edge adds 0 × its density.
    let total = 0, above = 0;
    for (let i = t - W, k = slot; i < t; i++, k++) {
      total += vol[i];
      above += density[k] * Math.max(0, hi[i] - Math.max(lo[i], edge));
    }
    if (points > 0) for (let i = t - W; i < t; i++) if (hi[i] === lo[i] && lo[i] >= edge) above += vol[i];
    const target = share * total;
    const tol = tolPerVolume * total;
    let signal: boolean;
    if (above + tol < target) signal = true;
    else if (above - tol >= target) signal = false;
    else {
      // Too close to call: the definition's bins, summed from the top down to bin j + 1.
      bins.fill(0);
      for (let i = t - W; i < t; i++) addExact(bins, B, min, max, width, 1 / width, lo[i], hi[i], vol[i]);
      let cum = 0;
      for (let k = B - 1; k > j; k--) cum += bins[k];
      signal = cum < target;
      exact++;
    }
    if (signal) entry[t] = 1;
    byVolume++;
  }
  if (stats) {
    stats.byRange += byRange;
    stats.byVolume += byVolume;
    stats.exact += exact;
  }
  return entry;
}

// The walk's cumulative volume at the chosen bin and just above it (read by the tie check).
let walkCum = 0, walkPrev = 0;

/** Walks from the top bin down: the first bin at which the cumulative volume reaches target. */
function walk(bins: Float64Array, B: number, target: number): number {
  let cum = 0, prev = 0, k = B - 1;
  for (; k >= 0; k--) {
    prev = cum;
    cum += bins[k];
    if (cum >= target) break;
  }
  walkCum = cum;
  walkPrev = prev;
  return k < 0 ? 0 : k; // rounding kept the whole profile a hair under top_percentile = 1
}

/**
 * The least low and greatest high of a sliding window of candles: monotonic deques of indexes in
 * rings (positions wrap by a compare, not %: an integer division per access was a hot spot).
 * Small methods on one class, so V8 inlines them into the loops that call them.
 */
class SlidingRange {
  private readonly cap: number;
  private readonly minQ: Int32Array;
  private readonly maxQ: Int32Array;
  private minHead = 0;
  private minLen = 0;
  private maxHead = 0;
  private maxLen = 0;

  constructor(private readonly lo: Float64Array, private readonly hi: Float64Array, window: number) {
    this.cap = window + 1;
    this.minQ = new Int32Array(this.cap);
    this.maxQ = new Int32Array(this.cap);
  }

  /** Candle i enters the window (indexes rise). */
  push(i: number): void {
    const { lo, hi, minQ, maxQ, cap } = this;
    while (this.minLen > 0 && lo[minQ[wrap(this.minHead + this.minLen - 1, cap)]] >= lo[i]) this.minLen--;
    minQ[wrap(this.minHead + this.minLen++, cap)] = i;
    while (this.maxLen > 0 && hi[maxQ[wrap(this.maxHead + this.maxLen - 1, cap)]] <= hi[i]) this.maxLen--;
    maxQ[wrap(this.maxHead + this.maxLen++, cap)] = i;
  }

  /** The candles before `first` leave the window. */
  dropBefore(first: number): void {
    while (this.minQ[this.minHead] < first) (this.minHead = wrap(this.minHead + 1, this.cap)), this.minLen--;
    while (this.maxQ[this.maxHead] < first) (this.maxHead = wrap(this.maxHead + 1, this.cap)), this.maxLen--;
  }

  min(): number {
    return this.lo[this.minQ[this.minHead]];
  }

  max(): number {
    return this.hi[this.maxQ[this.maxHead]];
  }
}

/** i in [0, 2 × cap) → i mod cap. */
const wrap = (i: number, cap: number) => (i >= cap ? i - cap : i);

/**
 * The bin holding a price: edge k ≤ price < edge k + 1, the top bin closed. The first guess only
 * saves steps (the loops below settle k against the edges themselves), so it may multiply by the
 * reciprocal instead of dividing.
 */
function binOf(price: number, B: number, min: number, width: number, invWidth: number): number {
  const last = B - 1;
  let k = Math.floor((price - min) * invWidth);
  if (!(k >= 0)) k = 0;
  if (k > last) k = last;
  while (k > 0 && price < min + k * width) k--;
  while (k < last && price >= min + (k + 1) * width) k++;
  return k;
}

/**
 * Adds (sign 1) or takes out (−1) a candle's volume, spread uniformly over [l, h], in the fast
 * state: its two end bins in `partial`, the equal share of each interior bin as one
 * difference-array entry (O(1) per candle).
 */
function spread(partial: Float64Array, diff: Float64Array, B: number, min: number, max: number, width: number, invWidth: number, l: number, h: number, v: number, sign: number): void {
  if (v === 0) return;
  const k0 = binOf(l, B, min, width, invWidth);
  const k1 = h === l ? k0 : binOf(h, B, min, width, invWidth);
  if (k0 === k1) {
    partial[k0] += sign * v;
    return;
  }
  const perPrice = (sign * v) / (h - l);
  partial[k0] += perPrice * ((k0 + 1 === B ? max : min + (k0 + 1) * width) - l);
  partial[k1] += perPrice * (h - (k1 === B ? max : min + k1 * width));
  if (k1 > k0 + 1) {
    const share = perPrice * width;
    diff[k0 + 1] += share;
    diff[k1] -= share;
  }
}

/** Adds a candle's volume to `bins` exactly as the definition computes it. */
function addExact(bins: Float64Array, B: number, min: number, max: number, width: number, invWidth: number, l: number, h: number, v: number): void {
  if (v === 0) return;
  if (h === l) {
    bins[binOf(l, B, min, width, invWidth)] += v;
    return;
  }
  const k1 = binOf(h, B, min, width, invWidth);
  for (let k = binOf(l, B, min, width, invWidth); k <= k1; k++) {
    const top = k + 1 === B ? max : min + (k + 1) * width;
    const bottom = min + k * width;
    const ov = (h < top ? h : top) - (l > bottom ? l : bottom);
    if (ov > 0) bins[k] += (v * ov) / (h - l);
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
    return { entry: breakoutEntries(c, p), holdBars: p.hold_period_bars };
  },
};
