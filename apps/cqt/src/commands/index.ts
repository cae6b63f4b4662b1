// Command declarations only: options, help and examples. Each action imports its implementation
// when it runs, so `cqt --help` never loads drizzle, postgres.js, PGlite or DuckDB.
import { Command, Option } from 'commander';
import { declareCommand, jsonFlag, storeFlags, type FlagTable } from '@cqt/config/command';
import { register as registerBackfill } from '@cqt/backfill/command';
import { register as registerBacktest } from '@cqt/backtest-app/command';
import { register as registerCollect } from '@cqt/collect/command';
import { register as registerDemo } from '@cqt/demo/command';
import { register as registerExport } from '@cqt/export/command';
import { register as registerPredict } from '@cqt/predict/command';
import { register as registerFakeExchange } from '@cqt/fake-exchange/command';
import { register as registerGaps } from '@cqt/gaps/command';
import { register as registerModel } from '@cqt/model/command';
import { register as registerMonitor } from '@cqt/monitor/command';
import { register as registerPrune } from '@cqt/prune/command';
import { register as registerResults } from '@cqt/results-app/command';
import { register as registerServe } from '@cqt/serve/command';
import { register as registerStatus } from '@cqt/status/command';
import { register as registerTrain } from '@cqt/train/command';
import { register as registerWorker } from '@cqt/worker/command';
import { cli } from '../output.js';
import { registerCheck, runGates } from './check.js';
import type { ConfigCommandOptions } from './config.js';
import type { DbCommandOptions } from './db.js';

export function registerCommands(program: Command): void {
  registerCollect(program, cli);
  registerPredict(program, cli);
  registerCheck(program, cli);
  registerStatus(program, cli);
  registerPrune(program, cli);
  registerExport(program, cli);
  registerTrain(
    program,
    cli,
    async () => (await import('@cqt/export')).run,
    async () => (await import('@cqt/worker')).openTrainQueue,
  );
  registerModel(program, cli, async () => (await import('@cqt/export')).run);
  registerBackfill(program, cli);
  registerGaps(program, cli);
  registerBacktest(program, cli);
  registerWorker(
    program,
    cli,
    async () => ({ module: new URL('../backtestJob.js', import.meta.url).href, name: 'runBacktestJob' }),
    async () => ({ module: new URL('../trainJob.js', import.meta.url).href, name: 'runTrainJob' }),
  );
  registerResults(program, cli);
  registerServe(program, cli, async () => runGates);
  registerMonitor(program, cli, async () => runGates);
  registerFakeExchange(program, cli);
  registerDemo(program, cli);
  declareCommand<ConfigCommandOptions>(program, cli, {
    name: 'config',
    description: 'show the effective configuration (secrets masked) and where each value came from',
    flags: { check: { flag: '--check', describe: 'exit 1 when an enabled integration lacks a real key' }, ...jsonFlag },
    help: 'Examples:\n  $ cqt config\n  $ COINGLASS_ENABLED=true cqt config --check   # exit 1 without a real key',
    action: async (flags) => (await import('./config.js')).configCommand(flags),
  });

  const db = program.command('db').description('database operations: migrate, status');
  const dbFlags = { ...jsonFlag, ...storeFlags } satisfies FlagTable<DbCommandOptions>;
  declareCommand<DbCommandOptions>(db, cli, {
    name: 'migrate',
    description: 'apply pending migrations (also done automatically on open)',
    flags: dbFlags,
    action: async (flags) => (await import('./db.js')).migrateCommand(flags),
  });
  declareCommand<DbCommandOptions>(db, cli, {
    name: 'status',
    description: 'backend, location, schema version, row count and newest ts per table',
    flags: dbFlags,
    help: 'Examples:\n  $ cqt db status\n  $ DATABASE_URL=postgres://localhost/cqt cqt db status --json',
    action: async (flags) => (await import('./db.js')).statusCommand(flags),
  });

  program.addOption(new Option('--no-color', 'disable colour (also NO_COLOR=1)').hideHelp());
}
