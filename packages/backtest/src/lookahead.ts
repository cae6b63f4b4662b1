// Lookahead analysis (after freqtrade's): a strategy's signals at or before t must not depend on
// candles after t. The strategy is rerun on the candles truncated after sampled t, and every
// signal at or before t is compared with the full run's.
import { sliceCandles, type Candles } from './candles.js';
import type { Strategy } from './strategy.js';

export interface LookaheadOptions {
  /** Cut points spread evenly over the candles; as many again at the full run's entry signals. Default 20. */
  samples?: number;
}

export interface LookaheadViolation {
  /** The last candle kept (the run saw candles 0 … cut). */
  cut: number;
  /** The first signal at or before the cut that differs. */
  index: number;
  series: 'entry' | 'exit';
  full: number;
  truncated: number;
}

export interface LookaheadResult {
  cuts: number[];
  /** Signals compared (per series, summed over the cuts). */
  compared: number;
  violations: LookaheadViolation[];
}

export function lookahead<P>(candles: Candles, strategy: Strategy<P>, params: P, options: LookaheadOptions = {}): LookaheadResult {
  const n = candles.length;
  const samples = options.samples ?? 20;
  const full = strategy.signals(candles, params);
  const cuts = new Set<number>();
  for (let s = 1; s <= samples && n > 1; s++) cuts.add(Math.min(n - 2, Math.floor((s * (n - 1)) / (samples + 1))));
  // A leak shows where the strategy signals: cut exactly at entry signals too.
  const entries: number[] = [];
  for (let t = 0; t < n - 1; t++) if (full.entry[t]) entries.push(t);
  for (let s = 0; s < samples && entries.length; s++) cuts.add(entries[Math.floor((s * entries.length) / samples)]);
  const sorted = [...cuts].filter((t) => t >= 0).sort((a, b) => a - b);

  const violations: LookaheadViolation[] = [];
  let compared = 0;
  for (const cut of sorted) {
    const part = strategy.signals(sliceCandles(candles, cut + 1), params);
    const series: Array<['entry' | 'exit', Uint8Array | undefined, Uint8Array | undefined]> = [['entry', full.entry, part.entry], ['exit', full.exit, part.exit]];
    for (const [name, a, b] of series) {
      if (!a && !b) continue;
      for (let t = 0; t <= cut; t++) {
        const x = a ? a[t] : 0, y = b ? b[t] ?? 0 : 0;
        compared++;
        if (x !== y) {
          violations.push({ cut, index: t, series: name, full: x, truncated: y });
          break;
        }
      }
    }
  }
  return { cuts: sorted, compared, violations };
}
