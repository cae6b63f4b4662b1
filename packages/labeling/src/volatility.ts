import { checkedSeconds } from './path.js';
import type { PricePath } from './path.js';

/**
 * Per-second volatility sigma[i]: square root of an exponentially weighted mean of squared log
 * returns between consecutive priced bars, using prices up to and including bar i (read it at
 * the last bar whose recv_ts ≤ t0 to stay point-in-time). Zero mean is assumed, as usual for 1 s
 * returns.
 *
 * - Weights halve every `halflifeSec` observations (alpha = 1 − 2^(−1/halflifeSec)) and are
 *   normalised by their sum (pandas `ewm(halflife, adjust=True).mean()` of squared returns), so
 *   the first estimates are not biased towards zero.
 * - A return across a gap of Δt seconds counts as one observation of per-second variance r²/Δt:
 *   the move made while the feed was down is neither lost nor taken for a 1-second jump, and a
 *   single gap return does not outweigh the history (as a time-decayed weight would after a long
 *   gap). While the feed is continuous, observations are seconds.
 * - NaN before the first return; a bar without price carries the previous estimate.
 */
export function ewmaSigma(path: PricePath, halflifeSec: number): Float64Array {
  if (!(halflifeSec > 0 && halflifeSec < Infinity)) {
    throw new RangeError(`halflifeSec must be finite and > 0, got ${halflifeSec}`);
  }
  const ts = checkedSeconds(path);
  const { price } = path;
  const decay = 0.5 ** (1 / halflifeSec);
  const sigma = new Float64Array(ts.length);
  let weightedSum = 0;
  let weightTotal = 0;
  let current = Number.NaN;
  let prev = -1;
  for (let i = 0; i < ts.length; i++) {
    if (!Number.isNaN(price[i])) {
      if (prev >= 0) {
        const r = Math.log(price[i] / price[prev]);
        weightedSum = decay * weightedSum + (r * r) / (ts[i] - ts[prev]);
        weightTotal = decay * weightTotal + 1;
        current = Math.sqrt(weightedSum / weightTotal);
      }
      prev = i;
    }
    sigma[i] = current;
  }
  return sigma;
}
