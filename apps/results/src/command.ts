// `cqt results ls | get | verify | prune` declarations; the S3 client and the store load only when
// a subcommand runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import { declareCommand, jsonFlag, storeFlags, type FlagTable } from '@cqt/config/command';

const one = (cmd: Command) => cmd.usage('[options] ID').allowExcessArguments(true);
/** The one ID argument; several are passed on whole, so parseRunId rejects them naming what was given. */
const onlyArg = (cmd: Command) => (cmd.args.length > 1 ? cmd.args.join(' ') : cmd.args[0]);

type JsonFlags = { json?: boolean };
type GetFlags = JsonFlags & { out?: string };
type PruneFlags = JsonFlags & { days: number; dryRun?: boolean; databaseUrl?: string; dataDir?: string };

const pruneFlags = {
  days: {
    flag: '--days',
    arg: '<n>',
    describe: 'delete runs published at least this many days ago',
    default: 30,
    expected: 'a whole number of days ≥ 1',
    parse: (t: string) => (/^\d+$/.test(t) && Number(t) >= 1 ? Number(t) : undefined),
  },
  dryRun: { flag: '--dry-run', describe: 'list what would be deleted; delete nothing' },
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<PruneFlags>;

export function register(program: Command, cli: CliContext): void {
  const results = program
    .command('results')
    .description('backtest runs published to CQT_RESULTS_URL by cqt worker (S3 or a folder): ls, get, verify, prune')
    .addHelpText(
      'after',
      `
Each job's run goes to <CQT_RESULTS_URL>/runs/<runId>/ (trades.parquet, equity.parquet,
summary.json, manifest.json with the size and sha256 of each); docs/jobs.md.

Examples:
  $ CQT_RESULTS_URL=s3://my-bucket/cqt cqt results ls
  $ cqt results verify 42          # exit 1 naming a file that no longer matches
  $ cqt results get 42 --out run-42
  $ cqt results prune --days 30 --dry-run`,
    );
  declareCommand<JsonFlags>(results, cli, {
    name: 'ls',
    description: 'the published runs: complete (with a manifest) or incomplete, job, age, size',
    flags: { ...jsonFlag },
    async action(flags, context) {
      const { ls, lsOutput } = await import('./index.js');
      await context.emit(lsOutput(await ls({})), flags);
    },
  });
  const getCmd = one(
    declareCommand<GetFlags>(results, cli, {
      name: 'get',
      description: 'download a run\'s files and manifest, each checked against the manifest (exit 1 on a mismatch)',
      flags: { out: { flag: '--out', arg: '<dir>', describe: 'folder to write into', defaultText: './run-<ID>' }, ...jsonFlag },
      async action(flags, context) {
        const { get, getOutput, parseRunId } = await import('./index.js');
        await context.emit(getOutput(await get({ ...flags, id: parseRunId(onlyArg(getCmd), 'get') })), flags);
      },
    }),
  );
  const verifyCmd = one(
    declareCommand<JsonFlags>(results, cli, {
      name: 'verify',
      description: 'read back every file of a run and compare size and sha256 with its manifest; exit 1 naming a file that differs',
      flags: { ...jsonFlag },
      async action(flags, context) {
        const { verify, verifyOutput, parseRunId } = await import('./index.js');
        await context.emit(verifyOutput(await verify({ id: parseRunId(onlyArg(verifyCmd), 'verify') })), flags);
      },
    }),
  );
  declareCommand<PruneFlags>(results, cli, {
    name: 'prune',
    description: 'delete runs (complete or not) older than --days; never younger ones, nor those of jobs still queued or running (read from the store)',
    flags: pruneFlags,
    help: 'Examples:\n  $ cqt results prune --days 30 --dry-run\n  $ cqt results prune --days 30 --json   # cron',
    async action(flags, context) {
      const { prune, pruneOutput } = await import('./index.js');
      await context.emit(pruneOutput(await prune(flags)), flags);
    },
  });
}
