// Declarations of `cqt backtest submit | status | cancel | retry` and list's `--state` (the code
// loads when a subcommand runs: pg-boss and the store stay out of start-up).
import type { Command } from 'commander';
import { UsageError, type CliContext } from '@cqt/config';
import { declareCommand, jsonFlag, storeFlags, type CliOptions } from '@cqt/config/command';
import type { JobState } from '@cqt/jobs';
import type { RunOptions } from './index.js';

export type { JobState };

const STATES = ['queued', 'active', 'completed', 'failed', 'dead', 'cancelled'] as const satisfies readonly JobState[];

/** `--state` of `cqt backtest list`: the jobs in that state instead of the stored runs. */
export const stateFlag = {
  state: {
    flag: '--state',
    arg: '<state>',
    describe: `list backtest jobs in this state instead of runs: ${STATES.join(', ')}`,
    expected: `one of ${STATES.join(', ')}`,
    parse: (t: string) => ((STATES as readonly string[]).includes(t) ? (t as JobState) : undefined),
  },
};

function jobId(args: readonly string[], command: string): string {
  if (args.length === 1) return args[0];
  throw new UsageError(args.length === 0 ? 'missing ID: the job' : `one job ID expected, got ${JSON.stringify(args.join(' '))}`, `cqt backtest ${command} ID (cqt backtest status --all shows the IDs)`);
}

type StoreFlags = { databaseUrl?: string; dataDir?: string; json?: boolean };

export function registerJobs(backtest: Command, cli: CliContext, runFlags: object): void {
  declareCommand<CliOptions<RunOptions, 'env' | 'db'>>(backtest, cli, {
    name: 'submit',
    description: 'queue one backtest (the same flags as run) and print its job id; `cqt worker` runs it',
    flags: runFlags as never,
    help: 'Examples:\n  $ cqt backtest submit --strategy sma-cross --candles eth_1h.parquet\n  $ cqt backtest status <id>',
    async action(flags, context) {
      const { submit, submitOutput } = await import('./jobs.js');
      await context.emit(submitOutput(await submit(flags)), flags);
    },
  });
  const statusCmd = declareCommand<StoreFlags & { all?: boolean }>(backtest, cli, {
    name: 'status',
    description: 'one job (state, attempts, run id or last error), or every job with --all',
    flags: { all: { flag: '--all', describe: 'every job, newest first' }, ...jsonFlag, ...storeFlags },
    help: 'Examples:\n  $ cqt backtest status 0b6f…\n  $ cqt backtest status --all --json',
    async action(flags, context) {
      const { status, jobsOutput } = await import('./jobs.js');
      const id = statusCmd.args.length ? jobId(statusCmd.args, 'status') : undefined;
      await context.emit(jobsOutput(await status({ ...flags, id })), flags);
    },
  });
  statusCmd.usage('[options] [ID]').allowExcessArguments(true);
  for (const [name, description] of [
    ['cancel', 'cancel a queued or running job (a running one stops before it stores anything); exit 1 if it had finished'],
    ['retry', 'queue a dead or cancelled job again (one more attempt)'],
  ] as const) {
    const cmd = declareCommand<StoreFlags>(backtest, cli, {
      name,
      description,
      flags: { ...jsonFlag, ...storeFlags },
      async action(flags, context) {
        const jobs = await import('./jobs.js');
        const id = jobId(cmd.args, name);
        await context.emit(jobs.changeOutput(await jobs[name]({ ...flags, id })), flags);
      },
    });
    cmd.usage('[options] ID').allowExcessArguments(true);
  }
}
