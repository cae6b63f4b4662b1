// `cqt worker`: takes backtest jobs from the store's queue and runs them until SIGTERM/SIGINT.
// Backtests run in this process (one at a time per --concurrency slot), not yet in worker
// threads (decision 88). A job's run and its job_results row commit in one transaction, so a job
// run twice (its first worker killed after storing) stores its run once (decision 87).
import { loadConfig } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';
import { run } from '@cqt/backtest-app';
import { BACKTEST_QUEUE, type BacktestJobData } from '@cqt/backtest-app/jobs';
import { openQueue, type JobContext, type JobQueue } from '@cqt/jobs';

export interface WorkerOptions {
  concurrency?: number;
  expiryCheckSec?: number;
  stopTimeoutSec?: number;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  db?: Db;
  /** Stops the worker (SIGTERM/SIGINT in the binary). */
  signal: AbortSignal;
  /** One line per job event. */
  log?: (line: string) => void;
}

export interface BacktestJobResult {
  runId: number;
}

/**
 * The store as `run` sees it, except that the transaction storing the run also records the job's
 * result (and checks for a cancel last): a second attempt's record fails on the job id and takes
 * its run with it. `run` stores through one `sql.begin`, which is all this wraps.
 */
function recordingStore(db: Db, queue: JobQueue, job: JobContext<unknown>): Db {
  const sql = new Proxy(db.sql, {
    get(target, prop, receiver) {
      if (prop !== 'begin') return Reflect.get(target, prop, receiver);
      return (fn: (tx: never) => Promise<number>) =>
        target.begin(async (tx) => {
          const runId = await fn(tx as never);
          job.signal.throwIfAborted();
          await queue.recordResult(tx, job.id, { runId } satisfies BacktestJobResult);
          return runId;
        });
    },
  });
  return { ...db, sql, close: async () => {} };
}

export async function runBacktestJob(db: Db, queue: JobQueue, job: JobContext<BacktestJobData>): Promise<BacktestJobResult> {
  // An earlier attempt stored the run and died before the queue heard of it.
  const earlier = await queue.findResult<BacktestJobResult>(job.id);
  if (earlier) return earlier;
  job.signal.throwIfAborted();
  const result = await run({ ...job.data, store: true, db: recordingStore(db, queue, job as JobContext<unknown>) });
  return { runId: result.id! };
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
  try {
    await queue.work<BacktestJobData>(concurrency, async (job) => {
      log(`job ${job.id} attempt ${job.attempt}: ${job.data.strategy} started`);
      try {
        const result = await runBacktestJob(store, queue, job);
        log(`job ${job.id} attempt ${job.attempt}: completed, run ${result.runId}`);
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
