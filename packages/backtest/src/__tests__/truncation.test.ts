// No strategy looks ahead: the signals at or before t are the same whether or not the candles
// after t exist (the check `cqt backtest lookahead` will run on any strategy).
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@cqt/labeling';
import { sliceCandles } from '../candles.js';
import { parseParams, type Strategy } from '../strategy.js';
import { strategies, strategyNames } from '../strategies/index.js';
import { randomCandles } from './support.js';

describe('signals are unchanged by truncating the candles', () => {
  it.each(strategyNames)('%s on 200 seeded sets, cut at random points', (name) => {
    const strategy: Strategy<any> = strategies[name];
    const params = parseParams(strategy, name === 'volume-zone-breakout' ? ['volume_window=5', 'num_bins=8'] : name === 'sma-cross' ? ['fast=3', 'slow=8'] : []);
    let compared = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = mulberry32(seed);
      const c = randomCandles(seed, 120, seed % 2 ? 'walk' : 'grid');
      const full = strategy.signals(c, params);
      for (let cut = 0; cut < 5; cut++) {
        const k = 1 + Math.floor(rnd() * (c.length - 1));
        const part = strategy.signals(sliceCandles(c, k), params);
        expect(Array.from(part.entry)).toEqual(Array.from(full.entry.subarray(0, k)));
        expect(part.exit && Array.from(part.exit)).toEqual(full.exit && Array.from(full.exit.subarray(0, k)));
        compared += k;
      }
    }
    expect(compared).toBeGreaterThan(50_000);
  });
});
