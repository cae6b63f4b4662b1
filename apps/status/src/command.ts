// `cqt status` declaration (loaded by `cqt` at start-up): its flags, help and examples; the
// implementation is imported when the command runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import { asOfFlag, declareCommand, jsonFlag, storeFlags, type CliOptions, type FlagTable } from '@cqt/config/command';
import type { StatusOptions } from './index.js';

type Flags = CliOptions<StatusOptions, 'env' | 'db'>;

export const statusFlags = {
  asOf: asOfFlag,
  symbols: { flag: '--symbol', arg: '<list>', describe: 'symbol(s), repeatable or comma separated', defaultText: 'every configured market and symbol', repeatable: true },
  sources: { flag: '--source', arg: '<table>', describe: 'only these source tables, repeatable or comma separated', defaultText: 'all', repeatable: true },
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<Flags>;

export function register(program: Command, cli: CliContext): void {
  declareCommand<Flags>(program, cli, {
    name: 'status',
    description: 'freshness of every source (newest ts, age, policy, class); exit 1 when any is hard_stale or corrupt',
    flags: statusFlags,
    help: `
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
    async action(flags, context) {
      const { run, output } = await import('./index.js');
      await context.emit(output(await run(flags)), flags);
    },
  });
}
