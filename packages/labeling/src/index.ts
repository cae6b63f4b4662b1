export { barEndPricePath, pricePath } from './path.js';
export type { MarketPriceRow, PricePath } from './path.js';
export { LabelStatus, labelName, statusName } from './triple-barrier.js';
export type {
  LabelName,
  LabelStatusName,
  TripleBarrierLabels,
  TripleBarrierOptions,
} from './triple-barrier.js';
export { labelTripleBarrier } from './label-fast.js';
export { labelNaive } from './label-naive.js';
export { ewmaSigma } from './volatility.js';
export { barrierParams } from './barrier.js';
export type { BarrierConfig, BarrierParams } from './barrier.js';
export { dominantClass, labelDistribution } from './distribution.js';
export type { LabelDistribution } from './distribution.js';
export { mulberry32, randomWalkPath } from './synthetic.js';
export type { RandomWalkOptions } from './synthetic.js';
export { datasetColumns, featureColumns, LABEL_COLUMNS, PREDICTION_COLUMNS, RAW_COLUMNS } from './dataset.js';
export type { DatasetColumn, DatasetType, StoreColumn } from './dataset.js';
