// `cqt train`: fits a model on a labelled dataset (an export Parquet file, or the last N of the
// store exported on the fly), validates it with purged walk-forward folds against the Brownian
// baseline on the same rows, and writes the sealed artifact atomically.
// Nothing here touches the serving path: the artifact is a file until `cqt model register`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { UsageError, type CommandOutput } from '@cqt/config';
import {
  ARTIFACT_FORMAT,
  CODE_VERSION,
  classCounts,
  crossValidate,
  DatasetError,
  DEFAULT_FEATURES,
  fitModel,
  LOGREG_DEFAULT_L2,
  MODEL_KINDS,
  modelFeatures,
  readDatasetFile,
  schemaHash,
  sealArtifact,
  writeArtifact,
  type Artifact,
  type CvScheme,
  type FoldReport,
  type ModelKind,
  type Scores,
} from '@cqt/models';
import { trainFlags } from './command.js';

/** Exports the store's last `lastSec` to `out` (the binary hands over `cqt export`'s run). */
export type ExportDataset = (options: { out: string; lastSec: number; horizonSec: number; symbol?: string; databaseUrl?: string; dataDir?: string; env?: NodeJS.ProcessEnv }) => Promise<unknown>;

export interface TrainOptions {
  dataset?: string;
  lastSec?: number;
  horizonSec?: number;
  model?: ModelKind;
  out?: string;
  folds?: number;
  embargoSec?: number;
  cv?: CvScheme;
  l2?: number;
  /** Comma-separated feature columns (logreg); default DEFAULT_FEATURES. */
  features?: string;
  symbol?: string;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  exportDataset?: ExportDataset;
}

export interface TrainResult {
  artifactPath: string;
  sha256: string;
  kind: ModelKind;
  source: string;
  rows: number;
  unlabeled: number;
  horizonSec: number;
  features: string[];
  training: Artifact['training'];
  folds: FoldReport[];
  overall: { rows: number; model: Scores; baseline: Scores };
  fit: Record<string, unknown>;
  seconds: number;
}

