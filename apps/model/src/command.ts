// `cqt model …` declarations: register, list, show, history, promote, rollback. The registry code
// loads only when a subcommand runs.
import type { Command } from 'commander';
import { UsageError, type CliContext } from '@cqt/config';
import { asOfFlag, declareCommand, durationFlag, jsonFlag, storeFlags, type CliOptions, type FlagSpec, type FlagTable } from '@cqt/config/command';
import type { CompareOptions, ExportDataset, PromoteOptions, StoreOptions } from './index.js';

type StoreFlags = CliOptions<StoreOptions, 'env' | 'db'>;
type PromoteFlags = CliOptions<Omit<PromoteOptions, 'to'> & { to?: 'champion' | 'shadow' }, 'env' | 'db' | 'exportDataset'>;
type RollbackFlags = StoreFlags & { reason?: string };
type CompareFlags = CliOptions<CompareOptions, 'env' | 'db' | 'exportDataset'>;

const number = (flag: string, arg: string, describe: string, defaultValue: number, check: (v: number) => boolean, expected: string) =>
  ({ flag, arg, describe, default: defaultValue, expected, parse: (text: string) => (text !== '' && check(Number(text)) ? Number(text) : undefined) }) satisfies FlagSpec<number>;

const storeOnly = { ...jsonFlag, ...storeFlags } satisfies FlagTable<StoreFlags>;
const reason = { flag: '--reason', arg: '<text>', describe: 'why (recorded in the alias history)' } satisfies FlagSpec<string>;

