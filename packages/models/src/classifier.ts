// The model kinds `cqt train` fits and `cqt predict` serves, behind one fit / predict / save / load
// interface: the saved parameters are plain JSON (ModelParams), and loading them checks their shape.
// - logreg: multinomial logistic regression (logreg.ts).
// - baseline: the Brownian first-passage barrier model of @cqt/features (what `cqt predict` ran
//   alone before), with its volatility scale fitted on the training rows; rows without sigma or
//   r_t get the training class frequencies.
import { BrownianFirstPassage, loadModel, type ModelState } from '@cqt/features';
import { CLASS_COUNT, classCounts, subset, type Dataset } from './dataset.js';
import { purgedFolds, type CvSpec } from './cv.js';
import { fitLogReg, LOGREG_KIND, logRegProba, type LogRegOptions, type LogRegParams } from './logreg.js';
import { scores, type Scores } from './metrics.js';

export const BASELINE_KIND = 'baseline';
export const MODEL_KINDS = [LOGREG_KIND, BASELINE_KIND] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface BaselineParams {
  kind: typeof BASELINE_KIND;
  /** BrownianFirstPassage.save(). */
  state: ModelState;
  /** Whether the volatility scale was fitted (it needs 30 usable rows) or left at 1. */
  fitted: boolean;
  /** Training class frequencies, for rows the barrier model cannot price. */
  prior: number[];
}

export type ModelParams = LogRegParams | BaselineParams;

export interface FitOptions {
  logreg?: LogRegOptions;
}

export function fitModel(kind: ModelKind, data: Dataset, options: FitOptions = {}): ModelParams {
  if (kind === LOGREG_KIND) return fitLogReg(data, options.logreg);
  const model = new BrownianFirstPassage();
  const samples = [];
  for (let i = 0; i < data.rows; i++) samples.push({ sigma: data.sigma[i], horizonSec: data.horizonSec[i], horizonReturn: data.horizonReturn[i] });
  let fitted = true;
  try {
    model.fit(samples);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    fitted = false;
  }
  const counts = classCounts(data.y);
  return { kind: BASELINE_KIND, state: model.save(), fitted, prior: counts.map((c) => (c + 1) / (data.rows + CLASS_COUNT)) };
}

/** The baseline as `cqt predict` runs it without a trained model: volatility scale 1, a flat prior. */
export function unfittedBaseline(): BaselineParams {
  return { kind: BASELINE_KIND, state: new BrownianFirstPassage().save(), fitted: false, prior: [1 / 3, 1 / 3, 1 / 3] };
}

/** The feature columns a model reads (the baseline reads sigma, r_t, H and cost, not the feature matrix). */
export function modelFeatures(params: ModelParams): string[] {
  return params.kind === LOGREG_KIND ? params.features : [];
}

/** Class probabilities, rows × K in CLASSES order. */
export function predictProba(params: ModelParams, data: Dataset): Float64Array {
  if (params.kind === LOGREG_KIND) {
    const missing = params.features.filter((f, j) => data.featureNames[j] !== f);
    if (missing.length) throw new RangeError(`the rows' features differ from the model's (${missing.slice(0, 3).join(', ')}…)`);
    return logRegProba(params, data.x, data.rows);
  }
  const model = loadModel(params.state);
  const out = new Float64Array(data.rows * CLASS_COUNT);
  for (let i = 0; i < data.rows; i++) {
    const [sigma, halfWidth, horizonSec] = [data.sigma[i], data.halfWidth[i], data.horizonSec[i]];
    let p = params.prior;
    if (sigma >= 0 && halfWidth > 0 && halfWidth < 1 && horizonSec > 0) {
      const cost = Number.isFinite(data.costRoundtrip[i]) ? data.costRoundtrip[i] : 0;
      const r = model.predict({ sigma, halfWidth, horizonSec, costRoundtrip: cost });
      p = [r.pUp, r.pDown, r.pNone];
    }
    for (let k = 0; k < CLASS_COUNT; k++) out[i * CLASS_COUNT + k] = p[k];
  }
  return out;
}

/** Checks a parsed JSON value is ModelParams of a known kind (throws RangeError naming what is wrong). */
export function loadParams(value: unknown): ModelParams {
  const p = value as (Partial<Omit<LogRegParams, 'kind'>> & Partial<Omit<BaselineParams, 'kind'>> & { kind?: unknown }) | null;
  const numbers = (a: unknown, n: number) => Array.isArray(a) && a.length === n && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (p?.kind === LOGREG_KIND) {
    const d = Array.isArray(p.features) ? p.features.length : -1;
    const ok =
      d >= 0 &&
      p.features!.every((f) => typeof f === 'string') &&
      numbers(p.mean, d) &&
      numbers(p.scale, d) &&
      numbers(p.intercept, CLASS_COUNT) &&
      Array.isArray(p.coef) &&
      p.coef.length === CLASS_COUNT &&
      p.coef.every((row) => numbers(row, d));
    if (!ok) throw new RangeError('logreg parameters are malformed (features, mean, scale, coef K×d and intercept K must agree)');
    return p as LogRegParams;
  }
  if (p?.kind === BASELINE_KIND) {
    loadModel(p.state);
    if (!numbers(p.prior, CLASS_COUNT)) throw new RangeError('baseline parameters need a prior of 3 probabilities');
    return p as BaselineParams;
  }
  throw new RangeError(`unknown model kind ${JSON.stringify(p?.kind)}; expected ${MODEL_KINDS.join(' or ')}`);
}

export interface FoldReport {
  index: number;
  trainRows: number;
  testRows: number;
  purged: number;
  embargoed: number;
  testFrom: string;
  testTo: string;
  model: Scores;
  baseline: Scores;
}

export interface CvReport {
  spec: CvSpec;
  folds: FoldReport[];
  /** Scores of all out-of-fold predictions pooled. */
  overall: { rows: number; model: Scores; baseline: Scores };
}

/**
 * Purged folds: each fold fits `kind` and the baseline on its training rows and scores both on
 * the same test rows.
 */
export function crossValidate(data: Dataset, spec: CvSpec, kind: ModelKind, options: FitOptions = {}): CvReport {
  const folds = purgedFolds(data.t0Ms, data.labelTsMs, spec);
  const reports: FoldReport[] = [];
  const pooledModel: number[] = [];
  const pooledBaseline: number[] = [];
  const pooledY: number[] = [];
  for (const fold of folds) {
    if (fold.train.length === 0) throw new RangeError(`fold ${fold.index} has no training rows left after purging; use fewer folds or a shorter embargo`);
    const train = subset(data, fold.train);
    const test = subset(data, fold.test);
    const modelP = predictProba(fitModel(kind, train, options), test);
    const baselineP = predictProba(fitModel(BASELINE_KIND, train), test);
    reports.push({
      index: fold.index,
      trainRows: fold.train.length,
      testRows: fold.test.length,
      purged: fold.purged,
      embargoed: fold.embargoed,
      testFrom: new Date(fold.testFromMs).toISOString(),
      testTo: new Date(fold.testToMs).toISOString(),
      model: scores(modelP, test.y),
      baseline: scores(baselineP, test.y),
    });
    pooledModel.push(...modelP);
    pooledBaseline.push(...baselineP);
    pooledY.push(...test.y);
  }
  const y = Uint8Array.from(pooledY);
  return {
    spec,
    folds: reports,
    overall: { rows: y.length, model: scores(Float64Array.from(pooledModel), y), baseline: scores(Float64Array.from(pooledBaseline), y) },
  };
}
