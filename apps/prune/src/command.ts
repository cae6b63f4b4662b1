// `cqt prune` declaration (loaded by `cqt` at start-up): its flags, help and examples; the
// implementation is imported when the command runs.
import type { Command } from 'commander';
import { settings, type CliContext } from '@cqt/config';
import { declareCommand, jsonFlag, storeFlags, type CliOptions, type FlagTable } from '@cqt/config/command';
import type { PruneOptions } from './index.js';

/** `1m=180,5m=keep`: timeframe=days (≥ 0) or timeframe=keep; the timeframes themselves are checked by the run. */
export function parseCandleRetention(text: string): Array<[timeframe: string, days: number | null]> | undefined {
  const entries = text.split(',').map((e) => e.trim()).filter(Boolean);
  const out: Array<[string, number | null]> = [];
  for (const entry of entries) {
    const m = /^(\d+[mhdwM])=(keep|\d+(?:\.\d+)?)$/i.exec(entry);
    if (!m) return undefined;
    out.push([m[1], m[2].toLowerCase() === 'keep' ? null : Number(m[2])]);
  }
  return out.length ? out : undefined;
}

const wholeAtLeastOne = (text: string) => (/^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : undefined);

type Flags = CliOptions<PruneOptions, 'nowMs' | 'env' | 'db' | 'onProgress'>;

export const pruneFlags = {
  days: {
    flag: '--days',
    arg: '<n>',
    describe: 'retention in days for every table without its own CQT_RETENTION_DAYS_<TABLE>',
    env: settings.retentionDays.env,
    defaultText: settings.retentionDays.default,
    expected: 'a number of days ≥ 0, e.g. 7',
    parse: (text: string) => (/^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined),
  },
  tables: {
    flag: '--table',
    arg: '<name>',
    describe: 'only this table, repeatable or comma separated',
    defaultText: 'all but ingest_state',
    repeatable: true,
  },
  candleRetention: {
    flag: '--candle-retention',
    arg: '<list>',
    describe: 'candle retention per timeframe: timeframe=days or timeframe=keep, comma separated; timeframes not named follow CQT_RETENTION_DAYS_CANDLES, else are kept (1m: 180 days)',
    env: 'CQT_RETENTION_CANDLES',
    defaultText: '1m=180 (other timeframes kept)',
    expected: 'timeframe=days or timeframe=keep, comma separated, e.g. 1m=180,5m=365',
    parse: (text: string) => (parseCandleRetention(text) ? text : undefined),
  },
  dryRun: { flag: '--dry-run', describe: 'count what would be deleted; delete nothing' },
  force: { flag: '--force', describe: 'allow a retention of 0 days (deletes every row up to now)' },
  batchRows: { flag: '--batch-rows', arg: '<n>', describe: 'rows per delete statement', default: 10_000, expected: 'a whole number ≥ 1', parse: wholeAtLeastOne },
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<Flags>;

export function register(program: Command, cli: CliContext): void {
  declareCommand<Flags>(program, cli, {
    name: 'prune',
    description: 'delete rows older than the retention, in small batches, one prune at a time; prints rows deleted and kept per table',
    flags: pruneFlags,
    help: `
Retention per table: CQT_RETENTION_DAYS_<TABLE> (days, or keep) beats --days, which beats
CQT_RETENTION_DAYS. ingest_state and candle_coverage are never pruned. Candles have a retention
per timeframe instead, never --days: --candle-retention / CQT_RETENTION_CANDLES (e.g.
1m=90,5m=365), else CQT_RETENTION_DAYS_CANDLES for every timeframe, else 1m 180 days and longer
timeframes kept. Deleted candles are recorded as pruned coverage: cqt gaps shows them as
pruned, not unknown, and cqt backfill does not fetch them again.

Examples:
  $ cqt prune --dry-run                          # what the default retention would delete
  $ cqt prune --days 7                           # cron: 0 3 * * * cqt prune --days 7 --json >> prune.log
  $ cqt prune --days 2 --table market_1s --table binance_mark_price_1s
  $ cqt prune --days 7 --candle-retention 1m=30,5m=365   # 1m a month, 5m a year, the rest kept

Exit codes: 0 pruned (or counted), 2 usage error, runtime failure, or another prune running.`,
    async action(flags, context) {
      const { run, output } = await import('./index.js');
      // Progress only for a person watching: never in cron mail or pipes.
      const onProgress = process.stderr.isTTY && !flags.json
        ? (table: string, deleted: number) => process.stderr.write(`\rpruning ${table}: ${deleted} rows deleted\u001b[K`)
        : undefined;
      const result = await run({ ...flags, onProgress });
      if (onProgress) process.stderr.write('\r\u001b[K');
      await context.emit(output(result), flags);
    },
  });
}
