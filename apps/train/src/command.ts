// `cqt train` declaration; the models package and DuckDB load only when the command runs.
import type { Command } from 'commander';
import { UsageError, type CliContext } from '@cqt/config';
import { declareCommand, durationFlag, jsonFlag, storeFlags, type CliOptions, type FlagSpec, type FlagTable } from '@cqt/config/command';
import type { ExportDataset, TrainOptions } from './index.js';

type TrainFlags = CliOptions<TrainOptions, 'env' | 'exportDataset'>;

const wholeAtLeast = (flag: string, min: number, describe: string, defaultValue: number) =>
  ({
    flag,
    arg: '<n>',
    describe,
    default: defaultValue,
    expected: `a whole number ≥ ${min}`,
    parse: (text: string) => (/^\d+$/.test(text) && Number(text) >= min ? Number(text) : undefined),
  }) satisfies FlagSpec<number>;

export const trainFlags = {
  dataset: { flag: '--dataset', arg: '<file>', describe: 'a Parquet dataset from cqt export (file or --partition-by folder)' },
  lastSec: durationFlag('--last', 'instead of --dataset: export this much of the store first (7d, 24h)'),
  horizonSec: durationFlag('--horizon', 'label horizon H (with --last: exported with it; with --dataset: keep its rows)', { default: 120, defaultText: "120 s with --last, the file's with --dataset" }),
  model: {
    flag: '--model',
    arg: '<kind>',
    describe: 'logreg (multinomial logistic regression) or baseline (Brownian first passage)',
    default: 'logreg',
    expected: 'logreg or baseline',
    parse: (text: string) => (text === 'logreg' || text === 'baseline' ? text : undefined),
  },
  out: { flag: '--out', arg: '<dir>', describe: 'folder for the artifact (model-<kind>-<sha12>.json)', default: 'models' },
  folds: wholeAtLeast('--folds', 1, 'walk-forward test folds (rows are cut into folds + 1 blocks in time order)', 5),
  embargoSec: durationFlag('--embargo', 'drop training rows starting this soon after a test fold (purged-kfold)', { default: 0, defaultText: '0 s' }),
  cv: {
    flag: '--cv',
    arg: '<scheme>',
    describe: 'walk-forward (train on the past only) or purged-kfold (both sides, purged and embargoed)',
    default: 'walk-forward',
    expected: 'walk-forward or purged-kfold',
    parse: (text: string) => (text === 'walk-forward' || text === 'purged-kfold' ? text : undefined),
  },
  l2: {
    flag: '--l2',
    arg: '<lambda>',
    describe: 'L2 penalty on standardised weights (logreg)',
    default: 1e-3,
    expected: 'a number ≥ 0',
    parse: (text: string) => (text !== '' && Number(text) >= 0 && Number.isFinite(Number(text)) ? Number(text) : undefined),
  },
  features: { flag: '--features', arg: '<cols>', describe: 'comma-separated dataset columns for logreg', defaultText: '27 stationary snapshot columns (docs/models.md)' },
  symbol: { flag: '--symbol', arg: '<market>', describe: 'with --last: Upbit market', defaultText: 'first of CQT_UPBIT_MARKETS' },
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<TrainFlags>;

export function register(program: Command, cli: CliContext, exporter: () => Promise<ExportDataset>): void {
  declareCommand<TrainFlags>(program, cli, {
    name: 'train',
    description: 'fit a model on an exported dataset, validate it with purged walk-forward folds against the baseline, write its artifact',
    flags: trainFlags,
    help: `
Validation never shuffles: folds are contiguous in time, training rows whose label interval
[t0, label_ts] overlaps a test fold are purged (docs/models.md).

Examples:
  $ cqt train --dataset btc_7d.parquet
  $ cqt train --last 7d --horizon 120s --model logreg --out models --json
  $ cqt train --dataset btc_7d.parquet --model baseline
  $ cqt train --dataset btc_7d.parquet --cv purged-kfold --folds 5 --embargo 10m`,
    async action(flags, context) {
      if (flags.dataset !== undefined && flags.lastSec !== undefined) throw new UsageError('--dataset and --last exclude each other', 'train on a file, or on the last N of the store');
      const { run, output } = await import('./index.js');
      const exportDataset = flags.lastSec !== undefined ? await exporter() : undefined;
      await context.emit(output(await run({ ...flags, exportDataset })), flags);
    },
  });
}
