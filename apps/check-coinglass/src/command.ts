// `cqt check coinglass` declaration (loaded by `cqt` at start-up): options and help; the
// implementation is imported when the command runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import { CHECK_EXIT_CODES, addCheckFlags, commonOptions, type CheckFlags } from '@cqt/checks/command';

interface CoinglassFlags extends CheckFlags {
  minOkRate?: string;
}

export function register(parent: Command, cli: CliContext): void {
  addCheckFlags(
    parent
      .command('coinglass')
      .description('Coinglass: enabled, a real key, recent calls ok (fails when enabled without a real key; skips when disabled)')
      .option('--min-ok-rate <ratio>', 'fail when fewer recent calls succeeded: 0.5 or 50% (CQT_CHECK_COINGLASS_MIN_OK_RATE, default 0.5)'),
    { symbol: false },
  )
    .addHelpText(
      'after',
      `
Calls are counted over the window, but at least 3 × COINGLASS_POLL_SEC.

Examples:
  $ cqt check coinglass
  $ COINGLASS_ENABLED=true cqt check coinglass --json    # exit 1 without a real COINGLASS_API_KEY
  $ cqt check coinglass --window 1h --min-ok-rate 90%

${CHECK_EXIT_CODES}`,
    )
    .action(async (flags: CoinglassFlags) => {
      const { run, output } = await import('./index.js');
      const { window, asOf, databaseUrl, dataDir } = commonOptions(flags);
      await cli.emit(output(await run({ window, asOf, databaseUrl, dataDir, minOkRate: flags.minOkRate })), flags);
    });
}
