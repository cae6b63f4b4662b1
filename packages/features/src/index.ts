// @cqt/features — the point-in-time snapshot engine behind `cqt predict` and `cqt check leak`:
// raw rows cut at t0 (store.ts) → features (features.ts) → barrier probabilities (model.ts), as the
// feature_snapshots and predictions rows (snapshot.ts), and when two snapshots are the same (compare.ts);
// predictions on candle closes from the candle history (candles.ts, `cqt predict --timeframe`).

export {
  computeSnapshot,
  optionsFromParams,
  readStoredSnapshot,
  snapshotFromInputs,
  snapshotParams,
  type BarrierSettings,
  type SnapshotOptions,
  type SnapshotParams,
  type StoredSnapshot,
} from './snapshot.js';
export { computeFeatures, streamDownReason, type Features, type FeatureResult, type SnapshotInputs } from './features.js';
export { loadInputs, readSnapshotRows, readSnapshotTimes, futureInputs, writeSnapshots, type SnapshotRows } from './store.js';
export { RELATIVE_TOLERANCE, rowDifferences, sameValue, type ColumnDifference } from './compare.js';
export * from './model.js';
export {
  CANDLE_CLOSE_GRACE_MS,
  CANDLE_MODEL,
  CANDLE_TIMEFRAMES,
  CandlePredictor,
  boundaryAtOrBefore,
  recheckCandlePredictions,
  settingsFromVersion,
  type CandleMismatch,
  timeframeMs,
  writeCandlePredictions,
  type BoundaryOutcome,
  type CandlePredictionRow,
  type CandlePredictionSettings,
  type CandleSeriesKey,
} from './candles.js';
