// `cqt check dataset FILE` declaration (loaded by `cqt` at start-up); DuckDB and the checks load
// only when it runs. FILE is an operand, not a flag: commander hands it over in `cmd.args`.
import type { Command } from 'commander';
import { UsageError, type CliContext } from '@cqt/config';
import { declareCommand, jsonFlag, type CliOptions, type FlagTable } from '@cqt/config/command';
import { CHECK_EXIT_CODES } from '@cqt/checks/command';
import type { DatasetOptions } from './index.js';

type DatasetFlags = CliOptions<DatasetOptions, 'file'>;

export const datasetFlags = { ...jsonFlag } satisfies FlagTable<DatasetFlags>;

export function register(parent: Command, cli: CliContext): void {
  const cmd: Command = declareCommand<DatasetFlags>(parent, cli, {
    name: 'dataset',
    description: 'verify a Parquet dataset written by `cqt export`: no label before t0 + H, no input or raw row after t0, unique keys, the expected columns and types',
    flags: datasetFlags,
    help: `
FILE is the .parquet file, or the folder of a --partition-by date (or symbol,date) export.
Items: dataset.rows (none → fail: nothing verified), dataset.columns (every column cqt export
writes, with its type, and no other), dataset.label_ts (label_ts >= ts + horizon_sec),
dataset.touch_ts (a touch within (ts, label_ts]), dataset.inputs_max_recv_ts (<= ts),
dataset.raw_ts (every raw *_ts <= ts; skipped without --with-raw columns),
dataset.duplicate_keys ((symbol, ts, horizon_sec) once). A rule whose columns are missing or
mistyped is skipped (dataset.columns fails then).

Examples:
  $ cqt export --out day.parquet --last 24h && cqt check dataset day.parquet
  $ cqt check dataset btc_7d --json              # a --partition-by date folder
  $ cqt check dataset lake                       # a --partition-by symbol,date lake

${CHECK_EXIT_CODES}`,
    async action(flags, context) {
      const file = onlyFile(cmd.args);
      const { run, output } = await import('./index.js');
      await context.emit(output(await run({ file })), flags);
    },
  });
  cmd.usage('[options] FILE').allowExcessArguments(true);
}

function onlyFile(args: readonly string[]): string {
  if (args.length === 1) return args[0];
  throw new UsageError(args.length === 0 ? 'missing FILE: the dataset to check' : `one FILE expected, got ${args.length}: ${args.join(' ')}`, 'cqt check dataset FILE.parquet');
}
