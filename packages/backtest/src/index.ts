export { candlesFromRows, checkCandles, hashCandles, sliceCandles, type CandleCheck, type CandleCheckOptions, type CandleRow, type Candles } from './candles.js';
export { describeRange, paramFlagSpec, paramRows, parseParams, resolveParams, type ParamSpec, type ParamTable, type ParamType, type Signals, type Strategy } from './strategy.js';
export { PositionManager, runEngine, type EngineResult, type ExecutionOptions, type ExitReason, type Position, type PositionCallbacks, type Trade } from './engine.js';
export { computeMetrics, type Metrics, type MetricsInput } from './metrics.js';
export { backtest, type BacktestOptions, type BacktestResult } from './backtest.js';
export { strategies, strategyNames, type StrategyName } from './strategies/index.js';
export { volumeZoneBreakout, volumeZoneResistance, type ResistanceStats, type VolumeZoneBreakoutParams } from './strategies/volumeZoneBreakout.js';
export { buyAndHold, type BuyAndHoldParams } from './strategies/buyAndHold.js';
export { sma, smaCross, type SmaCrossParams } from './strategies/smaCross.js';
