// `cqt status` declaration (loaded by `cqt` at start-up): options and help; the implementation
// is imported when the command runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import { collectValues } from '@cqt/checks/command';

interface StatusFlags {
  asOf?: string;
  symbol: string[];
  source: string[];
  json?: boolean;
  databaseUrl?: string;
  dataDir?: string;
}

export function register(program: Command, cli: CliContext): void {
  program
    .command('status')
    .description('freshness of every source (newest ts, age, policy, class); exit 1 when any is hard_stale or corrupt')
    .option('--as-of <time>', 'evaluate as if now were this time: ISO 8601 with a zone or epoch ms (default now)')
    .option('--symbol <list>', 'symbol(s), repeatable or comma separated (default: every configured market and symbol)', collectValues, [])
    .option('--source <table>', 'only these source tables, repeatable or comma separated (default: all)', collectValues, [])
    .option('--json', 'print one JSON object')
    .option('--database-url <url>', 'PostgreSQL URL (overrides DATABASE_URL); unset = embedded store')
    .option('--data-dir <dir>', 'embedded store folder (overrides CQT_DATA_DIR)')
    .addHelpText(
      'after',
      `
Classes: fresh ≤ stale bound < stale ≤ hard bound < hard_stale; corrupt (NaN or non-positive
values, a ts in the future beyond the tolerance, a ts going back) wins over all; absent = a
derived table (feature_snapshots, predictions) never written in this store, not gated.
Sources: market_1s, binance_mark_price_1s, binance_futures_metrics, feed_events (binance.ws
heartbeat), coinglass_liquidation_map (when COINGLASS_ENABLED), feature_snapshots, predictions.

Examples:
  $ cqt status
  $ cqt status --json | jq '.sources[] | select(.class != "fresh")'
  $ cqt status --source market_1s,binance_mark_price_1s --as-of 2026-11-23T10:00:00Z

Exit codes: 0 nothing hard_stale or corrupt (stale is reported, not failed), 1 a source is
hard_stale or corrupt, 2 usage error or runtime failure.`,
    )
    .action(async (flags: StatusFlags) => {
      const { run, output } = await import('./index.js');
      const result = await run({
        asOf: flags.asOf,
        symbols: flags.symbol.length ? flags.symbol : undefined,
        sources: flags.source,
        databaseUrl: flags.databaseUrl,
        dataDir: flags.dataDir,
      });
      await cli.emit(output(result), flags);
    });
}
