import { describe, expect, it } from 'vitest';
import { labelTripleBarrier } from '../label-fast.js';
import { labelNaive } from '../label-naive.js';
import { mulberry32, randomWalkPath } from '../synthetic.js';
import { LabelStatus } from '../triple-barrier.js';
import type { TripleBarrierLabels, TripleBarrierOptions } from '../triple-barrier.js';
import { firstDifference } from './support.js';

/** A random labeling problem: small integer-tick prices so prices repeat and sit on barriers. */
function randomCase(seed: number) {
  const random = mulberry32(seed);
  const bars = Math.floor(random() * 400);
  const path = randomWalkPath({
    seed: seed + 1,
    bars,
    sigmaPerSec: 0.002 + random() * 0.02,
    startPrice: 100,
    tickSize: random() < 0.7 ? 1 : undefined,
    gapRate: random() < 0.3 ? 0 : random() * 0.1,
    maxGapSec: 1 + Math.floor(random() * 20),
    missingPriceRate: random() < 0.5 ? 0 : random() * 0.05,
  });
  const horizonSec = 1 + Math.floor(random() * (random() < 0.8 ? 30 : 300));
  let t0Sec: number[] | undefined;
  if (random() < 0.5) {
    // Seconds in and around the data, some without a bar, some repeated, sorted or not.
    const first = bars > 0 ? path.tsSec[0] : 0;
    const span = bars > 0 ? path.tsSec[bars - 1] - first : 0;
    t0Sec = Array.from({ length: Math.floor(random() * 300) }, () => first - 3 + Math.floor(random() * (span + 6)));
    if (random() < 0.5) t0Sec.sort((a, b) => a - b);
  }
  const events = t0Sec?.length ?? bars;
  // r: mostly on the 1% grid (exact hits on integer ticks), some 0 (ties), some arbitrary.
  const halfWidth = Float64Array.from({ length: events }, () => {
    const u = random();
    return u < 0.15 ? 0 : u < 0.75 ? Math.floor(random() * 8) / 100 : random() * 0.1;
  });
  const options: TripleBarrierOptions = { horizonSec, halfWidth, t0Sec };
  return { path, options };
}

/** What a run exercised, to prove the random cases reach every rule. */
function tally(out: TripleBarrierLabels, seen: Map<string, number>): void {
  const add = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
  for (let e = 0; e < out.label.length; e++) {
    const status = out.status[e];
    add(`status ${status}`);
    if (status !== LabelStatus.complete) continue;
    add(`label ${out.label[e]}`);
    const touched = !Number.isNaN(out.touchTsSec[e]);
    if (touched && out.label[e] === 0) add('tie');
    if (touched && out.horizonPriceTsSec[e] < out.labelTsSec[e]) add('touch before missing t0+H');
    if (touched && out.touchTsSec[e] === out.labelTsSec[e]) add('touch at t0+H');
  }
}

describe('labelTripleBarrier equals labelNaive bit for bit', () => {
  it('on 3000 random paths with gaps, missing prices, ties and event lists', () => {
    const seen = new Map<string, number>();
    for (let seed = 1; seed <= 3000; seed++) {
      const { path, options } = randomCase(seed);
      const fast = labelTripleBarrier(path, options);
      const naive = labelNaive(path, options);
      const difference = firstDifference(fast, naive);
      if (difference !== null) expect.fail(`seed ${seed}: ${difference}`);
      tally(naive, seen);
    }
    for (const key of [
      'status 0',
      'status 1',
      'status 2',
      'status 3',
      'label 1',
      'label -1',
      'label 0',
      'tie',
      'touch before missing t0+H',
      'touch at t0+H',
    ]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThan(20);
    }
  });

  it('on long continuous-price paths with long horizons', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const path = randomWalkPath({ seed, bars: 100_000, sigmaPerSec: 1e-4, gapRate: 1e-4, maxGapSec: 30 });
      const options = { horizonSec: 60 * seed * seed, halfWidth: new Float64Array(100_000).fill(0.0005 * seed) };
      const difference = firstDifference(labelTripleBarrier(path, options), labelNaive(path, options));
      expect(difference, `seed ${seed}`).toBeNull();
    }
  });
});

describe('firstDifference (the comparison the tests above rely on)', () => {
  const base = (): TripleBarrierLabels => ({
    label: Int8Array.of(1, 0),
    status: Uint8Array.of(0, 1),
    touchTsSec: Float64Array.of(5, Number.NaN),
    horizonReturn: Float64Array.of(0, Number.NaN),
    horizonPriceTsSec: Float64Array.of(5, Number.NaN),
    labelTsSec: Float64Array.of(5, 6),
  });

  it('reports NaN against a number, 0 against −0 and one ulp', () => {
    expect(firstDifference(base(), base())).toBeNull();
    const nanVsZero = base();
    nanVsZero.horizonReturn[1] = 0;
    expect(firstDifference(base(), nanVsZero)).toBe('horizonReturn[1]: NaN vs 0');
    const negativeZero = base();
    negativeZero.horizonReturn[0] = -0;
    expect(firstDifference(base(), negativeZero)).toMatch(/^horizonReturn\[0\]/);
    const ulp = base();
    ulp.touchTsSec[0] = 5 + 2 ** -50;
    expect(firstDifference(base(), ulp)).toMatch(/^touchTsSec\[0\]/);
    const status = base();
    status.status[1] = LabelStatus.incomplete;
    expect(firstDifference(base(), status)).toBe('status[1]: 1 vs 2');
  });
});
