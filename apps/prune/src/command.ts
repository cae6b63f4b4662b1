// `cqt prune` declaration (loaded by `cqt` at start-up): options and help; the implementation is
// imported when the command runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import { collectValues } from '@cqt/checks/command';

interface PruneFlags {
  days?: string;
  table: string[];
  dryRun?: boolean;
  force?: boolean;
  batchRows?: string;
  json?: boolean;
  databaseUrl?: string;
  dataDir?: string;
}

export function register(program: Command, cli: CliContext): void {
  program
    .command('prune')
    .description('delete rows older than the retention, in small batches, one prune at a time; prints rows deleted and kept per table')
    .option('--days <n>', 'retention in days for every table without its own CQT_RETENTION_DAYS_<TABLE> (default CQT_RETENTION_DAYS, 7)')
    .option('--table <name>', 'only this table, repeatable or comma separated (default: all but ingest_state)', collectValues, [])
    .option('--dry-run', 'count what would be deleted; delete nothing')
    .option('--force', 'allow a retention of 0 days (deletes every row up to now)')
    .option('--batch-rows <n>', 'rows per delete statement (default 10000)')
    .option('--json', 'print one JSON object')
    .option('--database-url <url>', 'PostgreSQL URL (overrides DATABASE_URL); unset = embedded store')
    .option('--data-dir <dir>', 'embedded store folder (overrides CQT_DATA_DIR)')
    .addHelpText(
      'after',
      `
Retention per table: CQT_RETENTION_DAYS_<TABLE> (days, or keep) beats --days, which beats
CQT_RETENTION_DAYS. ingest_state is never pruned; candles are pruned like the rest unless
CQT_RETENTION_DAYS_CANDLES=keep (or a number of days) says otherwise.

Examples:
  $ cqt prune --dry-run                          # what the default retention would delete
  $ cqt prune --days 7                           # cron: 0 3 * * * cqt prune --days 7 --json >> prune.log
  $ cqt prune --days 2 --table market_1s --table binance_mark_price_1s
  $ CQT_RETENTION_DAYS_CANDLES=keep cqt prune --days 7

Exit codes: 0 pruned (or counted), 2 usage error, runtime failure, or another prune running.`,
    )
    .action(async (flags: PruneFlags) => {
      const { run, output } = await import('./index.js');
      // Progress only for a person watching: never in cron mail or pipes.
      const onProgress = process.stderr.isTTY && !flags.json
        ? (table: string, deleted: number) => process.stderr.write(`\rpruning ${table}: ${deleted} rows deleted\u001b[K`)
        : undefined;
      const result = await run({
        days: flags.days,
        tables: flags.table,
        dryRun: flags.dryRun,
        force: flags.force,
        batchRows: flags.batchRows,
        databaseUrl: flags.databaseUrl,
        dataDir: flags.dataDir,
        onProgress,
      });
      if (onProgress) process.stderr.write('\r\u001b[K');
      await cli.emit(output(result), flags);
    });
}
