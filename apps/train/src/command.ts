// `cqt train` declaration; the models package and DuckDB load only when the command runs.
import { Option, type Command } from 'commander';
import { UsageError, type CliContext } from '@cqt/config';
import { declareCommand, durationFlag, jsonFlag, parseFlags, storeFlags, type CliOptions, type FlagSpec, type FlagTable } from '@cqt/config/command';
import type { ExportDataset, TrainOptions } from './index.js';
import type { OpenTrainQueue, ScheduleOptions, SubmitOptions } from './job.js';

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

type SubmitFlags = { register?: boolean };
type ScheduleFlags = Pick<ScheduleOptions, 'cron' | 'list' | 'remove' | 'register'>;

const submitFlags = {
  register: { flag: '--no-register', describe: 'keep the artifact a file: do not register it as a model version' },
} satisfies FlagTable<SubmitFlags>;

const scheduleFlags = {
  cron: { flag: '--cron', arg: '<expr>', describe: 'five cron fields in UTC (minute hour day month weekday); replaces the schedule' },
  list: { flag: '--list', describe: 'show the training schedule' },
  remove: { flag: '--remove', arg: '<name>', describe: 'remove the schedule (its name from --list: train)' },
  ...submitFlags,
} satisfies FlagTable<ScheduleFlags>;

// Commander reads a parent's options anywhere on the line (positional options would have to be
// enabled for the whole program), so `cqt train submit --dataset F` gives --dataset to `train`:
// the subcommands declare only their own flags and take cqt train's from the parent (decision 150).
const trainAttributes = (Object.entries(trainFlags) as Array<[string, FlagSpec<unknown>]>).map(([key, spec]) => [new Option(spec.arg ? `${spec.flag} ${spec.arg}` : spec.flag).attributeName(), key] as const);
function trainFlagsOf(train: Command): TrainFlags {
  const opts = train.opts<Record<string, string | boolean>>();
  const raw: Record<string, string | boolean> = {};
  for (const [attribute, key] of trainAttributes) if (opts[attribute] !== undefined) raw[key] = opts[attribute];
  return parseFlags<TrainFlags>(trainFlags as FlagTable<TrainFlags>, raw as never);
}

const TRAIN_FLAGS_NOTE = "Takes cqt train's flags (cqt train --help: --dataset | --last, --model, --out, --folds, --l2, …,\n--json and the store's), before or after the subcommand.";

/** `openQueue` opens the store's train queue (the binary hands over @cqt/jobs'; decision 150). */
export function register(program: Command, cli: CliContext, exporter: () => Promise<ExportDataset>, openQueue?: () => Promise<OpenTrainQueue>): void {
  const train = declareCommand<TrainFlags>(program, cli, {
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
  if (!openQueue) return;
  declareCommand<SubmitFlags>(train, cli, {
    name: 'submit',
    description: 'queue a training job (same flags as cqt train): a worker serving train fits it and registers a new model version, never promoted',
    flags: submitFlags,
    help: `
${TRAIN_FLAGS_NOTE}

Prints the job id. \`cqt worker --queues train\` runs it in a job thread and registers the artifact
(cqt model list); promotion stays \`cqt model promote\`, behind its gate. A retried job registers
once. Paths (--dataset, --out) are made absolute here: the worker must see them.

Examples:
  $ cqt train submit --last 7d --out /var/lib/cqt/models
  $ cqt train submit --dataset /data/btc_7d.parquet --json`,
    async action(flags, context) {
      const { submit, submitOutput } = await import('./job.js');
      const all = { ...trainFlagsOf(train), ...flags };
      await context.emit(submitOutput(await submit(all, await openQueue())), all);
    },
  });
  const statusCmd = declareCommand<Record<string, never>>(train, cli, {
    name: 'status',
    description: "a training job's state, attempts, and the model version it registered (or its last error)",
    flags: {},
    help: `
Takes --json, --database-url and --data-dir (cqt train's, before or after status).

Examples:
  $ cqt train status 0b6f…
  $ cqt train status 0b6f… --json`,
    async action(_flags, context) {
      const { status, statusOutput } = await import('./job.js');
      const { json, databaseUrl, dataDir } = trainFlagsOf(train);
      if (statusCmd.args.length !== 1) throw new UsageError(statusCmd.args.length ? `one job ID expected, got ${JSON.stringify(statusCmd.args.join(' '))}` : 'missing ID: the job', 'cqt train status ID (the id cqt train submit printed)');
      await context.emit(statusOutput(await status(statusCmd.args[0], { databaseUrl, dataDir }, await openQueue())), { json });
    },
  });
  statusCmd.usage('[options] ID').allowExcessArguments(true);
  for (const [name, description] of [
    ['cancel', 'cancel a queued or running training job (a running fit stops; nothing is registered); exit 1 if it had finished'],
    ['retry', 'queue a dead or cancelled training job again'],
  ] as const) {
    const cmd = declareCommand<Record<string, never>>(train, cli, {
      name,
      description,
      flags: {},
      help: `
Takes --json, --database-url and --data-dir (cqt train's, before or after ${name}).

Examples:
  $ cqt train ${name} 0b6f…`,
      async action(_flags, context) {
        const { change, changeOutput } = await import('./job.js');
        const { json, databaseUrl, dataDir } = trainFlagsOf(train);
        if (cmd.args.length !== 1) throw new UsageError(cmd.args.length ? `one job ID expected, got ${JSON.stringify(cmd.args.join(' '))}` : 'missing ID: the job', `cqt train ${name} ID (the id cqt train submit printed)`);
        await context.emit(changeOutput(await change(name, cmd.args[0], { databaseUrl, dataDir }, await openQueue())), { json });
      },
    });
    cmd.usage('[options] ID').allowExcessArguments(true);
  }
  declareCommand<ScheduleFlags>(train, cli, {
    name: 'schedule',
    description: 'retrain on a cron schedule (UTC) through the job queue: --cron EXPR [train flags] | --list | --remove NAME',
    flags: scheduleFlags,
    help: `
${TRAIN_FLAGS_NOTE}

The schedule lives in the store; a running \`cqt worker\` serving train enqueues one training job
when it is due (checked every 30 s; at most one per minute across workers) and runs it like
\`cqt train submit\`. One schedule per store (pg-boss keys schedules by queue): --cron again
replaces it. Without a worker, use cron and the plain command (docs/operations.md).

Examples:
  $ cqt train schedule --cron "0 3 * * *" --last 7d --out /var/lib/cqt/models
  $ cqt train schedule --list
  $ cqt train schedule --remove train`,
    async action(flags, context) {
      const { schedule, scheduleOutput } = await import('./job.js');
      const all = { ...trainFlagsOf(train), ...flags };
      await context.emit(scheduleOutput(await schedule(all, await openQueue())), all);
    },
  });
}
