// Multinomial logistic regression on standardised features with an L2 penalty, fitted by
// full-batch L-BFGS from all-zero coefficients (deterministic: same data, same bytes).
//
// Objective (mean over n rows, K = 3 classes, weights w_k ∈ R^d on standardised features z,
// intercepts b_k unpenalised):
//   L(W, b) = −(1/n) Σ_i log softmax(W z_i + b)_{y_i} + (λ/2) Σ_k ‖w_k‖²
//   ∂L/∂w_k = (1/n) Σ_i (p_ik − [y_i = k]) z_i + λ w_k,   ∂L/∂b_k = (1/n) Σ_i (p_ik − [y_i = k])
// Standardisation: z = (x − mean) / scale with the training rows' mean and standard deviation
// (scale 1 where a feature is constant); a missing value becomes z = 0, the training mean.
import { CLASS_COUNT, type Dataset } from './dataset.js';
import { lbfgs, LBFGS_DEFAULTS, type LbfgsOptions, type Objective } from './lbfgs.js';

export const LOGREG_KIND = 'logreg';
export const LOGREG_DEFAULT_L2 = 1e-3;

export interface LogRegParams {
  kind: typeof LOGREG_KIND;
  features: string[];
  mean: number[];
  scale: number[];
  /** K × d weights on standardised features, classes in CLASSES order. */
  coef: number[][];
  intercept: number[];
  l2: number;
  fit: { iterations: number; evaluations: number; converged: boolean; reason: string; loss: number; gradMax: number; rows: number };
}

export interface LogRegOptions {
  l2?: number;
  lbfgs?: LbfgsOptions;
}

/** Column means and standard deviations over the non-missing values (scale 1 for a constant or empty column). */
export function standardiser(x: Float64Array, rows: number, features: number): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(features);
  const scale = new Float64Array(features);
  for (let j = 0; j < features; j++) {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < rows; i++) {
      const v = x[i * features + j];
      if (!Number.isNaN(v)) {
        sum += v;
        count++;
      }
    }
    const m = count ? sum / count : 0;
    let ss = 0;
    for (let i = 0; i < rows; i++) {
      const v = x[i * features + j];
      if (!Number.isNaN(v)) ss += (v - m) * (v - m);
    }
    const sd = count ? Math.sqrt(ss / count) : 0;
    mean[j] = m;
    scale[j] = sd > 0 && Number.isFinite(sd) ? sd : 1;
  }
  return { mean, scale };
}

export function standardise(x: Float64Array, rows: number, mean: ArrayLike<number>, scale: ArrayLike<number>): Float64Array {
  const d = mean.length;
  const z = new Float64Array(rows * d);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j];
      z[i * d + j] = Number.isNaN(v) ? 0 : (v - mean[j]) / scale[j];
    }
  }
  return z;
}

/** θ layout: class k's d weights then its intercept, k = 0 … K−1 (length K·(d+1)). */
export function logRegObjective(z: Float64Array, rows: number, features: number, y: Uint8Array, l2: number): Objective {
  const d = features;
  const stride = d + 1;
  const scores = new Float64Array(CLASS_COUNT);
  return (theta, grad) => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < rows; i++) {
      const row = i * d;
      let max = -Infinity;
      for (let k = 0; k < CLASS_COUNT; k++) {
        const base = k * stride;
        let s = theta[base + d];
        for (let j = 0; j < d; j++) s += theta[base + j] * z[row + j];
        scores[k] = s;
        if (s > max) max = s;
      }
      let sumExp = 0;
      for (let k = 0; k < CLASS_COUNT; k++) sumExp += Math.exp(scores[k] - max);
      const logNorm = max + Math.log(sumExp);
      loss += logNorm - scores[y[i]];
      for (let k = 0; k < CLASS_COUNT; k++) {
        const residual = Math.exp(scores[k] - logNorm) - (y[i] === k ? 1 : 0);
        const base = k * stride;
        for (let j = 0; j < d; j++) grad[base + j] += residual * z[row + j];
        grad[base + d] += residual;
      }
    }
    let penalty = 0;
    for (let k = 0; k < CLASS_COUNT; k++) {
      const base = k * stride;
      for (let j = 0; j < stride; j++) {
        grad[base + j] /= rows;
        if (j < d) {
          penalty += theta[base + j] * theta[base + j];
          grad[base + j] += l2 * theta[base + j];
        }
      }
    }
    return loss / rows + (l2 / 2) * penalty;
  };
}

export function fitLogReg(data: Dataset, options: LogRegOptions = {}): LogRegParams {
  const l2 = options.l2 ?? LOGREG_DEFAULT_L2;
  if (!(l2 >= 0 && l2 < Infinity)) throw new RangeError(`l2 must be finite and ≥ 0, got ${l2}`);
  if (data.rows === 0) throw new RangeError('cannot fit on 0 rows');
  const d = data.featureNames.length;
  const { mean, scale } = standardiser(data.x, data.rows, d);
  const z = standardise(data.x, data.rows, mean, scale);
  const objective = logRegObjective(z, data.rows, d, data.y, l2);
  const result = lbfgs(objective, new Float64Array(CLASS_COUNT * (d + 1)), { ...LBFGS_DEFAULTS, ...options.lbfgs });
  const theta = result.x;
  return {
    kind: LOGREG_KIND,
    features: [...data.featureNames],
    mean: Array.from(mean),
    scale: Array.from(scale),
    coef: Array.from({ length: CLASS_COUNT }, (_, k) => Array.from(theta.subarray(k * (d + 1), k * (d + 1) + d))),
    intercept: Array.from({ length: CLASS_COUNT }, (_, k) => theta[k * (d + 1) + d]),
    l2,
    fit: {
      iterations: result.iterations,
      evaluations: result.evaluations,
      converged: result.converged,
      reason: result.reason,
      loss: result.value,
      gradMax: result.gradMax,
      rows: data.rows,
    },
  };
}

/** Class probabilities (rows × K, CLASSES order) for rows whose columns are `params.features` in that order. */
export function logRegProba(params: LogRegParams, x: Float64Array, rows: number): Float64Array {
  const d = params.features.length;
  const z = standardise(x, rows, params.mean, params.scale);
  const out = new Float64Array(rows * CLASS_COUNT);
  const scores = new Float64Array(CLASS_COUNT);
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let k = 0; k < CLASS_COUNT; k++) {
      let s = params.intercept[k];
      const w = params.coef[k];
      for (let j = 0; j < d; j++) s += w[j] * z[i * d + j];
      scores[k] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let k = 0; k < CLASS_COUNT; k++) sum += (scores[k] = Math.exp(scores[k] - max));
    for (let k = 0; k < CLASS_COUNT; k++) out[i * CLASS_COUNT + k] = scores[k] / sum;
  }
  return out;
}
