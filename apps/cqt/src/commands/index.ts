// Command declarations only: options, help and examples. Each action imports its implementation
// when it runs, so `cqt --help` never loads drizzle, postgres.js, PGlite or DuckDB.
import { Command, Option } from 'commander';
import { register as registerCollect } from '@cqt/collect/command';
import { register as registerDemo } from '@cqt/demo/command';
import { register as registerExport } from '@cqt/export/command';
import { register as registerPredict } from '@cqt/predict/command';
import { register as registerFakeExchange } from '@cqt/fake-exchange/command';
import { register as registerPrune } from '@cqt/prune/command';
import { register as registerStatus } from '@cqt/status/command';
import { cli } from '../output.js';
import { registerCheck } from './check.js';

const databaseOptions = (cmd: Command) =>
  cmd
    .option('--database-url <url>', 'PostgreSQL URL (overrides DATABASE_URL); unset = embedded store')
    .option('--data-dir <dir>', 'embedded store folder (overrides CQT_DATA_DIR)');

export function registerCommands(program: Command): void {
  registerCollect(program, cli);
  registerPredict(program, cli);
  registerCheck(program, cli);
  registerStatus(program, cli);
  registerPrune(program, cli);
  registerExport(program, cli);
  registerFakeExchange(program, cli);
  registerDemo(program, cli);
  program
    .command('config')
    .description('show the effective configuration (secrets masked) and where each value came from')
    .option('--check', 'exit 1 when an enabled integration lacks a real key')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  $ cqt config\n  $ COINGLASS_ENABLED=true cqt config --check   # exit 1 without a real key')
    .action(async (opts) => (await import('./config.js')).configCommand(opts));

  const db = program.command('db').description('database operations: migrate, status');
  databaseOptions(
    db
      .command('migrate')
      .description('apply pending migrations (also done automatically on open)')
      .option('--json', 'print one JSON object'),
  ).action(async (opts) => (await import('./db.js')).migrateCommand(opts));
  databaseOptions(
    db
      .command('status')
      .description('backend, location, schema version, row count and newest ts per table')
      .option('--json', 'print one JSON object')
      .addHelpText('after', '\nExamples:\n  $ cqt db status\n  $ DATABASE_URL=postgres://localhost/cqt cqt db status --json'),
  ).action(async (opts) => (await import('./db.js')).statusCommand(opts));

  program.addOption(new Option('--no-color', 'disable colour (also NO_COLOR=1)').hideHelp());
}
