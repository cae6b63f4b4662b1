// `cqt backtest submit | status | cancel | retry | list --state`: backtests as jobs in the store's
// queue (packages/jobs); `cqt worker` runs them (apps/worker). Submit checks what it can without
// I/O (strategy, parameters, the input flags' shape) so a typo never becomes a dead job.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseParams } from './usage.js';
import { UsageError, formatTable, loadConfig, type CommandOutput } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';
import { BACKTEST_QUEUE, openQueue, type JobContext, type JobInfo, type JobQueue, type JobState } from '@cqt/jobs';
import { run, strategyOf, type RunOptions } from './index.js';

/** What a job carries: `run`'s options without the store handle and environment. */
export type BacktestJobData = Omit<RunOptions, 'db' | 'env' | 'databaseUrl' | 'dataDir'>;

interface StoreOptions {
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  db?: Db;
}

/** Opens the store (unless given) and the queue; closes what it opened. */
export async function withQueue<T>(options: StoreOptions, body: (queue: JobQueue, db: Db) => Promise<T>): Promise<T> {
  let db = options.db;
  const own = !db;
  if (!db) {
    const { values } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env: options.env ?? process.env });
    db = await openDb({ databaseUrl: values.databaseUrl, dataDir: values.dataDir });
  }
  const queue = await openQueue(db.sql, { queue: BACKTEST_QUEUE });
  try {
    return await body(queue, db);
  } finally {
    await queue.stop(1000);
    if (own) await db.close();
  }
}

export async function submit(options: RunOptions): Promise<{ id: string }> {
  parseParams(strategyOf(options.strategy).strategy, options.params ?? []);
  // The stored run is the job's result, how a retried job runs exactly once (decision 87).
  if (options.store === false) throw new UsageError('--no-store does not apply to submit: a queued run is always stored', 'drop --no-store, or run it now: cqt backtest run --no-store …');
  if (options.candlesFile === undefined && (options.venue === undefined || options.symbol === undefined || options.timeframe === undefined)) {
    throw new UsageError('no candles: give --candles FILE, or --venue --symbol --timeframe', 'e.g. --candles btc_1m.parquet, or --venue upbit --symbol KRW-BTC --timeframe 1m');
  }
  const { db, env, databaseUrl, dataDir, ...rest } = options;
  // The worker may run elsewhere in the tree: paths travel absolute.
  const data: BacktestJobData = {
    ...rest,
    ...(rest.candlesFile !== undefined ? { candlesFile: resolve(rest.candlesFile) } : {}),
    ...(rest.out !== undefined ? { out: resolve(rest.out) } : {}),
  };
  return withQueue({ db, env, databaseUrl, dataDir }, async (queue) => ({ id: await queue.submit(data) }));
}

export function submitOutput(r: { id: string }): CommandOutput {
  return { exitCode: 0, json: r, human: () => `${r.id}\n(cqt backtest status ${r.id}; a running \`cqt worker\` picks it up)` };
}

const notFound = (id: string) => new UsageError(`no backtest job ${id}`, 'cqt backtest status --all lists the jobs');

export async function status(options: StoreOptions & { id?: string; all?: boolean }): Promise<{ jobs: JobInfo<BacktestJobData>[] }> {
  if ((options.id === undefined) === !options.all) throw new UsageError(options.all ? 'give a job ID or --all, not both' : 'missing ID: the job to show', 'cqt backtest status ID, or cqt backtest status --all');
  return withQueue(options, async (queue) => {
    if (options.all) return { jobs: await queue.list<BacktestJobData>() };
    const job = await queue.get<BacktestJobData>(options.id!);
    if (!job) throw notFound(options.id!);
    return { jobs: [job] };
  });
}

export async function listJobs(options: StoreOptions & { state: JobState; limit?: number }): Promise<{ jobs: JobInfo<BacktestJobData>[] }> {
  return withQueue(options, async (queue) => ({ jobs: await queue.list<BacktestJobData>([options.state], options.limit ?? 100) }));
}

