// The buy-and-hold baseline's final cash, computed without the bar loop, is exactly what the
// engine realises running the buy-and-hold strategy with the same costs.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@cqt/labeling';
import { sliceCandles } from '../candles.js';
import { buyAndHoldFinalCash, runEngine } from '../engine.js';
import { buyAndHold } from '../strategies/buyAndHold.js';
import { randomCandles, type Regime } from './support.js';

describe('buyAndHoldFinalCash', () => {
  it('equals the engine running buy-and-hold, bit for bit, on 600 seeded sets (1 and 2 candles, clamped fills, zero costs)', () => {
    const regimes: Regime[] = ['walk', 'grid', 'flat', 'banded', 'tight'];
    let compared = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const rnd = mulberry32(seed * 31);
      const full = randomCandles(seed, 60, regimes[seed % regimes.length]);
      const c = seed % 20 === 0 ? sliceCandles(full, 1 + (seed % 40 === 0 ? 1 : 0)) : full;
      const costs = { cash: 1000 * (1 + rnd()), feeRate: rnd() < 0.2 ? 0 : rnd() * 0.002, slippageRate: rnd() < 0.2 ? 0.05 : rnd() * 0.001 };
      const engine = runEngine(c, buyAndHold.signals(c, {}), costs).finalCash;
      expect(buyAndHoldFinalCash(c, costs)).toBe(engine);
      if (engine !== costs.cash) compared++;
    }
    expect(compared).toBeGreaterThan(500);
  });
});
