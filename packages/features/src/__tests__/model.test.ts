import { describe, expect, it } from 'vitest';
import { LabelStatus, labelTripleBarrier, mulberry32 } from '@cqt/labeling';
import { BROWNIAN_MODEL, BrownianFirstPassage, DISCRETE_MONITORING_BETA, firstExit, loadModel } from '../model.js';

/** erfc to ~1e-15: a positive series for erf below 2.5, a continued fraction above. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 300 && term > 1e-18 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  let fraction = x;
  for (let k = 80; k >= 1; k--) fraction = x + k / 2 / fraction;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / fraction;
}
const normalCdf = (z: number) => 0.5 * erfc(-z / Math.SQRT2);

/**
 * The same first-exit probabilities by the method of images (a different derivation from the
 * model's eigenfunction series): P(exit at +a by T) = Σ_k sign(a + 2kL)·2Φ(−|a + 2kL| / σ√T).
 */
function byImages(sigma: number, a: number, b: number, horizonSec: number) {
  const width = a + b;
  const scale = sigma * Math.sqrt(horizonSec);
  let up = 0;
  let down = 0;
  for (let k = -60; k <= 60; k++) {
    const toUp = a + 2 * k * width;
    const toDown = b + 2 * k * width;
    up += Math.sign(toUp) * 2 * normalCdf(-Math.abs(toUp) / scale);
    down += Math.sign(toDown) * 2 * normalCdf(-Math.abs(toDown) / scale);
  }
  return { pUp: up, pDown: down, pNone: 1 - up - down };
}

const CASES: Array<[sigma: number, up: number, down: number, horizonSec: number]> = [
  [1, 1, 1, 1],
  [1, 1, 2, 0.3],
  [1e-4, 0.0015, 0.0016, 120],
  [1, 0.5, 3, 10],
  [0.02, 0.01, 0.05, 1],
  [2e-4, 0.004, 0.004, 3600],
  [1e-4, 0.001, 0.003, 30],
];

describe('firstExit', () => {
  it.each(CASES)('equals the method-of-images series (σ=%s, a=%s, b=%s, H=%s) and sums to 1', (sigma, a, b, horizonSec) => {
    const exit = firstExit(sigma, a, b, horizonSec);
    const images = byImages(sigma, a, b, horizonSec);
    expect(Math.abs(exit.pUp - images.pUp)).toBeLessThan(1e-11);
    expect(Math.abs(exit.pDown - images.pDown)).toBeLessThan(1e-11);
    expect(Math.abs(exit.pUp + exit.pDown + exit.pNone - 1)).toBeLessThan(1e-15);
  });

  it.each(CASES)('expected exit time equals ∫₀ᴴ P(no exit by t) dt (σ=%s, a=%s, b=%s, H=%s)', (sigma, a, b, horizonSec) => {
    // Simpson's rule over the images' survival function; P(no exit by 0) = 1.
    const steps = 2000;
    const dt = horizonSec / steps;
    const survival = (t: number) => (t === 0 ? 1 : byImages(sigma, a, b, t).pNone);
    let integral = survival(0) + survival(horizonSec);
    for (let i = 1; i < steps; i++) integral += (i % 2 ? 4 : 2) * survival(i * dt);
    integral *= dt / 3;
    expect(Math.abs(firstExit(sigma, a, b, horizonSec).expectedExitSec - integral)).toBeLessThan(1e-6 * horizonSec);
  });

  it('symmetric barriers split evenly; no volatility or far barriers never exit; a long horizon tends to b/(a+b) and E[τ] = ab/σ²', () => {
    const even = firstExit(1e-4, 0.002, 0.002, 120);
    expect(even.pUp).toBe(even.pDown);
    expect(firstExit(0, 0.002, 0.002, 120)).toEqual({ pUp: 0, pDown: 0, pNone: 1, expectedExitSec: 120 });
    expect(firstExit(1e-4, 0.2, 0.2, 120)).toEqual({ pUp: 0, pDown: 0, pNone: 1, expectedExitSec: 120 });
    const long = firstExit(1, 1, 3, 1e4);
    expect(long.pUp).toBeCloseTo(3 / 4, 12);
    expect(long.pNone).toBeLessThan(1e-12);
    expect(long.expectedExitSec).toBeCloseTo(3, 9);
  });

  it('refuses inputs that are not a band', () => {
    expect(() => firstExit(-1, 1, 1, 1)).toThrow(/sigma/);
    expect(() => firstExit(1, 0, 1, 1)).toThrow(/distances/);
    expect(() => firstExit(1, 1, 1, Number.NaN)).toThrow(/horizonSec/);
  });
});

