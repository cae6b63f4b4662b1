// `cqt backtest` declaration (loaded by `cqt` at start-up): its subcommands' flags, help and
// examples; DuckDB and the store load only when a subcommand runs.
import type { Command } from 'commander';
import { strategyNames } from '@cqt/backtest';
import { UsageError, type CliContext } from '@cqt/config';
import { declareCommand, jsonFlag, storeFlags, timeFlag, type CliOptions, type FlagTable } from '@cqt/config/command';
import { RANK_METRICS } from '@cqt/backtest';
import type { ListOptions, RunOptions } from './index.js';
import { registerJobs, stateFlag, type JobState } from './jobsCommand.js';
import type { LookaheadRunOptions } from './lookahead.js';
import type { SweepOptions } from './sweep.js';

// The package is pure TypeScript (no DuckDB, no store): cheap enough for the start-up path.
const STRATEGIES: readonly string[] = strategyNames;

type RunFlags = CliOptions<RunOptions, 'env' | 'db'>;
type ListFlags = CliOptions<ListOptions & { state?: JobState }, 'env' | 'db'>;
type SweepFlags = CliOptions<SweepOptions, 'env' | 'db' | 'onProgress'>;
type LookaheadFlags = CliOptions<LookaheadRunOptions, 'env' | 'db' | 'registry'>;
type ShowFlags = CliOptions<{ databaseUrl?: string; dataDir?: string }>;

const number = (min: number, max = Infinity) => (text: string) => {
  const v = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) ? Number(text) : NaN;
  return v >= min && v <= max ? v : undefined;
};
const percent = (text: string) => {
  const v = number(0)(text.replace(/%$/, ''));
  return v !== undefined && v > 0 && v < 100 ? v : undefined;
};

