// `cqt export` declaration; DuckDB and the exporter load only when the command runs.
import type { Command } from 'commander';
import { UsageError, stopSignal, type CliContext } from '@cqt/config';
import { asOfFlag, declareCommand, durationFlag, jsonFlag, storeFlags, timeFlag, type CliOptions, type FlagTable } from '@cqt/config/command';
import type { ExportOptions } from './index.js';

type ExportFlags = CliOptions<ExportOptions, 'env' | 'signal' | 'memoryLimit' | 'onProgress'>;

const horizon = durationFlag('--horizon', 'label horizon H', { default: 120, defaultText: '120s' });
const last = durationFlag('--last', 'range length ending at --to', { default: 86_400, defaultText: '24h' });

export const exportFlags = {
  out: { flag: '--out', arg: '<path>', describe: 'output .parquet file (or folder with --partition-by date)', required: true },
  symbol: { flag: '--symbol', arg: '<market>', describe: 'Upbit market', defaultText: 'first of CQT_UPBIT_MARKETS' },
  binanceSymbol: { flag: '--binance-symbol', arg: '<symbol>', describe: 'Binance symbol for --with-raw', defaultText: 'first of CQT_BINANCE_SYMBOLS' },
  fromMs: timeFlag('--from', 'range start (ISO 8601 with zone, or epoch ms)'),
  toMs: timeFlag('--to', 'range end', { defaultText: '--as-of / now' }),
  lastSec: last,
  asOfMs: { ...asOfFlag, describe: 'treat this as now: data after it is not used' },
  horizonSec: horizon,
  intervalSec: durationFlag('--interval', 'keep only snapshots on this grid (e.g. 30s)', { defaultText: 'every snapshot' }),
  rT: {
    flag: '--r-t',
    arg: '<fraction>',
    describe: "fixed barrier half-width instead of each snapshot's r_t",
    expected: 'a fraction between 0 and 1, e.g. 0.002',
    parse: (text) => {
      const value = Number(text);
      return text !== '' && value > 0 && value < 1 ? value : undefined;
    },
  },
  otherHorizonRt: {
    flag: '--other-horizon-r-t',
    describe: "without a predictions row of --horizon, label with the snapshot's r_t though it was computed for another horizon (r_t_source 'snapshot', r_t_horizon_sec says which)",
  },
  withRaw: { flag: '--with-raw', describe: 'add raw columns as of t0: the newest row with recv_ts <= t0 and ts <= t0, ties to the newest ts (market_1s, mark price, futures metrics)' },
  partitionBy: {
    flag: '--partition-by',
    arg: '<key>',
    describe: 'write a Hive-style folder: date (OUT/date=…/), or symbol,date (OUT/symbol=…/date=…/; exports of several symbols share OUT, each replacing only its own)',
    expected: '"date" or "symbol,date"',
    parse: (text) => (text === 'date' || text === 'symbol,date' ? text : undefined),
  },
  keepUnlabeled: { flag: '--keep-unlabeled', describe: 'also write rows without a complete label (label null, label_status says why)' },
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<ExportFlags>;

export function register(program: Command, cli: CliContext): void {
  declareCommand<ExportFlags>(program, cli, {
    name: 'export',
    description: 'write a leak-free Parquet dataset: one row per feature snapshot with its triple-barrier label',
    flags: exportFlags,
    help: `
Examples:
  $ cqt export --out btc_24h.parquet
  $ cqt export --out btc_7d --last 7d --partition-by date --with-raw
  $ for m in KRW-BTC KRW-ETH; do cqt export --symbol $m --out lake --last 7d --partition-by symbol,date; done
  $ cqt export --out day.parquet --from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z --horizon 300s`,
    async action(flags, context) {
      if (flags.fromMs !== undefined && flags.lastSec !== undefined) throw new UsageError('--from and --last exclude each other', 'give a range with --from/--to or --last');
      const { run, output } = await import('./index.js');
      const signal = stopSignal();
      const spinner = process.stderr.isTTY && !flags.json ? (await import('ora')).default({ stream: process.stderr, text: 'exporting' }).start() : null;
      try {
        const result = await run({ ...flags, signal, onProgress: spinner ? (text) => (spinner.text = text) : undefined });
        spinner?.succeed('exported');
        await context.emit(output(result), flags);
      } catch (err) {
        spinner?.fail('export failed');
        throw err;
      }
    },
  });
}
