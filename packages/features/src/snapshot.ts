// One snapshot at t0: raw rows cut at t0 → features → barrier parameters → model probabilities,
// as the two rows predict writes (feature_snapshots and predictions). Live, backfill, --once and
// `cqt check leak` all go through computeSnapshot, so they cannot disagree by construction; only
// the data visible at t0 can make them differ.
import type { Db } from '@cqt/db';
import { barrierParams } from '@cqt/labeling';
import { computeFeatures, type SnapshotInputs } from './features.js';
import { loadModel, type BarrierModel, type ModelState } from './model.js';
import { loadInputs, readSnapshotRows, type SnapshotRows } from './store.js';

/** Barrier settings; rates are fractions (0.0005 = 5 bp). */
export interface BarrierSettings {
  feePerSide: number;
  rMin: number;
  costMultiplier: number;
  kVol: number;
}

export interface SnapshotOptions {
  /** Binance USD-M symbol paired with the Upbit market (mark price, metrics, liquidations). */
  binanceSymbol: string;
  horizonSec: number;
  /** BINANCE_POLL_SEC of the collector: sets how stale a metric may be. */
  binancePollSec: number;
  barrier: BarrierSettings;
  model: BarrierModel;
}

/** predictions.params: what the snapshot was computed with besides t0, the market and the horizon. */
export interface SnapshotParams extends BarrierSettings {
  binanceSymbol: string;
  binancePollSec: number;
  model: ModelState;
}

export function snapshotParams(options: SnapshotOptions): SnapshotParams {
  return { binanceSymbol: options.binanceSymbol, binancePollSec: options.binancePollSec, ...options.barrier, model: options.model.save() };
}

/** The options a stored snapshot was computed with (its prediction's horizon and params), to compute it again. */
export function optionsFromParams(params: unknown, horizonSec: number): SnapshotOptions {
  const p = params as SnapshotParams;
  return {
    binanceSymbol: p.binanceSymbol,
    horizonSec,
    binancePollSec: p.binancePollSec,
    barrier: { feePerSide: p.feePerSide, rMin: p.rMin, costMultiplier: p.costMultiplier, kVol: p.kVol },
    model: loadModel(p.model),
  };
}

/** A stored snapshot with the options to recompute it, or why it cannot be recomputed. */
export type StoredSnapshot =
  | { feature: Record<string, unknown>; prediction: Record<string, unknown>; options: SnapshotOptions; problem: null }
  | { feature: Record<string, unknown>; prediction: null; options: null; problem: string };

export async function readStoredSnapshot(db: Db, symbol: string, t0Ms: number): Promise<StoredSnapshot | null> {
  const rows = await readSnapshotRows(db, symbol, t0Ms);
  if (!rows) return null;
  const { feature, predictions } = rows;
  const unusable = (problem: string): StoredSnapshot => ({ feature, prediction: null, options: null, problem });
  // The prediction fields of feature_snapshots belong to one horizon: the predictions row written with it.
  if (predictions.length === 0) return unusable('no predictions row holds its settings');
  if (predictions.length > 1) return unusable(`${predictions.length} predictions rows (horizons ${predictions.map((p) => p.horizonSec).join(', ')} s) for one snapshot`);
  const [prediction] = predictions;
  if (prediction.params === null) return unusable('predictions.params is null (not written by cqt predict?)');
  return { feature, prediction, options: optionsFromParams(prediction.params, prediction.horizonSec as number), problem: null };
}

/** The snapshot of `symbol` (an Upbit market) at t0 from rows with ts <= t0 and recv_ts <= t0. */
export async function computeSnapshot(db: Db, symbol: string, t0Ms: number, options: SnapshotOptions): Promise<SnapshotRows> {
  const inputs = await loadInputs(db, { symbol, t0Ms, binanceSymbol: options.binanceSymbol, binancePollSec: options.binancePollSec });
  return snapshotFromInputs(inputs, symbol, t0Ms, options);
}

const PREDICTION_COLUMNS = ['r_t', 'p_up', 'p_down', 'p_none', 'ev_rate'];

/** The pure part of computeSnapshot. */
export function snapshotFromInputs(inputs: SnapshotInputs, symbol: string, t0Ms: number, options: SnapshotOptions): SnapshotRows {
  const { features, degraded, inputsMaxRecvTsMs } = computeFeatures(inputs, t0Ms, options);
  const { horizonSec, barrier, model } = options;
  const { sigma, spreadBps } = features;
  const params = sigma !== null && spreadBps !== null ? barrierParams(sigma, spreadBps, { horizonSec, ...barrier }) : null;
  let prediction = null;
  if (params === null) {
    for (const column of PREDICTION_COLUMNS) degraded[column] = `needs ${sigma === null ? 'sigma' : 'spread_bps'} (${degraded[sigma === null ? 'sigma' : 'spread_bps']})`;
  } else if (!(params.rT > 0 && params.rT < 1)) {
    for (const column of PREDICTION_COLUMNS.slice(1)) degraded[column] = `r_t ${params.rT} is not a usable half-width`;
  } else {
    prediction = model.predict({ sigma: sigma!, halfWidth: params.rT, horizonSec, costRoundtrip: params.costRoundtripEst });
  }
  const ts = new Date(t0Ms);
  const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);
  const outputs = {
    rT: finite(params?.rT),
    pUp: finite(prediction?.pUp),
    pDown: finite(prediction?.pDown),
    pNone: finite(prediction?.pNone),
    evRate: finite(prediction?.evRate),
  };
  return {
    feature: {
      symbol,
      ts,
      ...features,
      ...outputs,
      degraded,
      inputsMaxRecvTs: inputsMaxRecvTsMs === null ? null : new Date(inputsMaxRecvTsMs),
    },
    prediction: {
      symbol,
      ts,
      horizonSec,
      sigma,
      ...outputs,
      // Infinite when sigma is 0 (any width is infinitely many horizon vols): stored as null.
      kVolEff: finite(params?.kVolEff),
      rMinEff: finite(params?.rMinEff),
      costRoundtripEst: finite(params?.costRoundtripEst),
      model: model.name,
      modelVersion: model.version,
      params: snapshotParams(options),
    },
  };
}
