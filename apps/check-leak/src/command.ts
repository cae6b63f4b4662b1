// `cqt check leak` declaration (loaded by `cqt` at start-up): options and help; the implementation
// is imported when the command runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import { CHECK_EXIT_CODES, addCheckFlags, commonOptions, type CheckFlags } from '@cqt/checks/command';

interface LeakFlags extends CheckFlags {
  sample?: string;
}

export function register(parent: Command, cli: CliContext): void {
  addCheckFlags(
    parent
      .command('leak')
      .description('look-ahead check: recompute a sample of stored snapshots from raw data cut at each t0 (recv_ts <= t0) and compare every column')
      .option('--sample <n>', 'snapshots to recompute per market, evenly spread over the window (default 20)'),
  )
    .addHelpText(
      'after',
      `
Fails when a recomputed value differs from the stored one (the item names the column and t0), when
a snapshot's inputs_max_recv_ts is after its ts, or when the window holds no snapshot to verify.
Symbol: the first configured Upbit market (CQT_UPBIT_MARKETS), the predictor's, unless --symbol names others.

Examples:
  $ cqt check leak                                  # 20 snapshots of the last 600 s
  $ cqt check leak --window 1h --sample 100
  $ cqt check leak --as-of 2026-11-23T10:00:00Z --json

${CHECK_EXIT_CODES}`,
    )
    .action(async (flags: LeakFlags) => {
      const { run, output } = await import('./index.js');
      const report = await run({ ...commonOptions(flags), sample: flags.sample });
      await cli.emit(output(report), flags);
    });
}
