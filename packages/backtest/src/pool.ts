// Backtests of many parameter combinations on worker threads (`cqt backtest sweep`): the candles
// are copied once into shared memory, each worker takes the next combination as soon as it is
// free, and results come back in completion order with the combination's index.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BacktestOptions } from './backtest.js';
import type { Candles } from './candles.js';
import type { Trade } from './engine.js';
import type { Metrics } from './metrics.js';

type Columns = Omit<Candles, 'length'>;

export interface WorkerInit {
  length: number;
  columns: Columns;
  strategy: string;
  options: BacktestOptions;
  keep: boolean;
}

export interface SweepTask {
  index: number;
  params: unknown;
}

export interface SweepResult<P> {
  /** The combination's position in the grid. */
  index: number;
  params: P;
  metrics: Metrics;
  timingsMs: { signals: number; engine: number; metrics: number };
  /** With `keep`: what storing the run needs. */
  kept?: { trades: Trade[]; equity: Float64Array; position: Float64Array };
}

export interface SweepPoolOptions<P> {
  /** Worker threads; default: every core (availableParallelism), at most one per combination. */
  workers?: number;
  /** Send back each run's trades and equity (to store it). */
  keep?: boolean;
  /** Each result as it arrives (completion order); awaited before the worker's next task is counted done. */
  onResult?: (result: SweepResult<P>, done: number) => void | Promise<void>;
}

const COLUMNS = ['tsMs', 'open', 'high', 'low', 'close', 'volume'] as const;

function sharedColumns(c: Candles): Columns {
  const out = {} as Record<(typeof COLUMNS)[number], Float64Array>;
  for (const name of COLUMNS) {
    const a = new Float64Array(new SharedArrayBuffer(c.length * 8));
    a.set(c[name].subarray(0, c.length));
    out[name] = a;
  }
  return out;
}

/** Runs `strategy` (by name) with every combination; results in grid order. */
export async function sweepInWorkers<P>(candles: Candles, strategy: string, combos: readonly P[], options: BacktestOptions, pool: SweepPoolOptions<P> = {}): Promise<Array<SweepResult<P>>> {
  const count = Math.max(1, Math.min(pool.workers ?? availableParallelism(), combos.length));
  const init: WorkerInit = { length: candles.length, columns: sharedColumns(candles), strategy, options: { ...options, callbacks: undefined }, keep: pool.keep ?? false };
  const url = new URL('./sweepWorker.js', import.meta.url);
  const results = new Array<SweepResult<P>>(combos.length);
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  let chain: Promise<unknown> = Promise.resolve();
  try {
    await new Promise<void>((resolve, reject) => {
      if (combos.length === 0) return resolve();
      let failed = false;
      const fail = (err: Error) => {
        if (!failed) (failed = true), reject(err);
      };
      for (let w = 0; w < count; w++) {
        const worker = new Worker(url, { workerData: init });
        workers.push(worker);
        worker.on('error', fail);
        worker.on('exit', (code) => code !== 0 && fail(new Error(`sweep worker exited with code ${code}`)));
        worker.on('message', (msg: { index: number; error?: string } & Omit<SweepResult<P>, 'params' | 'index'>) => {
          if (msg.error) return fail(new Error(`combination ${msg.index + 1} (${JSON.stringify(combos[msg.index])}): ${msg.error}`));
          const result: SweepResult<P> = { index: msg.index, params: combos[msg.index], metrics: msg.metrics, timingsMs: msg.timingsMs, kept: msg.kept };
          results[msg.index] = result;
          const assign = () => {
            if (next < combos.length) worker.postMessage({ index: next, params: combos[next++] } satisfies SweepTask);
          };
          // The next task goes out before the callback (a store write) so the worker stays busy.
          assign();
          const finished = ++done;
          // Callbacks one at a time, in arrival order (a store write each); done after the last.
          chain = chain.then(() => pool.onResult?.(result, finished)).then(() => void (finished === combos.length && resolve()));
          chain.catch(fail);
        });
        worker.postMessage({ index: next, params: combos[next++] } satisfies SweepTask);
        if (next >= combos.length) break;
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
