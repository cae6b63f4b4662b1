// A sweep worker: the candles arrive once (shared memory), then one parameter combination at a
// time; each is backtested and its metrics (and, when the caller keeps runs, its trades and equity)
// go back. See pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { backtest } from './backtest.js';
import type { Candles } from './candles.js';
import { strategies, type StrategyName } from './strategies/index.js';
import type { Strategy } from './strategy.js';
import type { SweepTask, WorkerInit } from './pool.js';

const init = workerData as WorkerInit;
const candles: Candles = { length: init.length, ...init.columns };
const strategy = strategies[init.strategy as StrategyName] as Strategy<any>;

parentPort!.on('message', (task: SweepTask) => {
  try {
    const r = backtest(candles, strategy, task.params, init.options);
    const kept = init.keep ? { trades: r.run.trades, equity: r.run.equity, position: r.run.position } : undefined;
    parentPort!.postMessage({ index: task.index, metrics: r.metrics, timingsMs: r.timingsMs, kept }, kept ? [kept.equity.buffer as ArrayBuffer, kept.position.buffer as ArrayBuffer] : []);
  } catch (err) {
    parentPort!.postMessage({ index: task.index, error: (err as Error).message });
  }
});
