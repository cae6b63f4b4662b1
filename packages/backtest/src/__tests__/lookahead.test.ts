// lookahead(): a strategy that reads the next candle is caught at the cuts; the shipped strategies
// pass on the same candles.
import { describe, expect, it } from 'vitest';
import { lookahead } from '../lookahead.js';
import { parseParams, type Signals, type Strategy } from '../strategy.js';
import { strategies, strategyNames } from '../strategies/index.js';
import { randomCandles } from './support.js';

/** Deliberately leaky (test-only): enters at t when candle t + 1 closes higher. */
export const peeksNextClose: Strategy<Record<string, never>> = {
  name: 'peeks-next-close',
  describe: 'test only: reads the next candle',
  params: {},
  signals(c): Signals {
    const entry = new Uint8Array(c.length);
    for (let t = 0; t + 1 < c.length; t++) if (c.close[t + 1] > c.close[t]) entry[t] = 1;
    return { entry };
  },
};

describe('lookahead', () => {
  const candles = randomCandles(7, 2000, 'walk');

  it('catches a strategy that reads the candle after t, naming the cut and the signal', () => {
    const r = lookahead(candles, peeksNextClose, {}, { samples: 10 });
    expect(r.cuts.length).toBeGreaterThan(10);
    expect(r.violations.length).toBeGreaterThan(0);
    for (const v of r.violations) {
      // Only the signal at the cut itself can see past it here.
      expect(v).toMatchObject({ index: v.cut, series: 'entry', full: 1, truncated: 0 });
      expect(candles.close[v.cut + 1]).toBeGreaterThan(candles.close[v.cut]);
    }
  });

  it.each(strategyNames)('%s passes', (name) => {
    const strategy: Strategy<any> = strategies[name];
    const r = lookahead(candles, strategy, parseParams(strategy, []), { samples: 10 });
    expect(r.violations).toEqual([]);
    expect(r.compared).toBeGreaterThan(10_000);
  });
});
