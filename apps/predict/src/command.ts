// `cqt predict` declaration (loaded by `cqt` at start-up): its flags, help and examples; the
// implementation is imported when the command runs.
import type { Command } from 'commander';
import { logFormatFlag, metricsFlags, stopSignal, type CliContext } from '@cqt/config';
import { asOfFlag, declareCommand, durationFlag, jsonFlag, runDurationFlag, storeFlags, timeFlag, type CliOptions, type FlagSpec, type FlagTable } from '@cqt/config/command';
import type { PredictOptions } from './index.js';
import { candleFlags } from './candleFlags.js';

type PredictFlags = CliOptions<PredictOptions, 'env' | 'signal' | 'log' | 'db' | 'clockMs'>;

const nonNegative = (flag: string, arg: string, describe: string, defaultValue: number) =>
  ({
    flag,
    arg,
    describe,
    default: defaultValue,
    expected: 'a number ≥ 0',
    parse: (text: string) => (text !== '' && Number(text) >= 0 ? Number(text) : undefined),
  }) satisfies FlagSpec<number>;

const interval = durationFlag('--interval', 'seconds between snapshots, on multiples since the epoch', { default: 5, defaultText: '5 s' });
const horizon = durationFlag('--horizon', 'barrier horizon H', { default: 120, defaultText: '120 s' });
// Rows received by t0 are written by the collector within ~0.5 s (200 ms flushes); 2.5 s leaves room.
const delay = durationFlag('--delay', 'live loop: compute boundary t0 at t0 + delay, once rows received by t0 are written', { default: 2.5, defaultText: '2.5 s' });
const kVol = nonNegative('--k-vol', '<x>', 'barrier width in horizon volatilities, r_t ≥ k·sigma·√H', 1);
const rMinBps = nonNegative('--r-min-bps', '<bp>', 'floor on r_t in basis points', 5);
const costMultiplier = nonNegative('--cost-multiplier', '<x>', 'r_t must cover this many round-trip costs (fees from CQT_FEE_PER_SIDE_BPS + spread)', 1);

export const predictFlags = {
  once: { flag: '--once', describe: 'compute one snapshot (the boundary at or before --as-of, default now) and print it; nothing is written' },
  asOf: { ...asOfFlag, describe: 'with --once: the time to compute (ISO 8601 with a zone or epoch ms)' },
  backfill: { flag: '--backfill', describe: 'compute and write every boundary in --from … --to from stored raw data' },
  from: timeFlag('--from', 'with --backfill: first time (ISO 8601 with a zone or epoch ms)'),
  to: timeFlag('--to', 'with --backfill: last time (capped at now − delay)'),
  durationSec: runDurationFlag('live loop: stop after this long (90, 90s, 10m, 24h, 30d; at most 365d)'),
  intervalSec: interval,
  horizonSec: horizon,
  delaySec: delay,
  symbol: { flag: '--symbol', arg: '<market>', describe: 'Upbit market', defaultText: 'first of CQT_UPBIT_MARKETS' },
  binanceSymbol: { flag: '--binance-symbol', arg: '<symbol>', describe: 'Binance USD-M symbol paired with it', defaultText: 'first of CQT_BINANCE_SYMBOLS' },
  kVol,
  rMinBps,
  costMultiplier,
  modelPath: { flag: '--model', arg: '<file>', describe: 'model state JSON (from BarrierModel.save())', defaultText: 'the Brownian first-passage baseline' },
  roleBudgetMs: nonNegative('--role-budget', '<ms>', 'registered champion/shadow (cqt model): a prediction slower than this is flagged in its model_predictions row', 250),
  ...candleFlags,
  json: { ...jsonFlag.json, describe: 'print one JSON object (the snapshot with --once, else the run summary)' },
  ...storeFlags,
  metricsPort: { ...metricsFlags.metricsPort, describe: `live loop: ${metricsFlags.metricsPort.describe}` },
  metricsHost: metricsFlags.metricsHost,
  logFormat: logFormatFlag,
} satisfies FlagTable<PredictFlags>;

export function register(program: Command, cli: CliContext): void {
  declareCommand<PredictFlags>(program, cli, {
    name: 'predict',
    description: 'point-in-time feature snapshots and barrier probabilities on exact interval boundaries (SIGINT/SIGTERM stop cleanly)',
    flags: predictFlags,
    help: `
A snapshot at t0 reads only rows with ts <= t0 and recv_ts <= t0, so recomputing it later gives the
same values (\`cqt check leak\` does exactly that). Missing or stale inputs are null, with the reason
in the degraded column.

Examples:
  $ cqt predict                                          # every 5 s until Ctrl-C (run beside cqt collect)
  $ cqt predict --duration 10m --horizon 60
  $ cqt predict --once --json                            # the latest settled snapshot
  $ cqt predict --once --as-of 2026-11-23T10:00:00Z
  $ cqt predict --backfill --from 2026-11-23T00:00:00Z --to 2026-11-23T06:00:00Z
  $ cqt predict --timeframe 1h --symbol KRW-BTC            # on each closed 1 h candle (beside cqt backfill --follow)
  $ cqt predict --timeframe 1d --backfill --from 2026-01-01T00:00:00Z --to 2026-11-23T00:00:00Z`,
    async action(flags, context) {
      const { run, output } = await import('./index.js');
      await context.emit(output(await run({ ...flags, signal: stopSignal() })), flags);
    },
  });
}
