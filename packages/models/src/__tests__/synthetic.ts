// Seeded synthetic datasets for the model tests.
import { CLASS_COUNT, type Dataset } from '../dataset.js';

/** mulberry32: a small deterministic PRNG in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A dataset from a feature matrix and labels: rows every `stepSec` from t0 = 0, label_ts = t0 + horizonSec; baseline inputs missing. */
export function datasetOf(featureNames: string[], x: Float64Array, y: Uint8Array, stepSec = 5, horizonSec = 120): Dataset {
  const rows = y.length;
  const t0Ms = Float64Array.from({ length: rows }, (_, i) => 1_800_000_000_000 + i * stepSec * 1000);
  const nan = () => new Float64Array(rows).fill(NaN);
  return {
    rows,
    featureNames,
    x,
    y,
    t0Ms,
    labelTsMs: t0Ms.map((t) => t + horizonSec * 1000),
    sigma: nan(),
    halfWidth: nan(),
    horizonSec: new Float64Array(rows).fill(horizonSec),
    costRoundtrip: nan(),
    horizonReturn: nan(),
  };
}

/** Rows drawn from a known multinomial logistic model: x ~ N(0, 1)^d, y ~ softmax(W x + b). */
export function logisticSample(coef: number[][], intercept: number[], rows: number, seed: number): Dataset {
  const d = coef[0].length;
  const normal = gaussian(prng(seed));
  const rand = prng(seed + 1);
  const x = new Float64Array(rows * d);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const scores = intercept.slice();
    for (let j = 0; j < d; j++) {
      const v = normal();
      x[i * d + j] = v;
      for (let k = 0; k < CLASS_COUNT; k++) scores[k] += coef[k][j] * v;
    }
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const total = e.reduce((a, b) => a + b, 0);
    let u = rand() * total;
    let k = 0;
    while (k < CLASS_COUNT - 1 && u >= e[k]) u -= e[k++];
    y[i] = k;
  }
  return datasetOf(Array.from({ length: d }, (_, j) => `x${j}`), x, y);
}