export function jobsOutput(r: { jobs: JobInfo<BacktestJobData>[] }): CommandOutput {
  return {
    exitCode: 0,
    json: r,
    human: ({ colour }) => {
      if (!r.jobs.length) return 'no backtest jobs';
      const rows = r.jobs.map((j) => [
        j.id,
        j.state,
        `${j.attempt}/${j.attempts}`,
        j.data.strategy,
        j.data.candlesFile ?? `${j.data.venue} ${j.data.symbol} ${j.data.timeframe}`,
        j.createdAt.slice(0, 19) + 'Z',
        j.state === 'completed' ? `run ${(j.output as { runId?: number } | null)?.runId ?? '?'}` : j.lastError ?? '',
      ]);
      return formatTable(['job', 'state', 'attempt', 'strategy', 'input', 'submitted', 'result / last error'], rows, colour);
    },
  };
}

export async function cancel(options: StoreOptions & { id: string }): Promise<{ id: string; cancelled: boolean; state: JobState }> {
  return withQueue(options, async (queue) => {
    if (!(await queue.get(options.id))) throw notFound(options.id);
    const cancelled = await queue.cancel(options.id);
    return { id: options.id, cancelled, state: (await queue.get(options.id))!.state };
  });
}

export async function retry(options: StoreOptions & { id: string }): Promise<{ id: string; retried: boolean; state: JobState }> {
  return withQueue(options, async (queue) => {
    const job = await queue.get(options.id);
    if (!job) throw notFound(options.id);
    if (job.state !== 'dead' && job.state !== 'cancelled') {
      throw new UsageError(`job ${options.id} is ${job.state}: only a dead or cancelled job can be retried`, 'cqt backtest list --state dead lists the dead letter');
    }
    const retried = await queue.retry(options.id);
    return { id: options.id, retried, state: (await queue.get(options.id))!.state };
  });
}

export function changeOutput(r: { id: string; state: JobState } & ({ cancelled: boolean } | { retried: boolean })): CommandOutput {
  const changed = 'cancelled' in r ? r.cancelled : r.retried;
  return { exitCode: changed ? 0 : 1, json: r, human: () => `job ${r.id}: ${r.state}${changed ? '' : ' (unchanged)'}` };
}

export interface BacktestJobResult {
  runId: number;
}

/**
 * The store as `run` sees it, except that the transaction storing the run also records the job's
 * result (and checks for a cancel last): a second attempt's record fails on the job id and takes
 * its run with it (decision 87). `run` stores through one `sql.begin`, which is all this wraps.
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

/** A store through which `run` "stores" the run an earlier attempt already stored (its id): nothing is written. */
function storedAs(db: Db, runId: number): Db {
  const sql = new Proxy(db.sql, { get: (target, prop, receiver) => (prop === 'begin' ? async () => runId : Reflect.get(target, prop, receiver)) });
  return { ...db, sql, close: async () => {} };
}

/** Publishes a stored run's files (CQT_RESULTS_URL, docs/jobs.md); the binary hands one in. */
export interface RunPublisher {
  isPublished(runId: number): Promise<boolean>;
  publish(run: { runId: number; jobId: string; dir: string }): Promise<unknown>;
}

/** One attempt of a backtest job (`cqt worker` gets it from the binary): the run, stored once per job, then published. */
export async function runBacktestJob(db: Db, queue: JobQueue, job: JobContext<unknown>, publisher?: RunPublisher): Promise<BacktestJobResult> {
  // An earlier attempt stored the run and died before the queue heard of it.
  const earlier = await queue.findResult<BacktestJobResult>(job.id);
  if (earlier && (!publisher || (await publisher.isPublished(earlier.runId)))) return earlier;
  job.signal.throwIfAborted();
  const data = job.data as BacktestJobData;
  // A published run's files are written first: to --out, or to a folder of this attempt's.
  const scratch = publisher && data.out === undefined ? mkdtempSync(join(tmpdir(), 'cqt-job-')) : undefined;
  const out = data.out ?? scratch;
  try {
    // Stored but not published (the upload failed): computed again for its files, not stored again.
    const result = await run({ ...data, out, store: true, db: earlier ? storedAs(db, earlier.runId) : recordingStore(db, queue, job) });
    await publisher?.publish({ runId: result.id!, jobId: job.id, dir: out! });
    return { runId: result.id! };
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
