// `cqt collect` declaration; the collector loads only when the command runs.
import type { Command } from 'commander';
import { parseDurationSec, stopSignal, type CliContext } from '@cqt/config';

export function register(program: Command, cli: CliContext): void {
  program
    .command('collect')
    .description('collect Upbit, Binance USD-M and Coinglass data into the store until stopped (SIGINT/SIGTERM flush and exit 0)')
    .option('--duration <dur>', 'stop after this long (90, 90s, 10m, 24h)', (v) => parseDurationSec(v, '--duration'))
    .option('--upbit-markets <list>', 'Upbit markets, e.g. KRW-BTC,KRW-ETH (CQT_UPBIT_MARKETS)')
    .option('--binance-symbols <list>', 'Binance USD-M symbols, e.g. BTCUSDT (CQT_BINANCE_SYMBOLS)')
    .option('--capture <dir>', 'also save every received frame, gzip JSON lines rotated hourly')
    .option('--json-status', 'status as JSON lines on stdout instead of a line on stderr')
    .option('--status-interval <dur>', 'seconds between status lines (default 5 on a TTY, 60 otherwise)', (v) => parseDurationSec(v, '--status-interval'))
    .option('--database-url <url>', 'PostgreSQL URL (overrides DATABASE_URL); unset = embedded store')
    .option('--data-dir <dir>', 'embedded store folder (overrides CQT_DATA_DIR)')
    .option('--json', 'print the run summary as one JSON object at the end')
    .addHelpText(
      'after',
      `
Examples:
  $ cqt collect                                  # until Ctrl-C, embedded store in ./data/cqt-db
  $ cqt collect --duration 10m --capture ./cap   # ten minutes, with raw frames saved
  $ DATABASE_URL=postgres://localhost/cqt cqt collect --upbit-markets KRW-BTC,KRW-ETH`,
    )
    .action(async (opts) => {
      const { run, output } = await import('./index.js');
      const signal = stopSignal();
      const result = await run({
        durationSec: opts.duration,
        captureDir: opts.capture,
        jsonStatus: opts.jsonStatus,
        statusIntervalSec: opts.statusInterval,
        databaseUrl: opts.databaseUrl,
        dataDir: opts.dataDir,
        upbitMarkets: opts.upbitMarkets,
        binanceSymbols: opts.binanceSymbols,
        signal,
      });
      await cli.emit(output(result), opts);
    });
}
