// Metrics on hand-computed cases, the baseline as a model kind, artifacts and the gate.
import { describe, expect, it } from 'vitest';
import { BrownianFirstPassage } from '@cqt/features';
import { ARTIFACT_FORMAT, CODE_VERSION, canonicalJson, schemaHash, sealArtifact, verifyArtifact } from '../artifact.js';
import { crossValidate, fitModel, loadParams, predictProba } from '../classifier.js';
import { evaluateGate } from '../gate.js';
import { brier, calibrationTable, expectedCalibrationError, logLoss, scores } from '../metrics.js';
import { datasetOf, gaussian, prng } from './synthetic.js';

describe('scores', () => {
  const y = Uint8Array.from([0, 1, 2, 0]);
  const p = Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6, 0.3, 0.4, 0.3]);

  it('log loss, Brier and accuracy by hand', () => {
    expect(logLoss(p, y)).toBeCloseTo(-(Math.log(0.7) + Math.log(0.6) + Math.log(0.6) + Math.log(0.3)) / 4, 12);
    const sq = (a: number[]) => a.reduce((s, v) => s + v * v, 0);
    expect(brier(p, y)).toBeCloseTo((sq([0.3, 0.2, 0.1]) + sq([0.1, 0.4, 0.3]) + sq([0.2, 0.2, 0.4]) + sq([0.7, 0.4, 0.3])) / 4, 12);
    expect(scores(p, y).accuracy).toBe(0.75);
  });

  it('ECE over 10 equal-width bins of the top-label confidence', () => {
    // Top labels: 0.7 (hit), 0.6 (hit), 0.6 (hit), 0.4 (miss) → bins [0.7,0.8): 1 row, [0.6,0.7): 2, [0.4,0.5): 1.
    const table = calibrationTable(p, y);
    expect(table.map((b) => b.rows)).toEqual([0, 0, 0, 0, 1, 0, 2, 1, 0, 0]);
    expect(expectedCalibrationError(p, y)).toBeCloseTo((1 * 0.3 + 2 * 0.4 + 1 * 0.4) / 4, 12);
    // A certain, correct forecast is perfectly calibrated (the last bin is closed at 1).
    expect(expectedCalibrationError(Float64Array.from([1, 0, 0]), Uint8Array.from([0]))).toBe(0);
  });

  it('a confident miss costs a finite log loss', () => {
    expect(logLoss(Float64Array.from([0, 1, 0]), Uint8Array.from([0]))).toBeCloseTo(-Math.log(1e-15), 9);
  });
});

describe('the baseline as a model kind', () => {
  it('predicts what BrownianFirstPassage predicts, with its volatility scale fitted on the training rows', () => {
    const rows = 200;
    const normal = gaussian(prng(4));
    const data = datasetOf([], new Float64Array(0), Uint8Array.from({ length: rows }, (_, i) => i % 3));
    for (let i = 0; i < rows; i++) {
      data.sigma[i] = 2e-4;
      data.halfWidth[i] = 0.002;
      data.costRoundtrip[i] = 0.001;
      // Realised horizon returns twice as volatile as sigma says.
      data.horizonReturn[i] = 2 * 2e-4 * Math.sqrt(120) * normal();
    }
    data.sigma[5] = NaN;
    const params = fitModel('baseline', data);
    expect(params.kind).toBe('baseline');
    const p = predictProba(params, data);
    const reference = new BrownianFirstPassage();
    reference.fit(Array.from({ length: rows }, (_, i) => ({ sigma: data.sigma[i], horizonSec: 120, horizonReturn: data.horizonReturn[i] })));
    const expected = reference.predict({ sigma: 2e-4, halfWidth: 0.002, horizonSec: 120, costRoundtrip: 0.001 });
    expect(Array.from(p.subarray(0, 3))).toEqual([expected.pUp, expected.pDown, expected.pNone]);
    expect((params.state as { volScale: number }).volScale).toBeGreaterThan(1.5);
    // A row without sigma gets the training class frequencies (Laplace-smoothed).
    expect(Array.from(p.subarray(15, 18)).map((v) => v.toFixed(4))).toEqual(['0.3350', '0.3350', '0.3300']);
    expect(loadParams(JSON.parse(JSON.stringify(params)))).toEqual(params);
  });
});

describe('artifacts', () => {
  const data = datasetOf(['a'], Float64Array.from({ length: 300 }, (_, i) => Math.sin(i)), Uint8Array.from({ length: 300 }, (_, i) => (Math.sin(i) > 0.3 ? 0 : Math.sin(i) < -0.3 ? 1 : 2)));
  const body = () => {
    const params = fitModel('logreg', data);
    return {
      format: ARTIFACT_FORMAT,
      kind: params.kind,
      params,
      features: ['a'],
      schemaHash: schemaHash(['a']),
      horizonSec: 120,
      training: { fromTs: 'x', toTs: 'y', labelsToTs: 'z', rows: 300, labels: { UP: 1, DOWN: 1, NONE: 1 }, source: 'test' },
      validation: crossValidate(data, { scheme: 'walk-forward', folds: 3, embargoSec: 0 }, 'logreg'),
      codeVersion: CODE_VERSION,
    } as const;
  };

  it('carries its own sha256, the same for the same inputs, and refuses a changed byte', () => {
    const a = sealArtifact(body());
    const b = sealArtifact(body());
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(verifyArtifact(JSON.parse(JSON.stringify(a)))).toEqual(a);
    const tampered = JSON.parse(JSON.stringify(a));
    tampered.params.coef[0][0] += 1e-9;
    expect(() => verifyArtifact(tampered)).toThrow(/sha256 mismatch/);
    expect(() => verifyArtifact({ format: 'other' })).toThrow(/not a cqt model artifact/);
  });
});

describe('the promotion gate', () => {
  const rows = 600;
  const y = Uint8Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? 1 : i % 5 === 1 ? 2 : 0));
  // Incumbent: the class frequencies. Candidate: always right but says only 0.7 (ECE 0.3, under-confident).
  const prior = Float64Array.from({ length: rows * 3 }, (_, j) => [0.6, 0.2, 0.2][j % 3]);
  const better = Float64Array.from({ length: rows * 3 }, (_, j) => {
    const i = Math.floor(j / 3);
    return j % 3 === y[i] ? 0.7 : 0.15;
  });

  it('passes a candidate better by the margin and calibrated, with its figures', () => {
    const result = evaluateGate(y, better, prior, { minSamples: 500, logLossMargin: 0.002, maxEce: 0.35 });
    expect(result.pass).toBe(true);
    expect(result.checks.map((c) => [c.name, c.pass])).toEqual([['samples', true], ['log_loss', true], ['calibration', true]]);
    expect(result.checks[1].observed).toBeCloseTo(result.incumbent!.logLoss - result.candidate!.logLoss, 12);
  });

  it('blocks too few rows, a gain under the margin, and a miscalibrated candidate', () => {
    expect(evaluateGate(y.subarray(0, 100), better.subarray(0, 300), prior.subarray(0, 300)).checks[0].pass).toBe(false);
    const same = evaluateGate(y, prior, prior);
    expect(same.pass).toBe(false);
    expect(same.checks.find((c) => c.name === 'log_loss')!.pass).toBe(false);
    const strict = evaluateGate(y, better, prior, { minSamples: 500, logLossMargin: 0.002, maxEce: 0.05 });
    expect(strict.pass).toBe(false);
    expect(strict.checks.find((c) => c.name === 'calibration')!.pass).toBe(false);
  });
});
