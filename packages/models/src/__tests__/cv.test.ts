// Purged walk-forward folds: which rows each fold trains on, and a planted leak that a shuffled
// split rewards while the purged folds do not.
import { describe, expect, it } from 'vitest';
import { crossValidate, fitModel, predictProba } from '../classifier.js';
import { purgedFolds, type Fold } from '../cv.js';
import { subset, type Dataset } from '../dataset.js';
import { logLoss, scores } from '../metrics.js';
import { datasetOf, prng } from './synthetic.js';

const times = (rows: number, stepSec: number, horizonSec: number) => {
  const t0Ms = Float64Array.from({ length: rows }, (_, i) => i * stepSec * 1000);
  return { t0Ms, labelTsMs: t0Ms.map((t) => t + horizonSec * 1000) };
};

describe('purgedFolds', () => {
  it('walk-forward: trains on earlier rows only, purging those whose label interval reaches the test fold', () => {
    // 60 rows every 5 s, H = 20 s: a row's label interval covers the next 4 rows.
    const { t0Ms, labelTsMs } = times(60, 5, 20);
    const folds = purgedFolds(t0Ms, labelTsMs, { scheme: 'walk-forward', folds: 2, embargoSec: 30 });
    expect(folds.map((f) => [f.test[0], f.test.at(-1)])).toEqual([[20, 39], [40, 59]]);
    // Fold 0 tests rows 20…39 (t0 100…195 s): rows 16…19 (t0 80…95 s, label_ts 100…115 s) overlap it.
    expect(Array.from(folds[0].train)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(folds[0].purged).toBe(4);
    expect(folds[0].embargoed).toBe(0);
    expect(Array.from(folds[1].train)).toEqual(Array.from({ length: 36 }, (_, i) => i));
    for (const fold of folds) for (const i of fold.train) expect(labelTsMs[i]).toBeLessThan(fold.testFromMs);
    // Without the purge the overlapping rows are trained on (what the purge is there to stop).
    const unpurged = purgedFolds(t0Ms, labelTsMs, { scheme: 'walk-forward', folds: 2, embargoSec: 30, purge: false });
    expect(unpurged[0].train.length).toBe(20);
  });

  it('purged k-fold: purges both sides and embargoes rows right after the test fold', () => {
    const { t0Ms, labelTsMs } = times(60, 5, 20);
    const folds = purgedFolds(t0Ms, labelTsMs, { scheme: 'purged-kfold', folds: 3, embargoSec: 10 });
    const middle = folds[1];
    // Test rows 20…39: t0 100…195 s, last label_ts 215 s.
    expect(middle.testFromMs).toBe(100_000);
    expect(middle.testToMs).toBe(215_000);
    // Before: rows 16…19 purged. After: rows 40…43 (t0 200…215 s) purged, 44…45 (t0 220…225 s) embargoed.
    expect(middle.purged).toBe(8);
    expect(middle.embargoed).toBe(2);
    expect(Array.from(middle.train)).toEqual([...Array.from({ length: 16 }, (_, i) => i), ...Array.from({ length: 14 }, (_, i) => 46 + i)]);
  });

  it('refuses unsorted rows and too few rows', () => {
    const { t0Ms, labelTsMs } = times(10, 5, 20);
    expect(() => purgedFolds(t0Ms, labelTsMs, { scheme: 'walk-forward', folds: 5, embargoSec: 0 })).toThrow(/too few/);
    const shuffled = Float64Array.from(t0Ms).reverse();
    expect(() => purgedFolds(shuffled, shuffled.map((t) => t + 20_000), { scheme: 'walk-forward', folds: 2, embargoSec: 0 })).toThrow(/not sorted/);
  });
});

/**
 * Labels of neighbours whose label intervals overlap share a price path, so they agree: here each
 * window of 30 rows (150 s, H = 120 s) has one outcome that 85 % of its rows get. The planted
 * feature identifies the window a row belongs to (one column per window: what a slowly moving
 * level such as open interest or the hour does in practice). Nothing in it predicts a window the
 * model has not seen labels from.
 */
function plantedLeak(): Dataset {
  const windows = 40;
  const perWindow = 30;
  const rows = windows * perWindow;
  const rand = prng(42);
  const x = new Float64Array(rows * windows);
  const y = new Uint8Array(rows);
  for (let w = 0; w < windows; w++) {
    const outcome = Math.floor(rand() * 3);
    for (let r = 0; r < perWindow; r++) {
      const i = w * perWindow + r;
      x[i * windows + w] = 1;
      y[i] = rand() < 0.85 ? outcome : Math.floor(rand() * 3);
    }
  }
  return datasetOf(Array.from({ length: windows }, (_, w) => `window_${w}`), x, y, 5, 120);
}

/** A shuffled k-fold (what the purged folds replace): random rows to each fold. */
function shuffledFolds(rows: number, k: number, seed: number): Fold[] {
  const rand = prng(seed);
  const order = Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return Array.from({ length: k }, (_, f) => {
    const test = order.filter((_, i) => i % k === f).sort((a, b) => a - b);
    const inTest = new Set(test);
    return { index: f, train: Uint32Array.from(order.filter((i) => !inTest.has(i)).sort((a, b) => a - b)), test: Uint32Array.from(test), purged: 0, embargoed: 0, testFromMs: 0, testToMs: 0 };
  });
}

/** Pooled out-of-fold log loss of logreg over the given folds. */
function outOfFoldLogLoss(data: Dataset, folds: Fold[]): number {
  const p: number[] = [];
  const y: number[] = [];
  for (const fold of folds) {
    const test = subset(data, fold.test);
    p.push(...predictProba(fitModel('logreg', subset(data, fold.train), { logreg: { l2: 1e-4 } }), test));
    y.push(...test.y);
  }
  return logLoss(Float64Array.from(p), Uint8Array.from(y));
}

describe('a planted leak through overlapping labels', () => {
  const data = plantedLeak();
  const chance = Math.log(3);

  it('a shuffled split rewards it; purged walk-forward and purged k-fold folds do not', () => {
    const shuffled = outOfFoldLogLoss(data, shuffledFolds(data.rows, 5, 1));
    const walkForward = crossValidate(data, { scheme: 'walk-forward', folds: 5, embargoSec: 0 }, 'logreg', { logreg: { l2: 1e-4 } });
    const kfold = outOfFoldLogLoss(data, purgedFolds(data.t0Ms, data.labelTsMs, { scheme: 'purged-kfold', folds: 5, embargoSec: 60 }));
    // Shuffled: test rows' windows were seen in training → far better than chance (ln 3 ≈ 1.099).
    expect(shuffled).toBeLessThan(chance - 0.4);
    // Purged: the window feature carries nothing to unseen windows → no better than chance.
    expect(walkForward.overall.model.logLoss).toBeGreaterThan(chance - 0.02);
    expect(kfold).toBeGreaterThan(chance - 0.02);
  });

  it('the purge is what removes it at fold boundaries: unpurged contiguous folds still gain there', () => {
    const spec = { scheme: 'purged-kfold' as const, folds: 7, embargoSec: 0 };
    const purged = outOfFoldLogLoss(data, purgedFolds(data.t0Ms, data.labelTsMs, spec));
    const unpurged = outOfFoldLogLoss(data, purgedFolds(data.t0Ms, data.labelTsMs, { ...spec, purge: false }));
    expect(unpurged).toBeLessThan(purged - 0.02);
  });

  it('crossValidate scores model and baseline on the same test rows of every fold', () => {
    const report = crossValidate(data, { scheme: 'walk-forward', folds: 4, embargoSec: 0 }, 'logreg');
    expect(report.folds).toHaveLength(4);
    for (const fold of report.folds) {
      expect(fold.model.rows).toBe(fold.testRows);
      expect(fold.baseline.rows).toBe(fold.testRows);
    }
    expect(report.overall.rows).toBe(report.folds.reduce((s, f) => s + f.testRows, 0));
    // The baseline has no sigma here: it predicts the training class frequencies.
    expect(report.overall.baseline.logLoss).toBeGreaterThan(chance - 0.05);
    expect(scores(Float64Array.from({ length: 9 }, () => 1 / 3), Uint8Array.from([0, 1, 2])).logLoss).toBeCloseTo(chance, 12);
  });
});