/** Standard normal draws (Box–Muller) from a seeded uniform source. */
function normals(seed: number): () => number {
  const random = mulberry32(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

describe('BrownianFirstPassage', () => {
  // Calibration: simulate driftless Brownian log prices seen once a second (as market_1s is), label
  // them with the real labeler, and compare class frequencies with the predicted probabilities.
  // N = 20 000 paths per setting: one standard error is ≤ 0.0036. The bound is 5 standard errors
  // (a correct model exceeds it with probability < 10⁻⁶ per comparison; the seed is fixed, so the
  // outcome is reproducible anyway) plus 0.005 for the continuity correction, which is asymptotic:
  // against 200 000-path simulations of these settings it was off by at most 0.002.
  it.each([
    [1e-4, 0.0011, 120],
    [1e-4, 0.002, 120],
    [2e-4, 0.001, 60],
    [1e-4, 0.0005, 300],
  ])('is calibrated on synthetic Brownian paths seen every second (σ=%s, r=%s, H=%s)', (sigma, halfWidth, horizonSec) => {
    const paths = 20_000;
    const draw = normals(17);
    // One path per event, separated by a missing second so that no window reaches the next path.
    const segment = horizonSec + 2;
    const tsSec = new Float64Array(paths * (horizonSec + 1));
    const price = new Float64Array(tsSec.length);
    const t0Sec: number[] = [];
    for (let p = 0, i = 0; p < paths; p++) {
      let logPrice = Math.log(1e8);
      t0Sec.push(p * segment);
      for (let s = 0; s <= horizonSec; s++, i++) {
        if (s > 0) logPrice += sigma * draw();
        tsSec[i] = p * segment + s;
        price[i] = Math.exp(logPrice);
      }
    }
    const labels = labelTripleBarrier({ tsSec, price }, { horizonSec, halfWidth: new Float64Array(paths).fill(halfWidth), t0Sec });
    const counts = { up: 0, down: 0, none: 0 };
    for (let e = 0; e < paths; e++) {
      expect(labels.status[e]).toBe(LabelStatus.complete);
      if (labels.label[e] > 0) counts.up++;
      else if (labels.label[e] < 0) counts.down++;
      else counts.none++;
    }
    const predicted = new BrownianFirstPassage().predict({ sigma, halfWidth, horizonSec, costRoundtrip: 0.001 });
    for (const [observed, p] of [
      [counts.up / paths, predicted.pUp],
      [counts.down / paths, predicted.pDown],
      [counts.none / paths, predicted.pNone],
    ]) {
      expect(Math.abs(observed - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / paths) + 0.005);
    }
  });

  it('ev_rate is the round-trip cost over the expected holding time (a driftless model has no edge)', () => {
    const model = new BrownianFirstPassage();
    const input = { sigma: 1e-4, halfWidth: 0.0015, horizonSec: 120, costRoundtrip: 0.0011 };
    const { evRate, pUp, pDown, pNone } = model.predict(input);
    const shift = DISCRETE_MONITORING_BETA * 1e-4;
    const exit = firstExit(1e-4, Math.log1p(0.0015) + shift, -Math.log1p(-0.0015) + shift, 120);
    expect(evRate).toBe(-0.0011 / exit.expectedExitSec);
    expect(evRate).toBeLessThan(-0.0011 / 120);
    expect(pUp + pDown + pNone).toBeCloseTo(1, 15);
    // Barriers at p0·(1 ± r) are closer in log terms above than below.
    expect(pUp).toBeGreaterThan(pDown);
  });

  it('fit scales sigma to the realised horizon variance; save → load round-trips', () => {
    const draw = normals(5);
    const samples = Array.from({ length: 4000 }, () => ({ sigma: 1e-4, horizonSec: 100, horizonReturn: Math.expm1(1.5e-4 * 10 * draw()) }));
    const model = new BrownianFirstPassage();
    model.fit(samples);
    const scale = Number(/volScale=([\d.]+)/.exec(model.version)![1]);
    // 4000 samples: the variance ratio has a relative standard error of √(2/4000) ≈ 2.2 %.
    expect(scale).toBeGreaterThan(1.5 * (1 - 0.05));
    expect(scale).toBeLessThan(1.5 * (1 + 0.05));
    const copy = loadModel(JSON.parse(JSON.stringify(model.save())));
    expect(copy.version).toBe(model.version);
    const input = { sigma: 1e-4, halfWidth: 0.001, horizonSec: 60, costRoundtrip: 0.001 };
    expect(copy.predict(input)).toEqual(model.predict(input));
    expect(() => model.fit(samples.slice(0, 10))).toThrow(/at least 30/);
    expect(() => loadModel({ name: 'magic', version: 1 })).toThrow(new RegExp(BROWNIAN_MODEL));
  });
});
