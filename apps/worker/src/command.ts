// `cqt worker` declaration; the queue, the store and the backtester load only when it runs.
import type { Command } from 'commander';
import { logFormatFlag, metricsFlags, stopSignal, type CliContext } from '@cqt/config';
import { declareCommand, storeFlags, type CliOptions, type FlagTable } from '@cqt/config/command';
import type { JobRunnerRef, WorkerOptions } from './index.js';
import { KNOWN_QUEUES, parseQueues } from './queues.js';

type WorkerFlags = Omit<CliOptions<WorkerOptions, 'env' | 'db' | 'signal' | 'log' | 'runJob' | 'trainJob'>, 'json'>;

const whole = (min: number, max: number) => (t: string) => (/^\d+$/.test(t) && Number(t) >= min && Number(t) <= max ? Number(t) : undefined);

export const workerFlags = {
  concurrency: { flag: '--concurrency', arg: '<n>', describe: 'jobs run at once by this worker, per queue', default: 1, expected: 'a whole number from 1 to 64', parse: whole(1, 64) },
  queues: {
    flag: '--queues',
    arg: '<names>',
    describe: 'the queues this worker serves, comma-separated',
    default: [...KNOWN_QUEUES],
    expected: `names from ${KNOWN_QUEUES.join(', ')}, comma-separated (e.g. --queues backtest)`,
    parse: parseQueues,
  },
  expiryCheckSec: {
    flag: '--expiry-check-sec',
    arg: '<sec>',
    describe: 'how often stuck jobs (a killed worker\'s) are looked for and retried; one worker of many does it each time',
    default: 30,
    expected: 'whole seconds from 1 to 3600',
    parse: whole(1, 3600),
  },
  stopTimeoutSec: {
    flag: '--stop-timeout-sec',
    arg: '<sec>',
    describe: 'on SIGTERM/SIGINT, wait this long for running jobs; those still running are released (failed once, retried later)',
    default: 30,
    expected: 'whole seconds from 1 to 3600',
    parse: whole(1, 3600),
  },
  ...storeFlags,
  ...metricsFlags,
  logFormat: logFormatFlag,
} satisfies FlagTable<WorkerFlags>;

/** `runJob` names apps/backtest's job attempt (module URL and export), which each job's thread
 * imports: only the binary may load another app. */
export function register(program: Command, cli: CliContext, runJob: () => Promise<JobRunnerRef>, trainJob?: () => Promise<JobRunnerRef>): void {
  declareCommand<WorkerFlags>(program, cli, {
    name: 'worker',
    description: 'run queued backtest and training jobs (cqt backtest submit, cqt train submit|schedule), each in a worker thread, until SIGTERM/SIGINT: retries, dead letter, expiry of stuck jobs',
    flags: workerFlags,
    help: `
Runs jobs from the store's queues (docs/jobs.md), each backtest in a worker thread (a cancel
stops it within a second; a crash fails that attempt only). A failed attempt is retried with
exponential back-off (3 attempts by default), then the job is dead (cqt backtest list --state
dead) with its last error. A job whose worker died is retried once its expiry (15 min by default) has passed.
Each run is stored once per job, however often the job runs. A training job registers a model
version once (never promoted); a worker serving train also enqueues the training schedule when due.

Examples:
  $ cqt worker
  $ DATABASE_URL=postgres://localhost/cqt cqt worker --concurrency 2
  $ cqt worker --queues backtest
  $ cqt worker --queues train           # training jobs and the schedule (cqt train schedule)

Exit codes: 0 stopped by SIGTERM/SIGINT, 2 usage error or runtime failure.`,
    async action(flags) {
      const { runWorker } = await import('./index.js');
      await runWorker({ ...flags, runJob: await runJob(), trainJob: await trainJob?.(), signal: stopSignal() });
    },
  });
}
