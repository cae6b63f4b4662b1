// Training cost of the logistic regression behind `cqt train`: one fit on a million rows × 30
// features (synthetic, with a known generating model), full-batch L-BFGS to its stop rule. The
// same-run baseline is one pass of the objective and its gradient over the same rows, the unit
// of work every L-BFGS evaluation costs: the ratio says how many passes a fit takes. Inference
// per snapshot (one row, champion + shadow as `cqt predict` runs them) is timed against the
// Brownian baseline's own prediction of that row.
import { CLASS_COUNT, fitLogReg, logRegObjective, logRegProba, predictProba, standardise, standardiser, unfittedBaseline, type Dataset } from '@cqt/models';
import type { BenchRow, BenchSuite } from './harness.js';
import { sized, timeMs } from './harness.js';

const ROWS = sized(1_000_000, 20_000);
const FEATURES = 30;

function synthetic(rows: number, features: number): Dataset {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const x = new Float64Array(rows * features);
  const y = new Uint8Array(rows);
  const w = Array.from({ length: CLASS_COUNT }, (_, k) => Array.from({ length: features }, (_, j) => ((j % 5) - 2) * 0.1 * (k - 1)));
  for (let i = 0; i < rows; i++) {
    const s = [0, 0, 0.3];
    for (let j = 0; j < features; j++) {
      const v = normal();
      x[i * features + j] = v;
      for (let k = 0; k < CLASS_COUNT; k++) s[k] += w[k][j] * v;
    }
    const e = s.map((v) => Math.exp(v));
    const u = rand() * (e[0] + e[1] + e[2]);
    y[i] = u < e[0] ? 0 : u < e[0] + e[1] ? 1 : 2;
  }
  const t0Ms = Float64Array.from({ length: rows }, (_, i) => i * 5000);
  const fill = (v: number) => new Float64Array(rows).fill(v);
  return {
    rows,
    featureNames: Array.from({ length: features }, (_, j) => `f${j}`),
    x,
    y,
    t0Ms,
    labelTsMs: t0Ms.map((t) => t + 120_000),
    sigma: fill(2e-4),
    halfWidth: fill(0.002),
    horizonSec: fill(120),
    costRoundtrip: fill(0.001),
    horizonReturn: fill(0),
  };
}

export const suite: BenchSuite = {
  name: 'models',
  async run(): Promise<BenchRow[]> {
    const data = synthetic(ROWS, FEATURES);
    const { mean, scale } = standardiser(data.x, data.rows, FEATURES);
    const objective = logRegObjective(standardise(data.x, data.rows, mean, scale), data.rows, FEATURES, data.y, 1e-3);
    const theta = new Float64Array(CLASS_COUNT * (FEATURES + 1));
    const grad = new Float64Array(theta.length);
    const passMs = await timeMs(() => objective(theta, grad), 3);
    let fit: ReturnType<typeof fitLogReg> | null = null;
    const started = process.hrtime.bigint();
    fit = fitLogReg(data);
    const fitMs = Number(process.hrtime.bigint() - started) / 1e6;

    const one = { ...data, rows: 1, x: data.x.subarray(0, FEATURES), y: data.y.subarray(0, 1) };
    const baseline = unfittedBaseline();
    const rolesUs = (await timeMs(() => {
      for (let i = 0; i < 1000; i++) {
        logRegProba(fit!, one.x, 1);
        logRegProba(fit!, one.x, 1);
      }
    })) / 1000 * 1000;
    const baselineUs = (await timeMs(() => {
      for (let i = 0; i < 1000; i++) predictProba(baseline, one);
    })) / 1000 * 1000;
    return [
      {
        name: `logreg fit, ${ROWS.toLocaleString('en-US')} rows × ${FEATURES} features`,
        value: fitMs / 1000,
        unit: 's',
        baseline: passMs / 1000,
        baselineName: 'one objective + gradient pass',
        ratio: passMs / fitMs,
        note: `${fit.fit.iterations} iterations, ${fit.fit.evaluations} evaluations, stop: ${fit.fit.reason}`,
      },
      {
        name: 'inference per snapshot: champion + shadow (logreg, 30 features)',
        value: rolesUs,
        unit: 'µs',
        baseline: baselineUs,
        baselineName: 'Brownian baseline, one row',
        ratio: baselineUs / rolesUs,
      },
    ];
  },
};