export const runFlags = {
  strategy: {
    flag: '--strategy',
    arg: '<name>',
    describe: `the strategy: ${STRATEGIES.join(', ')}`,
    required: true,
    expected: `one of ${STRATEGIES.join(', ')}`,
    parse: (text: string) => (STRATEGIES.includes(text) ? text : undefined),
  },
  params: { flag: '--param', arg: '<name=value>', describe: 'a strategy parameter, repeatable (cqt backtest strategies lists each table)', repeatable: true },
  candlesFile: { flag: '--candles', arg: '<file>', describe: 'OHLCV Parquet file: ts (timestamp or epoch ms), open, high, low, close, volume' },
  venue: { flag: '--venue', arg: '<venue>', describe: 'candles from the store: upbit or binance', expected: 'upbit or binance', parse: (t: string) => (t === 'upbit' || t === 'binance' ? t : undefined) },
  symbol: { flag: '--symbol', arg: '<market>', describe: 'candles from the store: the market, e.g. KRW-BTC, BTCUSDT' },
  timeframe: { flag: '--timeframe', arg: '<tf>', describe: 'timeframe: 1m 3m 5m 10m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w 1M', defaultText: 'store: required; file: inferred from the spacing' },
  fromMs: timeFlag('--from', 'store: first candle open time (inclusive), ISO 8601 with a zone, a UTC date or epoch ms', { defaultText: 'the oldest' }),
  toMs: timeFlag('--to', 'store: end (exclusive: candles opening before it)', { defaultText: 'the newest closed' }),
  feeBps: { flag: '--fee-bps', arg: '<bps>', describe: 'fee per side, basis points of notional', default: 10, expected: 'basis points ≥ 0, e.g. 10 (= 0.1 %)', parse: number(0, 10_000) },
  slippageBps: { flag: '--slippage-bps', arg: '<bps>', describe: 'slippage per fill, basis points of price', default: 2, expected: 'basis points ≥ 0, e.g. 2 (= 0.02 %)', parse: number(0, 10_000) },
  cash: { flag: '--cash', arg: '<amount>', describe: 'starting cash (quote currency)', default: 1_000_000, expected: 'an amount > 0, e.g. 1000000', parse: (t: string) => { const v = number(0)(t); return v !== undefined && v > 0 ? v : undefined; } },
  stopLossPct: { flag: '--stop-loss', arg: '<pct>', describe: 'stop-loss, percent below the entry fill (intrabar, tested before take-profit)', expected: 'a percentage between 0 and 100, e.g. 5 for 5 %', parse: percent },
  takeProfitPct: { flag: '--take-profit', arg: '<pct>', describe: 'take-profit, percent above the entry fill (intrabar)', expected: 'a percentage between 0 and 100, e.g. 10 for 10 %', parse: percent },
  allowGaps: { flag: '--allow-gaps', describe: 'run over missing candles (counted in the summary) instead of refusing them' },
  out: { flag: '--out', arg: '<dir>', describe: 'write trades.parquet, equity.parquet and summary.json into this folder (each file atomically)' },
  store: { flag: '--no-store', describe: 'do not keep the run in the store (backtest_runs, backtest_trades, backtest_equity)' },
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<RunFlags>;

const { out: _out, ...runFlagsNoOut } = runFlags;
const wholeNumber = (min: number) => (t: string) => (/^\d+$/.test(t) && Number(t) >= min ? Number(t) : undefined);

export const sweepFlags = {
  ...runFlagsNoOut,
  params: { flag: '--param', arg: '<name=values>', describe: 'a parameter\'s values, repeatable: name=v, name=a,b,c or name=from..to:step (inclusive)', repeatable: true },
  rankBy: { flag: '--rank-by', arg: '<metric>', describe: 'the metric the results are ranked by (maxDrawdown: lowest first)', default: 'sharpe', expected: `one of ${RANK_METRICS.join(', ')}`, parse: (t: string) => ((RANK_METRICS as readonly string[]).includes(t) ? t : undefined) },
  top: { flag: '--top', arg: '<n>', describe: 'show the best n', default: 10, expected: 'a whole number ≥ 1', parse: wholeNumber(1) },
  workers: { flag: '--workers', arg: '<n>', describe: 'worker threads', defaultText: 'every core', expected: 'a whole number ≥ 1', parse: wholeNumber(1) },
} satisfies FlagTable<SweepFlags>;

export const lookaheadFlags = {
  strategy: runFlags.strategy,
  params: runFlags.params,
  candlesFile: runFlags.candlesFile,
  venue: runFlags.venue,
  symbol: runFlags.symbol,
  timeframe: runFlags.timeframe,
  fromMs: runFlags.fromMs,
  toMs: runFlags.toMs,
  allowGaps: runFlags.allowGaps,
  samples: { flag: '--samples', arg: '<n>', describe: 'cut points spread over the candles, and as many at entry signals', default: 20, expected: 'a whole number ≥ 1', parse: wholeNumber(1) },
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<LookaheadFlags>;

export const listFlags = {
  limit: { flag: '--limit', arg: '<n>', describe: 'at most this many runs', default: 20, expected: 'a whole number ≥ 1', parse: (t: string) => (/^\d+$/.test(t) && Number(t) >= 1 ? Number(t) : undefined) },
  strategy: { flag: '--strategy', arg: '<name>', describe: 'only runs of this strategy', expected: `one of ${STRATEGIES.join(', ')}`, parse: (t: string) => (STRATEGIES.includes(t) ? t : undefined) },
  ...stateFlag,
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<ListFlags>;

/** ID is an operand, as FILE is for `check dataset`. */
function runId(args: readonly string[]): number {
  if (args.length === 1 && /^\d+$/.test(args[0])) return Number(args[0]);
  throw new UsageError(args.length === 0 ? 'missing ID: the run to show' : `one run ID expected, got ${JSON.stringify(args.join(' '))}`, 'cqt backtest show ID (cqt backtest list shows the IDs)');
}

export function register(program: Command, cli: CliContext): void {
  const backtest = program.command('backtest').description('backtest a strategy on candles: signals on closed candles, fills at the next open with fees and slippage');
  declareCommand<RunFlags>(backtest, cli, {
    name: 'run',
    description: 'run one backtest on candles from a Parquet file or the store; prints the metrics against buy & hold',
    flags: runFlags,
    help: `
Input: --candles FILE, or --venue --symbol --timeframe [--from] [--to] (the candles table, closed
candles only). Holes, duplicates and corrupt rows are refused; --allow-gaps runs over holes and
says how many candles were missing. Execution: a signal on closed candle t fills at the open of
t + 1 with slippage, a fee on each side, one position at a time (docs/backtest.md).

Strategy parameters (--param name=value): \`cqt backtest strategies\` lists every table.

Examples:
  $ cqt backtest run --strategy volume-zone-breakout --candles btc_1m.parquet
  $ cqt backtest run --strategy volume-zone-breakout --param volume_window=30 --param top_percentile=0.1 \\
      --venue upbit --symbol KRW-BTC --timeframe 1h --from 2026-01-01 --out runs/vzb --json
  $ cqt backtest run --strategy sma-cross --param fast=20 --param slow=50 --candles eth_1h.parquet --stop-loss 3

Every run is kept in the store (backtest_runs, backtest_trades, backtest_equity; DATABASE_URL or
the embedded store) unless --no-store: cqt backtest list, cqt backtest show ID.

Exit codes: 0 done, 2 usage error, bad input or runtime failure.`,
    async action(flags, context) {
      const { run, output } = await import('./index.js');
      await context.emit(output(await run(flags)), flags);
    },
  });
  declareCommand<SweepFlags>(backtest, cli, {
    name: 'sweep',
    description: 'backtest every combination of a parameter grid on all cores, rank by a metric, store each as a run',
    flags: sweepFlags,
    help: `
The grid: one --param per swept parameter, name=v, name=a,b,c or name=from..to:step (inclusive);
parameters not given keep their defaults. Combinations the strategy's rule refuses (sma-cross:
fast < slow) are left out and counted. Input, costs and stops as for \`cqt backtest run\`. Each
combination is stored as a run (cqt backtest show ID) unless --no-store.

Examples:
  $ cqt backtest sweep --strategy volume-zone-breakout --candles btc_1m.parquet \\
      --param volume_window=5..60:5 --param top_percentile=0.1,0.2,0.3
  $ cqt backtest sweep --strategy sma-cross --param fast=5..30:5 --param slow=20..100:10 \\
      --venue upbit --symbol KRW-BTC --timeframe 1h --rank-by excessReturn --top 5 --json

Exit codes: 0 done, 2 usage error (a bad grid), bad input or runtime failure.`,
    async action(flags, context) {
      const { sweep, sweepOutput } = await import('./sweep.js');
      const onProgress = process.stderr.isTTY && !flags.json
        ? (done: number, total: number) => process.stderr.write(`\rsweep: ${done}/${total} backtests${done === total ? '\n' : ''}`)
        : undefined;
      await context.emit(sweepOutput(await sweep({ ...flags, onProgress })), flags);
    },
  });
  declareCommand<LookaheadFlags>(backtest, cli, {
    name: 'lookahead',
    description: 'check a strategy for lookahead: rerun it on the candles cut after sampled t; exit 1 if a signal at or before t changes',
    flags: lookaheadFlags,
    help: `
A signal at t may use candles 0 … t only. The strategy runs once on all the candles, then again on
the candles cut after each sampled t (--samples points spread over the candles, and as many at
entry signals); every entry and exit signal at or before t must be the same. Input as for
\`cqt backtest run\`.

Examples:
  $ cqt backtest lookahead --strategy volume-zone-breakout --candles btc_1m.parquet
  $ cqt backtest lookahead --strategy sma-cross --param fast=20 --param slow=50 --venue upbit --symbol KRW-BTC --timeframe 1h --json

Exit codes: 0 no lookahead found, 1 a signal changed (the strategy looks ahead), 2 usage error or bad input.`,
    async action(flags, context) {
      const { lookaheadRun, lookaheadOutput } = await import('./lookahead.js');
      await context.emit(lookaheadOutput(await lookaheadRun(flags)), flags);
    },
  });
  declareCommand<ListFlags>(backtest, cli, {
    name: 'list',
    description: 'the stored runs, newest first: strategy, input, return against buy & hold, trades, Sharpe',
    flags: listFlags,
    help: 'Examples:\n  $ cqt backtest list\n  $ cqt backtest list --strategy volume-zone-breakout --limit 5 --json',
    async action(flags, context) {
      if (flags.state) {
        const { listJobs, jobsOutput } = await import('./jobs.js');
        return void (await context.emit(jobsOutput(await listJobs({ ...flags, state: flags.state })), flags));
      }
      const { list, listOutput } = await import('./index.js');
      await context.emit(listOutput(await list(flags)), flags);
    },
  });
  const showCmd = declareCommand<ShowFlags>(backtest, cli, {
    name: 'show',
    description: 'one stored run: its summary, parameters, input and trades',
    flags: { ...jsonFlag, ...storeFlags },
    help: 'Examples:\n  $ cqt backtest show 12\n  $ cqt backtest show 12 --json    # every trade',
    async action(flags, context) {
      const id = runId(showCmd.args);
      const { show, showOutput } = await import('./index.js');
      await context.emit(showOutput(await show({ ...flags, id })), flags);
    },
  });
  showCmd.usage('[options] ID').allowExcessArguments(true);
  declareCommand<{ json?: boolean }>(backtest, cli, {
    name: 'strategies',
    description: 'list the strategies and their parameters (name, type, default, range)',
    flags: { ...jsonFlag },
    async action(flags, context) {
      const { strategiesOutput } = await import('./index.js');
      await context.emit(strategiesOutput(), flags);
    },
  });
  registerJobs(backtest, cli, runFlags);
}
