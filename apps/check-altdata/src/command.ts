// `cqt check altdata` declaration (loaded by `cqt` at start-up): options and help; the
// implementation is imported when the command runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import { CHECK_EXIT_CODES, addCheckFlags, commonOptions, type CheckFlags } from '@cqt/checks/command';

interface AltdataFlags extends CheckFlags {
  warnLag?: string;
  maxLag?: string;
  minFill?: string;
}

export function register(parent: Command, cli: CliContext): void {
  addCheckFlags(
    parent
      .command('altdata')
      .description('raw data at as-of: mark price and Upbit 1 s bars (lag, fill rate), futures metrics lag, forceOrder stream, Coinglass maps')
      .option('--warn-lag <dur>', 'warn when a 1 s source lags more than this (CQT_CHECK_ALTDATA_WARN_LAG, default 5 s)')
      .option('--max-lag <dur>', 'fail when a 1 s source lags more than this (CQT_CHECK_ALTDATA_MAX_LAG, default 60 s)')
      .option('--min-fill <ratio>', 'fail when a 1 s source fills less of the window: 0.95 or 95% (CQT_CHECK_ALTDATA_MIN_FILL, default 0.95)'),
  )
    .addHelpText(
      'after',
      `
Symbols: Upbit markets (with a dash, KRW-BTC) and Binance symbols (BTCUSDT) are told apart by
their form; a venue not named keeps its configured list (CQT_UPBIT_MARKETS, CQT_BINANCE_SYMBOLS).
Futures metrics are judged against their poll interval (BINANCE_POLL_SEC, at least the endpoint's
5 min period for ratios and basis); Coinglass is a stated skip when disabled or keyless.

Examples:
  $ cqt check altdata                                  # last 600 s, configured symbols
  $ cqt check altdata --window 10m --min-fill 99%
  $ cqt check altdata --as-of 2026-11-23T10:00:00Z --json
  $ cqt check altdata --symbol KRW-BTC --symbol BTCUSDT

${CHECK_EXIT_CODES}`,
    )
    .action(async (flags: AltdataFlags) => {
      const { run, output } = await import('./index.js');
      const report = await run({ ...commonOptions(flags), warnLag: flags.warnLag, maxLag: flags.maxLag, minFill: flags.minFill });
      await cli.emit(output(report), flags);
    });
}
