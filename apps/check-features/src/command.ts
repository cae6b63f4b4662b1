// `cqt check features` declaration (loaded by `cqt` at start-up): options and help; the
// implementation is imported when the command runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import { CHECK_EXIT_CODES, addCheckFlags, collectValues, commonOptions, type CheckFlags } from '@cqt/checks/command';

interface FeaturesFlags extends CheckFlags {
  warnLag?: string;
  maxLag?: string;
  minFill?: string;
  maxNullRate?: string;
  ignoreColumn?: string[];
}

export function register(parent: Command, cli: CliContext): void {
  addCheckFlags(
    parent
      .command('features')
      .description('feature_snapshots at as-of: lag, fill rate on the 5 s grid, null rate per column, liq_5m_notional never null, no NaN')
      .option('--warn-lag <dur>', 'warn when snapshots lag more than this (CQT_CHECK_FEATURES_WARN_LAG, default 15 s)')
      .option('--max-lag <dur>', 'fail when snapshots lag more than this (CQT_CHECK_FEATURES_MAX_LAG, default 120 s)')
      .option('--min-fill <ratio>', 'fail below this share of 5 s points: 0.95 or 95% (CQT_CHECK_FEATURES_MIN_FILL, default 0.95)')
      .option('--max-null-rate <ratio>', 'fail a column with more nulls: 0.05 or 5% (CQT_CHECK_FEATURES_MAX_NULL_RATE, default 0.05)')
      .option('--ignore-column <name>', 'leave a column out of the null-rate items, repeatable (CQT_CHECK_FEATURES_IGNORE_COLUMNS)', collectValues, []),
  )
    .addHelpText(
      'after',
      `
Symbol: the first configured Upbit market (CQT_UPBIT_MARKETS), the predictor's, unless --symbol names others.

Examples:
  $ cqt check features                                  # last 600 s
  $ cqt check features --window 1h --max-null-rate 1%
  $ cqt check features --ignore-column p_up --ignore-column p_down --json
  $ cqt check features --as-of 2026-11-23T10:00:00Z

${CHECK_EXIT_CODES}`,
    )
    .action(async (flags: FeaturesFlags) => {
      const { run, output } = await import('./index.js');
      const report = await run({
        ...commonOptions(flags),
        warnLag: flags.warnLag,
        maxLag: flags.maxLag,
        minFill: flags.minFill,
        maxNullRate: flags.maxNullRate,
        ignoreColumns: flags.ignoreColumn,
      });
      await cli.emit(output(report), flags);
    });
}
