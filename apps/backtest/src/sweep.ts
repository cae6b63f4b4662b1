// `cqt backtest sweep`: a parameter grid on every core (worker threads), each combination stored as
// a run, the results ranked by one metric.
import { RANK_METRICS, rankBy, sweepInWorkers, type GridAxis, type Metrics, type RankMetric, type StrategyName } from '@cqt/backtest';
import { RuntimeFailure, UsageError, formatTable, paintText, type CommandOutput } from '@cqt/config';
import { engineOptions, executionOf, lazyStore, loadCheckedCandles, strategyOf, type RunOptions, type RunSummary } from './index.js';
import { saveRun } from './runs.js';
import { expandGrid, parseGrid } from './usage.js';

export interface SweepOptions extends Omit<RunOptions, 'out'> {
  rankBy?: string;
  top?: number;
  workers?: number;
  /** Told after each finished combination (done of total), e.g. a TTY progress line. */
  onProgress?: (done: number, total: number) => void;
}

export interface SweepRow {
  rank: number;
  /** backtest_runs.id, or null with --no-store. */
  id: number | null;
  params: Record<string, number | boolean>;
  metrics: Metrics;
}

export interface SweepSummary {
  strategy: StrategyName;
  grid: GridAxis[];
  combinations: number;
  /** Combinations the strategy's rule between parameters refused. */
  refused: number;
  rankBy: RankMetric;
  workers: number;
  execution: RunSummary['execution'];
  input: RunSummary['input'];
  elapsedMs: number;
  backtestsPerSec: number;
  /** The best `top`, best first. */
  results: SweepRow[];
}

export async function sweep(options: SweepOptions): Promise<SweepSummary> {
  const store = lazyStore(options);
  try {
    return await sweepWith(options, store.get);
  } finally {
    await store.close();
  }
}

async function sweepWith(options: SweepOptions, store: ReturnType<typeof lazyStore>['get']): Promise<SweepSummary> {
  const started = performance.now();
  const { name, strategy } = strategyOf(options.strategy);
  const rankMetric = (options.rankBy ?? 'sharpe') as RankMetric;
  if (!RANK_METRICS.includes(rankMetric)) throw new UsageError(`invalid --rank-by ${options.rankBy}`, `one of ${RANK_METRICS.join(', ')}`);
  // The grid is checked before any input is read.
  const grid = parseGrid(strategy, options.params ?? []);
  const { combos, refused } = expandGrid(strategy, grid);
  const execution = executionOf(options);
  const { candles, timeframe, summary: inputSummary } = await loadCheckedCandles(options, store);
  const read = performance.now() - started;
  const keep = options.store ?? true;
  const db = keep ? await store() : null;
  const ids = new Array<number | null>(combos.length).fill(null);
  const workers = Math.max(1, Math.min(options.workers ?? (await import('node:os')).availableParallelism(), combos.length));
  const results = await sweepInWorkers(candles, name, combos, engineOptions(execution, timeframe), {
    workers,
    keep,
    onResult: async (r, done) => {
      if (db && r.kept) {
        const summary: Omit<RunSummary, 'id'> = {
          strategy: name, params: r.params, execution, input: inputSummary, metrics: r.metrics,
          timingsMs: { read, ...r.timingsMs, total: r.timingsMs.signals + r.timingsMs.engine + r.timingsMs.metrics },
        };
        try {
          ids[r.index] = await saveRun(db.sql, summary, { run: r.kept }, candles);
        } catch (err) {
          throw new RuntimeFailure(`storing run ${r.index + 1} of the sweep failed: ${(err as Error).message}`, 'check the store (cqt db status), or pass --no-store', err);
        }
        r.kept = undefined; // stored: let its arrays go
      }
      options.onProgress?.(done, combos.length);
    },
  });
  const elapsedMs = performance.now() - started;
  const ranked = rankBy(results, rankMetric).slice(0, options.top ?? 10);
  return {
    strategy: name,
    grid,
    combinations: combos.length,
    refused,
    rankBy: rankMetric,
    workers,
    execution,
    input: inputSummary,
    elapsedMs,
    backtestsPerSec: combos.length / ((elapsedMs - read) / 1000),
    results: ranked.map((r, i) => ({ rank: i + 1, id: ids[r.index], params: r.params, metrics: r.metrics })),
  };
}

const pct = (x: number | null) => (x === null ? '-' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} %`);
const num = (x: number | null) => (x === null ? '-' : x.toFixed(2));

export function sweepOutput(s: SweepSummary): CommandOutput {
  return {
    exitCode: 0,
    json: s,
    human: ({ colour }) => {
      const where = s.input.source === 'parquet' ? s.input.file : `${s.input.venue} ${s.input.symbol}`;
      // Only the swept parameters in the table: the others are the same on every row.
      const swept = s.grid.filter((a) => a.values.length > 1).map((a) => a.name);
      const rows = s.results.map((r) => [
        String(r.rank),
        r.id === null ? '-' : String(r.id),
        swept.map((k) => `${k}=${r.params[k]}`).join(' ') || '(defaults)',
        { text: num(r.metrics[s.rankBy]), tone: 'strong' as const },
        pct(r.metrics.totalReturn),
        pct(r.metrics.excessReturn),
        num(r.metrics.sharpe),
        pct(-r.metrics.maxDrawdown),
        String(r.metrics.trades),
      ]);
      return [
        `${paintText(s.strategy, 'strong', colour)} sweep on ${where} ${s.input.timeframe}: ${s.input.from} → ${s.input.to}, ${s.input.candles} candles`,
        `${s.combinations} combinations${s.refused ? ` (${s.refused} refused by the strategy's rule)` : ''} on ${s.workers} workers in ${(s.elapsedMs / 1000).toFixed(2)} s (${s.backtestsPerSec.toFixed(1)} backtests/s); ranked by ${s.rankBy}`,
        '',
        formatTable(['#', 'run', 'params', s.rankBy, 'return', 'excess', 'Sharpe', 'max DD', 'trades'], rows, colour),
      ].join('\n');
    },
  };
}
