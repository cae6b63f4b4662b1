import { describe, expect, it } from 'vitest';
import { labelTripleBarrier } from '../label-fast.js';
import { barEndPricePath, pricePath } from '../path.js';
import { mulberry32, randomWalkPath } from '../synthetic.js';
import { statusName } from '../triple-barrier.js';

const T0_MS = Date.UTC(2026, 10, 23, 10, 0, 0);

describe('pricePath', () => {
  it('takes mid, falls back to close, and leaves NaN when neither exists', () => {
    const path = pricePath([
      { ts: T0_MS, mid: 100, close: 99 },
      { ts: new Date(T0_MS + 1000), mid: null, close: 101 },
      { ts: T0_MS + 2000, mid: null, close: null },
    ]);
    expect(Array.from(path.tsSec)).toEqual([T0_MS / 1000, T0_MS / 1000 + 1, T0_MS / 1000 + 2]);
    expect(Array.from(path.price)).toEqual([100, 101, Number.NaN]);
  });

  it('keys each row by its open second', () => {
    expect(pricePath([{ ts: T0_MS + 999, mid: 1, close: null }]).tsSec[0]).toBe(T0_MS / 1000);
  });

  it('gives a path on which a row without any price is a gap', () => {
    const path = pricePath([
      { ts: T0_MS, mid: 100, close: null },
      { ts: T0_MS + 1000, mid: null, close: null },
      { ts: T0_MS + 2000, mid: 200, close: null },
    ]);
    const out = labelTripleBarrier(path, { horizonSec: 2, halfWidth: Float64Array.of(0.1, 0.1, 0.1) });
    expect(statusName(out.status[0])).toBe('gap');
  });
});

describe('barEndPricePath', () => {
  it('places each bar at the end of its second, when its book holds', () => {
    const path = barEndPricePath([
      { ts: T0_MS, mid: 100, close: 99 },
      { ts: T0_MS + 1999, mid: null, close: 101 },
    ]);
    expect(Array.from(path.tsSec)).toEqual([T0_MS / 1000 + 1, T0_MS / 1000 + 2]);
    expect(Array.from(path.price)).toEqual([100, 101]);
  });

  it('gives a label for t0 the bars keyed t0 - 1 s (entry) to t0 + H - 1 s, and touch_ts when the book held', () => {
    const t0 = T0_MS / 1000;
    // Bars keyed t0-1 … t0+3; the jump is in bar t0+2, the book at t0+3.
    const rows = [100, 100, 100, 200, 100].map((mid, i) => ({ ts: (t0 - 1 + i) * 1000, mid, close: null }));
    const label = (horizonSec: number) => labelTripleBarrier(barEndPricePath(rows), { horizonSec, halfWidth: Float64Array.of(0.1), t0Sec: [t0] });
    const short = label(2); // label_ts t0+2: the jump's book (t0+3) is later
    expect([statusName(short.status[0]), short.label[0], short.touchTsSec[0]]).toEqual(['complete', 0, Number.NaN]);
    const exact = label(3); // label_ts t0+3: the jump's book holds exactly then
    expect([statusName(exact.status[0]), exact.label[0], exact.touchTsSec[0]]).toEqual(['complete', 1, t0 + 3]);
  });
});

describe('synthetic paths', () => {
  it('are reproducible from the seed', () => {
    const a = randomWalkPath({ seed: 7, bars: 1000, sigmaPerSec: 1e-3, gapRate: 0.05, missingPriceRate: 0.01 });
    const b = randomWalkPath({ seed: 7, bars: 1000, sigmaPerSec: 1e-3, gapRate: 0.05, missingPriceRate: 0.01 });
    expect(a).toEqual(b);
    const random = mulberry32(1);
    for (let i = 0; i < 1000; i++) {
      const u = random();
      expect(u >= 0 && u < 1).toBe(true);
    }
  });
});
