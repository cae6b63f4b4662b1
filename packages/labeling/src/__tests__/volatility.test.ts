import { describe, expect, it } from 'vitest';
import { ewmaSigma } from '../volatility.js';
import { bars, secondsFrom } from './support.js';

const x = 0.001;
const up = Math.exp(x);

describe('ewmaSigma', () => {
  it('is NaN before the first return and 0 on a flat price', () => {
    expect(Array.from(ewmaSigma(secondsFrom(0, [100, 100, 100]), 10))).toEqual([Number.NaN, 0, 0]);
  });

  it('equals |r| when every 1 s log return has the same size', () => {
    const sigma = ewmaSigma(secondsFrom(0, [100, 100 * up, 100, 100 * up, 100]), 3);
    for (let i = 1; i < 5; i++) expect(sigma[i]).toBeCloseTo(x, 15);
  });

  it('weights observations by 2^(−age/halflife), normalised by the weight total', () => {
    // halflife 1: the older squared return weighs half of the newer one.
    const a = Math.log(101 / 100);
    const b = Math.log(99 / 101);
    const sigma = ewmaSigma(secondsFrom(0, [100, 101, 99]), 1);
    expect(sigma[1]).toBeCloseTo(Math.abs(a), 15);
    expect(sigma[2]).toBeCloseTo(Math.sqrt((0.5 * a * a + b * b) / 1.5), 15);
  });

  it('scales a return across a gap of Δt seconds to per-second variance r²/Δt', () => {
    // 2x over 4 seconds is x per √second: sigma does not move.
    const path = bars([[0, 100], [1, 100 * up], [5, 100 * up ** 3]]);
    const sigma = ewmaSigma(path, 5);
    expect(sigma[2]).toBeCloseTo(x, 15);
  });

  it('carries the estimate over a bar without price and measures the next return from the last price', () => {
    const sigma = ewmaSigma(secondsFrom(0, [100, 100 * up, null, 100 * up ** 2]), 5);
    expect(sigma[2]).toBe(sigma[1]);
    // A log return of x over 2 seconds is one observation of variance x²/2, mixed with x².
    const decay = 0.5 ** (1 / 5);
    expect(sigma[3]).toBeCloseTo(Math.sqrt((decay * x * x + (x * x) / 2) / (decay + 1)), 15);
  });

  it('rejects a halflife that is not a positive finite number', () => {
    for (const halflife of [0, -1, Number.NaN, Infinity]) {
      expect(() => ewmaSigma(secondsFrom(0, [1, 2]), halflife)).toThrow(/halflifeSec/);
    }
  });
});
