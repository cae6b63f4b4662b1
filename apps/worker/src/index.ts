// `cqt worker`: takes jobs from the store's queues and runs them until SIGTERM/SIGINT. Each
// backtest runs in a worker thread of its own (decision 104); the attempt itself (run stored once
// per job id, decision 87) is apps/backtest's runBacktestJob, which the binary names (apps do not
// import apps). `noop` jobs record their result once and return: a health check and the bench.
import { UsageError, createLogger, loadConfig, metricsListenError, type LogFormat } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';
import { BACKTEST_QUEUE, NOOP_QUEUE, TRAIN_QUEUE, openQueue, type JobContext, type JobQueue } from '@cqt/jobs';
import { deadSweep, notifier, withNotifications, type Notify } from './notify.js';
import { workerMetrics, type JobOutcome, type OpenedQueues, type WorkerMetrics } from './observe.js';
import { KNOWN_QUEUES, type KnownQueue } from './queues.js';
import { JobThreads, type JobRunnerRef } from './thread.js';

export type { JobRunnerRef } from './thread.js';

/** The signature of the function a JobRunnerRef names: one attempt of a backtest job. */
export type BacktestJobRunner = (db: Db, queue: JobQueue, job: JobContext<unknown>) => Promise<unknown>;

export { KNOWN_QUEUES, parseQueues, type KnownQueue } from './queues.js';

/** The store's train queue for `cqt train submit | schedule`: the binary hands it to apps/train,
 * which does not depend on @cqt/jobs (decision 150). */
export const openTrainQueue = (sql: Db['sql']) => openQueue(sql, { queue: TRAIN_QUEUE });

// queues.ts spells the names without importing pg-boss; they must be the queues' real names.
if (KNOWN_QUEUES[0] !== BACKTEST_QUEUE || KNOWN_QUEUES[1] !== NOOP_QUEUE || KNOWN_QUEUES[2] !== TRAIN_QUEUE) throw new Error('KNOWN_QUEUES out of step with @cqt/jobs');

export interface WorkerOptions {
  concurrency?: number;
  queues?: KnownQueue[];
  expiryCheckSec?: number;
  stopTimeoutSec?: number;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** The store to use (tests); the job threads open their own from databaseUrl/dataDir. */
  db?: Db;
  /** The backtest attempt, imported by each job's thread. */
  runJob: JobRunnerRef;
  /** The training attempt (apps/train's, wired by the binary), run in a job thread like a backtest. */
  trainJob?: JobRunnerRef;
  /** Stops the worker (SIGTERM/SIGINT in the binary). */
  signal: AbortSignal;
  /** One line per job event. */
  log?: (line: string) => void;
  /** Default log (no `log`, on stdout): human lines, or JSON objects (--log-format json). */
  logFormat?: LogFormat;
  /** Serve Prometheus /metrics on this port (0: a free one, logged). */
  metricsPort?: number;
  metricsHost?: string;
}

/** A noop job: its result recorded once per job id (a second attempt finds it), nothing else. */
async function runNoop(db: Db, queue: JobQueue, job: JobContext<unknown>): Promise<unknown> {
  const earlier = await queue.findResult(job.id);
  if (earlier) return earlier;
  const result = { noop: true };
  await db.sql.begin((tx) => queue.recordResult(tx, job.id, result));
  return result;
}

/**
 * postgres.js 3.4.9 can flush a buffered write to a socket it has already dropped when the server
 * ends the connection (connection.js nextWrite: "Cannot read properties of null (reading 'write')"),
 * an uncaught TypeError that ended workers under pg_terminate_backend (decision 105). The
 * connection is gone either way and the next statement opens another, so that one error is
 * reported and survived; any other uncaught exception ends the process as Node would.
 */
function survivePostgresWriteAfterClose(err: Error): void {
  if (err instanceof TypeError && err.message.includes("reading 'write'") && /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '')) {
    process.stderr.write(`job queue: a dropped connection's pending write was discarded (${err.message})\n`);
    return;
  }
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
}

/** postgres.js's codes for a statement lost with its connection (closed, ended or destroyed). */
const LOST_CONNECTION_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);
/** PostgreSQL's class 57 operator interventions that end a session: admin_shutdown (pg_terminate_backend,
 * a fast stop), crash_shutdown, cannot_connect_now (a server starting or stopping). */
const SERVER_ENDED_SESSION = new Set(['57P01', '57P02', '57P03']);

