// Scores of class probabilities (rows × K, CLASSES order) against the observed classes.
// - log loss: mean −ln p(observed), p clipped to [1e-15, 1] so one confident miss is finite;
// - Brier: mean Σ_k (p_k − [y = k])² (0 … 2);
// - accuracy: share of rows whose most probable class (first on ties) is the observed one;
// - ECE: expected calibration error of the top-label confidence over CALIBRATION_BINS equal-width
//   bins of [0, 1] (the last bin closed): Σ_b (n_b / n) |accuracy_b − mean confidence_b|.
import { CLASS_COUNT } from './dataset.js';

export const PROBABILITY_FLOOR = 1e-15;
export const CALIBRATION_BINS = 10;

export interface Scores {
  rows: number;
  logLoss: number;
  brier: number;
  accuracy: number;
  ece: number;
}

export interface CalibrationBin {
  from: number;
  to: number;
  rows: number;
  /** Mean top-label probability in the bin (null when empty). */
  confidence: number | null;
  /** Share of those rows whose top label happened (null when empty). */
  hitRate: number | null;
}

export function topClass(p: Float64Array, row: number): number {
  let best = 0;
  for (let k = 1; k < CLASS_COUNT; k++) if (p[row * CLASS_COUNT + k] > p[row * CLASS_COUNT + best]) best = k;
  return best;
}

export function logLoss(p: Float64Array, y: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum -= Math.log(Math.min(1, Math.max(PROBABILITY_FLOOR, p[i * CLASS_COUNT + y[i]])));
  return sum / y.length;
}

export function brier(p: Float64Array, y: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    for (let k = 0; k < CLASS_COUNT; k++) sum += (p[i * CLASS_COUNT + k] - (y[i] === k ? 1 : 0)) ** 2;
  }
  return sum / y.length;
}

export function accuracy(p: Float64Array, y: Uint8Array): number {
  let hits = 0;
  for (let i = 0; i < y.length; i++) if (topClass(p, i) === y[i]) hits++;
  return hits / y.length;
}

export function calibrationTable(p: Float64Array, y: Uint8Array, bins = CALIBRATION_BINS): CalibrationBin[] {
  const rows = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  for (let i = 0; i < y.length; i++) {
    const top = topClass(p, i);
    const c = p[i * CLASS_COUNT + top];
    const b = Math.min(bins - 1, Math.max(0, Math.floor(c * bins)));
    rows[b]++;
    conf[b] += c;
    if (top === y[i]) hits[b]++;
  }
  return rows.map((n, b) => ({ from: b / bins, to: (b + 1) / bins, rows: n, confidence: n ? conf[b] / n : null, hitRate: n ? hits[b] / n : null }));
}

export function expectedCalibrationError(p: Float64Array, y: Uint8Array, bins = CALIBRATION_BINS): number {
  let sum = 0;
  for (const bin of calibrationTable(p, y, bins)) if (bin.rows) sum += bin.rows * Math.abs(bin.hitRate! - bin.confidence!);
  return sum / y.length;
}

export function scores(p: Float64Array, y: Uint8Array): Scores {
  if (y.length === 0) throw new RangeError('no rows to score');
  if (p.length !== y.length * CLASS_COUNT) throw new RangeError(`${p.length} probabilities for ${y.length} rows`);
  return { rows: y.length, logLoss: logLoss(p, y), brier: brier(p, y), accuracy: accuracy(p, y), ece: expectedCalibrationError(p, y) };
}
