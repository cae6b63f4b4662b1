// `cqt worker`: takes backtest jobs from the store's queue and runs them until SIGTERM/SIGINT.
// Backtests run in this process (one at a time per --concurrency slot), not yet in worker
// threads (decision 88); the attempt itself (run stored once per job id, decision 87) is
// apps/backtest's runBacktestJob, which the binary hands in.
import { loadConfig } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';
import { BACKTEST_QUEUE, openQueue, type JobContext, type JobQueue } from '@cqt/jobs';
import { withNotifications } from './notify.js';

/** Runs one attempt of a backtest job; the binary hands in apps/backtest's (apps do not import apps). */
export type BacktestJobRunner = (db: Db, queue: JobQueue, job: JobContext<unknown>) => Promise<unknown>;

export interface WorkerOptions {
  concurrency?: number;
  expiryCheckSec?: number;
  stopTimeoutSec?: number;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  db?: Db;
  runJob: BacktestJobRunner;
  /** Stops the worker (SIGTERM/SIGINT in the binary). */
  signal: AbortSignal;
  /** One line per job event. */
  log?: (line: string) => void;
}

export async function runWorker(options: WorkerOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  let db = options.db;
  const own = !db;
  if (!db) {
    const { values } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env: options.env ?? process.env });
    db = await openDb({ databaseUrl: values.databaseUrl, dataDir: values.dataDir });
  }
  const store = db;
  const concurrency = options.concurrency ?? 1;
  const queue = await openQueue(store.sql, { queue: BACKTEST_QUEUE, maintenanceSec: options.expiryCheckSec ?? 30 });
  const notified = withNotifications((job) => options.runJob(store, queue, job), { queue, queueName: BACKTEST_QUEUE, env: options.env ?? process.env, log });
  try {
    await queue.work<{ strategy?: string }>(concurrency, async (job) => {
      log(`job ${job.id} attempt ${job.attempt}: ${job.data.strategy} started`);
      try {
        const result = (await notified(job)) as { runId?: number };
        log(`job ${job.id} attempt ${job.attempt}: completed${result?.runId !== undefined ? `, run ${result.runId}` : ''}`);
        return result;
      } catch (err) {
        log(`job ${job.id} attempt ${job.attempt}: ${job.signal.aborted ? 'cancelled' : `failed: ${(err as Error).message}`}`);
        throw err;
      }
    });
    log(`worker: ${concurrency} slot${concurrency === 1 ? '' : 's'} on the ${store.backend} store, waiting for jobs`);
    if (!options.signal.aborted) await new Promise((r) => options.signal.addEventListener('abort', r, { once: true }));
    log('worker: stopping (running jobs finish first)');
  } finally {
    await queue.stop((options.stopTimeoutSec ?? 30) * 1000);
    if (own) await store.close();
  }
  log('worker: stopped');
}