/** A statement that failed because its connection went away, not because of the statement. */
export function lostWithConnection(reason: unknown): boolean {
  if (!(reason instanceof Error)) return false;
  const code = (reason as { code?: unknown }).code;
  return typeof code === 'string' && (LOST_CONNECTION_CODES.has(code) || SERVER_ENDED_SESSION.has(code));
}

/**
 * pg-boss 10 does not await a job's outcome (complete/fail) and, with the connection cut under it,
 * has failed reading that statement's answer; the rejection is nobody's and would end the process.
 * Its supervision and stop path do the same with a statement of a connection the server terminated
 * earlier (seen under load: a SIGTERM'd worker exited 1 on "terminating connection due to
 * administrator command"). The job then stays active until its expiry and is retried (its result
 * exists once, decision 87), so a rejection from pg-boss's code or of a statement lost with its
 * connection is reported and survived; any other ends the process.
 */
function survivePgBossOutcome(reason: unknown): void {
  const stack = reason instanceof Error ? (reason.stack ?? '') : '';
  if (/pg-boss[\\/]src[\\/]manager\.js/.test(stack) || lostWithConnection(reason)) {
    process.stderr.write(`job queue: a statement was lost with its connection (${(reason as Error).message}); a job it concerned is retried after its expiry\n`);
    return;
  }
  process.stderr.write(`${reason instanceof Error ? stack : String(reason)}\n`);
  process.exit(1);
}

export async function runWorker(options: WorkerOptions): Promise<void> {
  process.on('uncaughtException', survivePostgresWriteAfterClose);
  process.on('unhandledRejection', survivePgBossOutcome);
  try {
    await serve(options);
  } finally {
    process.off('uncaughtException', survivePostgresWriteAfterClose);
    process.off('unhandledRejection', survivePgBossOutcome);
  }
}

