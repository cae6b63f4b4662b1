import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../artifact.js';
import { CLASS_COUNT } from '../dataset.js';
import { lbfgs } from '../lbfgs.js';
import { fitLogReg, logRegObjective, logRegProba, standardise, standardiser } from '../logreg.js';
import { datasetOf, gaussian, logisticSample, prng } from './synthetic.js';

// Columns sum to zero over classes: the parametrisation the L2 penalty picks among equivalent ones.
const TRUE_COEF = [
  [1.2, -0.8, 0.0, 0.5],
  [-0.4, 1.0, -0.6, -0.9],
  [-0.8, -0.2, 0.6, 0.4],
];
const TRUE_INTERCEPT = [0.3, -0.1, -0.2];

describe('logistic regression objective', () => {
  it('has the gradient of its finite differences', () => {
    const data = logisticSample(TRUE_COEF, TRUE_INTERCEPT, 200, 11);
    const d = data.featureNames.length;
    const { mean, scale } = standardiser(data.x, data.rows, d);
    const f = logRegObjective(standardise(data.x, data.rows, mean, scale), data.rows, d, data.y, 0.05);
    const normal = gaussian(prng(3));
    const theta = Float64Array.from({ length: CLASS_COUNT * (d + 1) }, () => normal() * 0.7);
    const grad = new Float64Array(theta.length);
    f(theta, grad);
    const scratch = new Float64Array(theta.length);
    const h = 1e-6;
    for (let p = 0; p < theta.length; p++) {
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[p] += h;
      minus[p] -= h;
      const numeric = (f(plus, scratch) - f(minus, scratch)) / (2 * h);
      expect(Math.abs(numeric - grad[p])).toBeLessThan(1e-7 * Math.max(1, Math.abs(numeric)));
    }
    // The check can fail: a wrong gradient entry is caught.
    const wrong = Float64Array.from(grad);
    wrong[2] += 1e-4;
    const plus = Float64Array.from(theta);
    const minus = Float64Array.from(theta);
    plus[2] += h;
    minus[2] -= h;
    expect(Math.abs((f(plus, scratch) - f(minus, scratch)) / (2 * h) - wrong[2])).toBeGreaterThan(1e-5);
  });

  it('L-BFGS reaches the minimum of a quadratic and says why it stopped', () => {
    const target = Float64Array.from([3, -2, 0.5, 10]);
    const weights = [1, 10, 100, 0.1];
    const result = lbfgs((x, g) => {
      let v = 0;
      for (let i = 0; i < x.length; i++) {
        v += 0.5 * weights[i] * (x[i] - target[i]) ** 2;
        g[i] = weights[i] * (x[i] - target[i]);
      }
      return v;
    }, new Float64Array(4));
    expect(result.converged).toBe(true);
    expect(['gradient', 'value']).toContain(result.reason);
    for (let i = 0; i < 4; i++) expect(result.x[i]).toBeCloseTo(target[i], 6);
  });
});

describe('fitLogReg', () => {
  it('recovers the generating coefficients of a known model', () => {
    const data = logisticSample(TRUE_COEF, TRUE_INTERCEPT, 20_000, 7);
    const fit = fitLogReg(data, { l2: 0 });
    expect(fit.fit.converged).toBe(true);
    // Coefficients are per standard deviation of x: on x's own scale they are coef / scale.
    for (let k = 0; k < CLASS_COUNT; k++) {
      for (let j = 0; j < 4; j++) expect(Math.abs(fit.coef[k][j] / fit.scale[j] - TRUE_COEF[k][j])).toBeLessThan(0.08);
      const interceptOnRawScale = fit.intercept[k] - fit.coef[k].reduce((s, w, j) => s + (w * fit.mean[j]) / fit.scale[j], 0);
      expect(Math.abs(interceptOnRawScale - TRUE_INTERCEPT[k])).toBeLessThan(0.08);
    }
    // And it would notice a different model: the fitted weights are far from a perturbed W.
    expect(Math.abs(fit.coef[0][0] - (TRUE_COEF[0][0] + 0.5))).toBeGreaterThan(0.3);
  });

  it('separates a separable case confidently, with L2 keeping the weights finite', () => {
    const rows = 600;
    const x = new Float64Array(rows);
    const y = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      y[i] = i % 3;
      x[i] = [2, -2, 0][y[i]] + ((i % 7) - 3) * 0.1;
    }
    const data = datasetOf(['x'], x, y);
    const fit = fitLogReg(data, { l2: 1e-3 });
    expect(fit.fit.converged).toBe(true);
    const p = logRegProba(fit, data.x, rows);
    let hits = 0;
    for (let i = 0; i < rows; i++) if (p[i * 3 + y[i]] > 0.5) hits++;
    expect(hits).toBe(rows);
    expect(fit.coef.flat().every(Number.isFinite)).toBe(true);
  });

  it('is deterministic: the same data gives the same bytes', () => {
    const a = fitLogReg(logisticSample(TRUE_COEF, TRUE_INTERCEPT, 3000, 5));
    const b = fitLogReg(logisticSample(TRUE_COEF, TRUE_INTERCEPT, 3000, 5));
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    const c = fitLogReg(logisticSample(TRUE_COEF, TRUE_INTERCEPT, 3000, 6));
    expect(canonicalJson(c)).not.toBe(canonicalJson(a));
  });

  it('treats a missing value as the training mean', () => {
    const data = logisticSample(TRUE_COEF, TRUE_INTERCEPT, 2000, 9);
    const fit = fitLogReg(data);
    const row = Float64Array.from([NaN, 0.5, -1, 2]);
    const atMean = Float64Array.from([fit.mean[0], 0.5, -1, 2]);
    expect(Array.from(logRegProba(fit, row, 1))).toEqual(Array.from(logRegProba(fit, atMean, 1)));
  });
});
