// The classic moving-average cross on closes: enter when the fast SMA crosses above the slow one,
// leave when it crosses back below.
import type { Candles } from '../candles.js';
import type { Strategy } from '../strategy.js';

export interface SmaCrossParams {
  fast: number;
  slow: number;
}

/** Simple moving average of closes over `n` candles ending at each t (NaN before n candles). */
export function sma(c: Candles, n: number): Float64Array {
  const out = new Float64Array(c.length).fill(NaN);
  let sum = 0;
  for (let t = 0; t < c.length; t++) {
    sum += c.close[t];
    if (t >= n) sum -= c.close[t - n];
    if (t >= n - 1) out[t] = sum / n;
  }
  return out;
}

export const smaCross: Strategy<SmaCrossParams> = {
  name: 'sma-cross',
  describe: 'long while the fast SMA of closes is above the slow one: enter on the cross up, exit on the cross down',
  params: {
    fast: { type: 'int', default: 10, min: 1, describe: 'candles in the fast SMA' },
    slow: { type: 'int', default: 30, min: 2, describe: 'candles in the slow SMA' },
  },
  check: (p) => (p.fast < p.slow ? null : `fast (${p.fast}) must be less than slow (${p.slow})`),
  signals(c, p) {
    const fast = sma(c, p.fast);
    const slow = sma(c, p.slow);
    const entry = new Uint8Array(c.length);
    const exit = new Uint8Array(c.length);
    for (let t = 1; t < c.length; t++) {
      const was = fast[t - 1] - slow[t - 1], now = fast[t] - slow[t];
      if (!(Number.isFinite(was) && Number.isFinite(now))) continue;
      if (was <= 0 && now > 0) entry[t] = 1;
      else if (was >= 0 && now < 0) exit[t] = 1;
    }
    return { entry, exit };
  },
};