async function serve(options: WorkerOptions): Promise<void> {
  const log = options.log ?? createLogger({ command: 'worker', format: options.logFormat, env: options.env, write: (text) => process.stdout.write(text) });
  const queues = options.queues ?? [...KNOWN_QUEUES];
  if (!queues.length) throw new UsageError('no queue to serve', `--queues takes ${KNOWN_QUEUES.join(', ')}`);
  const opened: Array<{ name: string; queue: JobQueue }> = [];
  const observed = await serveMetrics(options, log, opened);
  const { values } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env: options.env ?? process.env });
  let db = options.db;
  const own = !db;
  if (!db) {
    db = await openDb({ databaseUrl: values.databaseUrl, dataDir: values.dataDir }).catch(async (err: unknown) => {
      await observed?.server.close();
      throw err;
    });
  }
  const store = db;
  // A job thread opens the same store: the URL, or the data dir (as a client of its owner).
  const threadStore = store.backend === 'postgres' ? { databaseUrl: values.databaseUrl ?? options.databaseUrl } : { dataDir: values.dataDir ?? options.dataDir };
  const concurrency = options.concurrency ?? 1;
  const pools: JobThreads[] = [];
  let releasing = false;
  let sweeping: Promise<void> = Promise.resolve();
  let sweepTimer: NodeJS.Timeout | undefined;
  // The webhook, read once: job outcomes and the dead-job sweep post through it.
  const webhook = notifier(options.env ?? process.env, log);
  try {
    for (const name of queues) {
      // One pg-boss instance per queue; the first runs the expiry check for all (it is store-wide).
      // The train queue's instance also runs pg-boss's cron timekeeper: it enqueues scheduled jobs
      // when due (cqt train schedule; decision 151).
      const queue = await openQueue(store.sql, { queue: name, maintenanceSec: opened.length ? 0 : (options.expiryCheckSec ?? 30), schedule: name === TRAIN_QUEUE });
      opened.push({ name, queue });
      let attempt = (job: JobContext<unknown>) => runNoop(store, queue, job);
      if (name === BACKTEST_QUEUE || name === TRAIN_QUEUE) {
        const runner = name === TRAIN_QUEUE ? options.trainJob : options.runJob;
        if (!runner) throw new UsageError('this worker has no training attempt', 'run the cqt binary, or leave train out of --queues');
        const pool = new JobThreads({ runner, store: threadStore, queue: name });
        pools.push(pool);
        attempt = (job) => pool.run(job);
      }
      const notified = withNotifications(attempt, { queue, queueName: name, notifier: webhook });
      await queue.work<{ strategy?: string }>(concurrency, async (job) => {
        const what = name === BACKTEST_QUEUE ? job.data.strategy : name;
        log(`job ${job.id} attempt ${job.attempt}: ${what} started`);
        const startedMs = performance.now();
        observed?.metrics.started(name);
        const ended = (outcome: JobOutcome) => observed?.metrics.ended(name, outcome, (performance.now() - startedMs) / 1000);
        try {
          const result = (await notified(job)) as { runId?: number; version?: number | null };
          const made = result?.runId !== undefined ? `, run ${result.runId}` : typeof result?.version === 'number' ? `, model version ${result.version}` : '';
          log(`job ${job.id} attempt ${job.attempt}: completed${made}`);
          ended('completed');
          return result;
        } catch (err) {
          if (releasing && !job.signal.aborted) {
            log(`job ${job.id} attempt ${job.attempt}: released (the worker stopped first; retried later)`);
            ended('released');
            throw new Error('released: the worker stopped before the job finished');
          }
          log(`job ${job.id} attempt ${job.attempt}: ${job.signal.aborted ? 'cancelled' : `failed: ${(err as Error).message}`}`);
          if (observed) ended(job.signal.aborted ? 'cancelled' : await lastAttempt(queue, job).then((last) => (last ? 'dead' : 'retried')));
          throw err;
        }
      });
    }
    log(`worker: ${concurrency} slot${concurrency === 1 ? '' : 's'} per queue (${queues.join(', ')}) on the ${store.backend} store, waiting for jobs`);
    // Dead jobs nobody told of (their last attempt's worker died and the expiry failed them): swept
    // now and at each expiry check; claims in the store make one message per job across workers.
    const sweep = (notify: Notify) =>
      Promise.all(opened.map(({ name, queue }) => deadSweep({ queue, queueName: name, notify }))).then(
        () => {},
        (err: Error) => log(`notify: the dead-job sweep failed: ${err.message}`),
      );
    if (webhook) {
      sweeping = sweep(webhook.notify);
      sweepTimer = setInterval(() => (sweeping = sweeping.then(() => sweep(webhook.notify))), (options.expiryCheckSec ?? 30) * 1000);
    }
    if (!options.signal.aborted) await new Promise((r) => options.signal.addEventListener('abort', r, { once: true }));
    log('worker: stopping (running jobs finish first)');
  } finally {
    // Stop taking jobs; let the running ones finish for up to --stop-timeout-sec; release the rest:
    // their threads end (an open store transaction rolls back) and each attempt fails once, so the
    // job is retried. Done here rather than by pg-boss's own shutdown (failWip), after which the
    // attempt's own failure would fail the job a second time and burn an attempt.
    clearInterval(sweepTimer);
    await sweeping;
    await Promise.all(opened.map(({ queue }) => queue.stopFetching()));
    // Every job the queues' loops took, including one whose handler has not started yet.
    const taken = () => opened.flatMap(({ queue }) => queue.runningJobs());
    const timeoutMs = (options.stopTimeoutSec ?? 30) * 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(taken()), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    releasing = true;
    await Promise.all(pools.map((p) => p.close()));
    await Promise.allSettled(taken());
    // pg-boss records each outcome right after its handler settles: let those statements start
    // before the store closes (sql.end waits for statements under way).
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    await Promise.all(opened.map(({ queue }) => queue.stop(1000)));
    if (own) await store.close();
    await observed?.server.close();
  }
  log('worker: stopped');
}

/** Whether a failed attempt was the job's last (it goes to the dead letter); unknown counts as not. */
async function lastAttempt(queue: JobQueue, job: JobContext<unknown>): Promise<boolean> {
  const info = await queue.get(job.id).catch(() => null);
  return info !== null && job.attempt >= info.attempts;
}

/** --metrics-port: the /metrics server, its URL logged (the bound port when 0 was asked). */
async function serveMetrics(options: WorkerOptions, log: (line: string) => void, opened: OpenedQueues): Promise<{ metrics: WorkerMetrics; server: { close(): Promise<void> } } | null> {
  if (options.metricsPort === undefined) return null;
  const { createRegistry, startMetricsServer } = await import('@cqt/metrics');
  const registry = createRegistry('worker');
  const metrics = await workerMetrics(registry, opened, (err) => log(`metrics: the queue counts could not be read: ${err.message}`));
  const host = options.metricsHost ?? '127.0.0.1';
  const server = await startMetricsServer(registry, { port: options.metricsPort, host }).catch((err: unknown) => {
    throw metricsListenError(err, host, options.metricsPort!);
  });
  log(`worker: metrics on ${server.url}`);
  return { metrics, server };
}