export const promoteFlags = {
  to: {
    flag: '--to',
    arg: '<alias>',
    describe: 'champion (serves; gated) or shadow (runs beside it; no gate)',
    required: true,
    expected: 'champion or shadow',
    parse: (text: string) => (text === 'champion' || text === 'shadow' ? text : undefined),
  },
  reason,
  force: { flag: '--force', describe: 'promote to champion even if the gate fails (needs --reason; recorded)' },
  dataset: { flag: '--dataset', arg: '<file>', describe: 'gate rows: an export Parquet of matured labels after both models\' training' },
  lastSec: durationFlag('--last', 'gate rows: export this much of the store now (24h, 7d)'),
  minSamples: number('--min-samples', '<n>', 'gate: fewest matured rows', 500, (v) => Number.isInteger(v) && v >= 1, 'a whole number ≥ 1'),
  logLossMargin: number('--margin', '<nats>', 'gate: log loss must be lower than the champion\'s by at least this', 0.002, (v) => v >= 0 && v < Infinity, 'a number ≥ 0'),
  maxEce: number('--max-ece', '<x>', 'gate: largest calibration error (ECE, 10 bins)', 0.05, (v) => v >= 0 && v <= 1, 'a number from 0 to 1'),
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<PromoteFlags>;

function oneArg(args: readonly string[], what: string, example: string): string {
  if (args.length === 1) return args[0];
  throw new UsageError(args.length === 0 ? `missing ${what}` : `one ${what} expected, got ${args.length}: ${args.join(' ')}`, example);
}

export function register(program: Command, cli: CliContext, exporter: () => Promise<ExportDataset>): void {
  const model = program.command('model').description('the model registry: register, list, show, history, promote to champion/shadow (gated), rollback, compare');

  const reg = declareCommand<StoreFlags>(model, cli, {
    name: 'register',
    description: 'add an artifact written by cqt train as a new version (idempotent: same sha256, same version)',
    flags: storeOnly,
    help: 'Examples:\n  $ cqt model register models/model-logreg-0123456789ab.json',
    async action(flags, context) {
      const file = oneArg(reg.args, 'FILE: the artifact', 'cqt model register models/model-logreg-….json');
      const m = await import('./index.js');
      await context.emit(m.registerOutput(await m.register(file, flags)), flags);
    },
  });
  reg.usage('[options] FILE').allowExcessArguments(true);

  declareCommand<StoreFlags>(model, cli, {
    name: 'list',
    description: 'registered versions with their validation figures and aliases',
    flags: storeOnly,
    async action(flags, context) {
      const m = await import('./index.js');
      await context.emit(m.listOutput(await m.list(flags)), flags);
    },
  });

  const show = declareCommand<StoreFlags>(model, cli, {
    name: 'show',
    description: 'one version: artifact summary, features, training range, fold metrics',
    flags: storeOnly,
    help: 'Examples:\n  $ cqt model show 3\n  $ cqt model show 3 --json   # includes the whole artifact',
    async action(flags, context) {
      const m = await import('./index.js');
      const version = m.parseVersion(show.args[0]);
      if (show.args.length > 1) throw new UsageError(`one V expected, got ${show.args.length}`, 'cqt model show 3');
      await context.emit(m.showOutput(await m.show(version, flags)), flags);
    },
  });
  show.usage('[options] V').allowExcessArguments(true);

  declareCommand<StoreFlags>(model, cli, {
    name: 'history',
    description: 'the append-only alias history: when, alias, from → to, promote/rollback, forced, why',
    flags: storeOnly,
    async action(flags, context) {
      const m = await import('./index.js');
      await context.emit(m.historyOutput(await m.aliasHistory(flags)), flags);
    },
  });

  const promote = declareCommand<PromoteFlags>(model, cli, {
    name: 'promote',
    description: 'point champion or shadow at version V; champion only through the gate (exit 1 with the figures when it fails)',
    flags: promoteFlags,
    help: `
The champion gate compares V with the current champion (or the unfitted baseline when there is
none) on the same matured rows that neither was trained on: at least --min-samples rows, log loss
lower by at least --margin, ECE at most --max-ece. Failing: exit 1, nothing changes.

Examples:
  $ cqt model promote 4 --to shadow --reason "new features"
  $ cqt model promote 4 --to champion --dataset recent.parquet
  $ cqt model promote 4 --to champion --last 24h
  $ cqt model promote 4 --to champion --force --reason "incident 12: champion broken"`,
    async action(flags, context) {
      const m = await import('./index.js');
      const version = m.parseVersion(promote.args[0]);
      if (promote.args.length > 1) throw new UsageError(`one V expected, got ${promote.args.length}`, 'cqt model promote 4 --to shadow');
      const exportDataset = flags.lastSec !== undefined ? await exporter() : undefined;
      await context.emit(m.promoteOutput(await m.promote(version, { ...flags, to: flags.to!, exportDataset })), flags);
    },
  });
  promote.usage('[options] V').allowExcessArguments(true);

  declareCommand<CompareFlags>(model, cli, {
    name: 'compare',
    description: 'champion vs shadow on matured snapshots: log loss, Brier, hit rate, ECE and calibration table, realised ev',
    flags: {
      windowSec: durationFlag('--window', 'snapshots with ts in [now − window, now − H]', { default: 86_400, defaultText: '24h' }),
      dataset: { flag: '--dataset', arg: '<file>', describe: 'labels: an export covering the window', defaultText: 'export the window now' },
      asOfMs: { ...asOfFlag, describe: 'treat this as now' },
      ...storeOnly,
    },
    help: 'Examples:\n  $ cqt model compare\n  $ cqt model compare --window 7d --dataset week.parquet --json',
    async action(flags, context) {
      const m = await import('./index.js');
      const exportDataset = flags.dataset === undefined ? await exporter() : undefined;
      await context.emit(m.compareOutput(await m.compare({ ...flags, exportDataset })), flags);
    },
  });

  declareCommand<RollbackFlags>(model, cli, {
    name: 'rollback',
    description: 'point champion back at the version the current one replaced (one step; recorded)',
    flags: { reason, ...storeOnly },
    async action(flags, context) {
      const m = await import('./index.js');
      await context.emit(m.rollbackOutput(await m.rollback(flags)), flags);
    },
  });
}
