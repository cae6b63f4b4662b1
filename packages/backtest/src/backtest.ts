// One backtest: a strategy's signals through the engine, the buy-and-hold baseline through the
// same engine and costs, and the metrics of both.
import type { Candles } from './candles.js';
import { buyAndHoldFinalCash, runEngine, type EngineResult, type ExecutionOptions } from './engine.js';
import { computeMetrics, type Metrics } from './metrics.js';
import { buyAndHold } from './strategies/buyAndHold.js';
import type { Signals, Strategy } from './strategy.js';

export interface BacktestOptions extends ExecutionOptions {
  /** Bars per year of the candles' timeframe, to annualise Sharpe, Sortino and CAGR. */
  barsPerYear: number;
}

export interface BacktestResult {
  signals: Signals;
  run: EngineResult;
  baseline: EngineResult;
  metrics: Metrics;
  timingsMs: { signals: number; engine: number; metrics: number };
}

export function backtest<P>(candles: Candles, strategy: Strategy<P>, params: P, options: BacktestOptions): BacktestResult {
  const t0 = performance.now();
  const signals = strategy.signals(candles, params);
  const t1 = performance.now();
  const run = runEngine(candles, signals, options);
  const t2 = performance.now();
  // The baseline has no stops and tells no callbacks: it is the market, not a second strategy run.
  // The metrics need only its final cash (one trade, computed directly); the full run is built
  // only if a caller reads `baseline`.
  const costs = { cash: options.cash, feeRate: options.feeRate, slippageRate: options.slippageRate };
  const metrics = computeMetrics({ run, initialCash: options.cash, buyHoldFinal: buyAndHoldFinalCash(candles, costs), barsPerYear: options.barsPerYear });
  const t3 = performance.now();
  let baseline: EngineResult | undefined;
  return {
    signals,
    run,
    get baseline() {
      return (baseline ??= runEngine(candles, buyAndHold.signals(candles, {}), costs));
    },
    metrics,
    timingsMs: { signals: t1 - t0, engine: t2 - t1, metrics: t3 - t2 },
  };
}