export async function run(options: TrainOptions): Promise<TrainResult> {
  const started = Date.now();
  const kind = options.model ?? trainFlags.model.default;
  if (!(MODEL_KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown --model ${kind}`, `one of ${MODEL_KINDS.join(', ')}`);
  if ((options.dataset === undefined) === (options.lastSec === undefined)) throw new UsageError('give exactly one of --dataset FILE and --last DUR', 'cqt train --dataset btc_7d.parquet, or cqt train --last 7d');
  const folds = options.folds ?? trainFlags.folds.default;
  const embargoSec = options.embargoSec ?? trainFlags.embargoSec.default;
  const l2 = options.l2 ?? trainFlags.l2.default;
  const features = options.features === undefined ? [...DEFAULT_FEATURES] : options.features.split(',').map((f) => f.trim()).filter(Boolean);
  if (features.length === 0) throw new UsageError('--features is empty', 'a comma-separated list of dataset columns');
  const out = resolve(options.out ?? trainFlags.out.default);

  let work: string | null = null;
  try {
    let file = options.dataset;
    let source = options.dataset ? basename(options.dataset) : '';
    if (file === undefined) {
      if (!options.exportDataset) throw new UsageError('--last needs the exporter', 'run it through the cqt binary, or export first and pass --dataset');
      work = mkdtempSync(join(tmpdir(), 'cqt-train-'));
      file = join(work, 'dataset.parquet');
      const horizonSec = options.horizonSec ?? trainFlags.horizonSec.default;
      await options.exportDataset({ out: file, lastSec: options.lastSec!, horizonSec, symbol: options.symbol, databaseUrl: options.databaseUrl, dataDir: options.dataDir, env: options.env });
      source = `store, last ${options.lastSec} s, exported ${new Date().toISOString()}`;
    }
    const read = await readDatasetFile(file, { features, horizonSec: options.horizonSec }).catch((err: unknown) => {
      if (err instanceof DatasetError) throw new UsageError(err.message, err.hint, err);
      throw err;
    });
    const { data } = read;
    const spec = { scheme: options.cv ?? trainFlags.cv.default, folds, embargoSec };
    let validation;
    try {
      validation = crossValidate(data, spec, kind, { logreg: { l2 } });
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(`cannot validate on ${data.rows} rows: ${err.message}`, 'use a longer range or fewer --folds', err);
      throw err;
    }
    const params = fitModel(kind, data, { logreg: { l2 } });
    const modelColumns = modelFeatures(params);
    const counts = classCounts(data.y);
    const iso = (ms: number) => new Date(ms).toISOString();
    const training = {
      fromTs: iso(data.t0Ms[0]),
      toTs: iso(data.t0Ms[data.rows - 1]),
      labelsToTs: iso(data.labelTsMs.reduce((m, v) => Math.max(m, v), -Infinity)),
      rows: data.rows,
      labels: { UP: counts[0], DOWN: counts[1], NONE: counts[2] },
      source,
    };
    const artifact = sealArtifact({
      format: ARTIFACT_FORMAT,
      kind,
      params,
      features: modelColumns,
      schemaHash: schemaHash(modelColumns),
      horizonSec: read.horizonSec,
      training,
      validation,
      codeVersion: CODE_VERSION,
    });
    const artifactPath = writeArtifact(out, artifact);
    return {
      artifactPath,
      sha256: artifact.sha256,
      kind,
      source,
      rows: data.rows,
      unlabeled: read.unlabeled,
      horizonSec: read.horizonSec,
      features: modelColumns,
      training,
      folds: validation.folds,
      overall: validation.overall,
      fit: params.kind === 'logreg' ? { ...params.fit, l2: params.l2 } : { fitted: params.fitted, state: params.state },
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

const f = (v: number, digits = 4) => v.toFixed(digits);

function scoreLine(label: string, s: Scores): string {
  return `${label.padEnd(10)} log loss ${f(s.logLoss)}  Brier ${f(s.brier)}  accuracy ${f(s.accuracy, 3)}  ECE ${f(s.ece)}`;
}

export function output(result: TrainResult): CommandOutput {
  return {
    exitCode: 0,
    json: result,
    human: () => {
      const header = 'fold  train  purged  embargo  test  test range                                         logloss  base    Brier   base    acc    base   ECE    base';
      const rows = result.folds.map((fold) =>
        [
          String(fold.index).padEnd(5),
          String(fold.trainRows).padStart(5),
          String(fold.purged).padStart(7),
          String(fold.embargoed).padStart(8),
          String(fold.testRows).padStart(5),
          ` ${fold.testFrom} → ${fold.testTo}`.padEnd(52),
          f(fold.model.logLoss), f(fold.baseline.logLoss), f(fold.model.brier), f(fold.baseline.brier),
          f(fold.model.accuracy, 3).padStart(6), f(fold.baseline.accuracy, 3).padStart(6), f(fold.model.ece), f(fold.baseline.ece),
        ].join(' '),
      );
      const gain = result.overall.baseline.logLoss - result.overall.model.logLoss;
      return [
        `trained ${result.kind} on ${result.rows} rows (${result.source}; H ${result.horizonSec} s; ${result.training.fromTs} → ${result.training.toTs}; UP ${result.training.labels.UP}, DOWN ${result.training.labels.DOWN}, NONE ${result.training.labels.NONE}) in ${result.seconds.toFixed(1)} s`,
        header,
        ...rows,
        `overall on ${result.overall.rows} out-of-fold rows:`,
        `  ${scoreLine(result.kind, result.overall.model)}`,
        `  ${scoreLine('baseline', result.overall.baseline)}`,
        `  log loss ${gain >= 0 ? 'better' : 'worse'} than the baseline by ${f(Math.abs(gain), 5)}`,
        `artifact ${result.artifactPath}`,
        `sha256 ${result.sha256}`,
        `register it: cqt model register ${result.artifactPath}`,
      ].join('\n');
    },
  };
}
