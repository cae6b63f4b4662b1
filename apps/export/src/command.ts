// `cqt export` declaration; DuckDB and the exporter load only when the command runs.
import type { Command } from 'commander';
import { parseDurationSec, parseTimeMs, UsageError, stopSignal, type CliContext } from '@cqt/config';

export function register(program: Command, cli: CliContext): void {
  program
    .command('export')
    .description('write a leak-free Parquet dataset: one row per feature snapshot with its triple-barrier label')
    .requiredOption('--out <path>', 'output .parquet file (or folder with --partition-by date)')
    .option('--symbol <market>', 'Upbit market (default: first of CQT_UPBIT_MARKETS)')
    .option('--binance-symbol <symbol>', 'Binance symbol for --with-raw (default: first of CQT_BINANCE_SYMBOLS)')
    .option('--from <time>', 'range start (ISO 8601 with zone, or epoch ms)', (v) => parseTimeMs(v, '--from'))
    .option('--to <time>', 'range end (default: --as-of / now)', (v) => parseTimeMs(v, '--to'))
    .option('--last <dur>', 'range length ending at --to (default 24h)', (v) => parseDurationSec(v, '--last'))
    .option('--as-of <time>', 'treat this as now: data after it is not used', (v) => parseTimeMs(v, '--as-of'))
    .option('--horizon <dur>', 'label horizon H (default 120s)', (v) => parseDurationSec(v, '--horizon'))
    .option('--interval <dur>', 'keep only snapshots on this grid (e.g. 30s); default: every snapshot', (v) => parseDurationSec(v, '--interval'))
    .option('--r-t <fraction>', "fixed barrier half-width instead of each snapshot's r_t", (v) => Number(v))
    .option('--with-raw', 'add raw columns joined backward as of recv_ts <= t0 (market_1s, mark price, futures metrics)')
    .option('--partition-by <key>', 'write a Hive-style folder partitioned by this key (only: date)')
    .option('--keep-unlabeled', 'also write rows without a complete label (label null, label_status says why)')
    .option('--database-url <url>', 'PostgreSQL URL (overrides DATABASE_URL); unset = embedded store')
    .option('--data-dir <dir>', 'embedded store folder (overrides CQT_DATA_DIR)')
    .option('--json', 'print the summary as one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ cqt export --out btc_24h.parquet
  $ cqt export --out btc_7d --last 7d --partition-by date --with-raw
  $ cqt export --out day.parquet --from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z --horizon 300s`,
    )
    .action(async (opts) => {
      if (opts.from !== undefined && opts.last !== undefined) throw new UsageError('--from and --last exclude each other', 'give a range with --from/--to or --last');
      if (opts.partitionBy !== undefined && opts.partitionBy !== 'date') throw new UsageError(`invalid --partition-by "${opts.partitionBy}"`, 'only "date" is supported');
      const { run, output } = await import('./index.js');
      const signal = stopSignal();
      const spinner = process.stderr.isTTY && !opts.json ? (await import('ora')).default({ stream: process.stderr, text: 'exporting' }).start() : null;
      try {
        const result = await run({
          out: opts.out,
          symbol: opts.symbol,
          binanceSymbol: opts.binanceSymbol,
          fromMs: opts.from,
          toMs: opts.to,
          lastSec: opts.last,
          asOfMs: opts.asOf,
          horizonSec: opts.horizon,
          intervalSec: opts.interval,
          rT: opts.rT,
          withRaw: opts.withRaw,
          partitionBy: opts.partitionBy,
          keepUnlabeled: opts.keepUnlabeled,
          databaseUrl: opts.databaseUrl,
          dataDir: opts.dataDir,
          signal,
          onProgress: spinner ? (text) => (spinner.text = text) : undefined,
        });
        spinner?.succeed('exported');
        await cli.emit(output(result), opts);
      } catch (err) {
        spinner?.fail('export failed');
        throw err;
      }
    });
}
