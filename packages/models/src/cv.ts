// Validation folds in time order with purging and an embargo (López de Prado, Advances in
// Financial Machine Learning, ch. 7). A row's label interval is [t0, label_ts]: rows whose
// intervals overlap share part of one price path, so their labels are not independent.
// - Rows (sorted by t0) are cut into contiguous blocks of equal row count.
// - walk-forward: blocks 1 … folds are tested in turn; a fold trains on the rows before its test
//   block only (block 0 is never tested).
// - purged-kfold: each of `folds` blocks is tested; a fold trains on the rows before and after it.
// - Purge: a training row whose [t0, label_ts] overlaps the test fold's [first t0, last label_ts]
//   is dropped (its label saw prices the test rows are judged on).
// - Embargo: a training row whose t0 falls within `embargoSec` after the test fold's last label_ts
//   is dropped too (features with long look-backs still carry the test period; only rows after the
//   test fold can be embargoed, so walk-forward folds have none to drop).
// There is no shuffled split: shuffling puts overlapping neighbours on both sides.

export type CvScheme = 'walk-forward' | 'purged-kfold';

export interface CvSpec {
  scheme: CvScheme;
  folds: number;
  embargoSec: number;
  /** Off only to show what purging prevents (tests); default on. */
  purge?: boolean;
}

export interface Fold {
  index: number;
  train: Uint32Array;
  test: Uint32Array;
  /** Training rows dropped by the purge and by the embargo. */
  purged: number;
  embargoed: number;
  /** The test fold's span: first t0 and last label_ts (epoch ms). */
  testFromMs: number;
  testToMs: number;
}

export const CV_DEFAULTS: CvSpec = { scheme: 'walk-forward', folds: 5, embargoSec: 0, purge: true };

export function purgedFolds(t0Ms: Float64Array, labelTsMs: Float64Array, spec: CvSpec): Fold[] {
  const n = t0Ms.length;
  if (!Number.isInteger(spec.folds) || spec.folds < 1) throw new RangeError(`folds must be a whole number ≥ 1, got ${spec.folds}`);
  if (!(spec.embargoSec >= 0)) throw new RangeError(`embargoSec must be ≥ 0, got ${spec.embargoSec}`);
  for (let i = 0; i < n; i++) {
    if (!(labelTsMs[i] >= t0Ms[i])) throw new RangeError(`row ${i}: label_ts before t0`);
    if (i > 0 && t0Ms[i] < t0Ms[i - 1]) throw new RangeError(`rows are not sorted by t0 (row ${i})`);
  }
  const blocks = spec.scheme === 'walk-forward' ? spec.folds + 1 : spec.folds;
  if (n < blocks * 2) throw new RangeError(`${n} rows are too few for ${spec.folds} ${spec.scheme} folds (need at least ${blocks * 2})`);
  const bound = (b: number) => Math.round((b * n) / blocks);
  const first = spec.scheme === 'walk-forward' ? 1 : 0;
  const purge = spec.purge ?? true;
  const embargoMs = spec.embargoSec * 1000;
  const folds: Fold[] = [];
  for (let b = first; b < blocks; b++) {
    const [from, to] = [bound(b), bound(b + 1)];
    const testFromMs = t0Ms[from];
    let testToMs = -Infinity;
    for (let i = from; i < to; i++) testToMs = Math.max(testToMs, labelTsMs[i]);
    const train: number[] = [];
    let purged = 0;
    let embargoed = 0;
    const candidates = spec.scheme === 'walk-forward' ? [[0, from]] : [[0, from], [to, n]];
    for (const [start, end] of candidates) {
      for (let i = start; i < end; i++) {
        if (purge && t0Ms[i] <= testToMs && labelTsMs[i] >= testFromMs) purged++;
        else if (purge && t0Ms[i] > testToMs && t0Ms[i] <= testToMs + embargoMs) embargoed++;
        else train.push(i);
      }
    }
    folds.push({
      index: folds.length,
      train: Uint32Array.from(train),
      test: Uint32Array.from({ length: to - from }, (_, i) => from + i),
      purged,
      embargoed,
      testFromMs,
      testToMs,
    });
  }
  return folds;
}
