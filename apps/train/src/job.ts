// Training as a job (decision 150): `cqt train submit` and `cqt train schedule` put `cqt train`'s
// flags on the `train` queue; `cqt worker --queues train` runs each attempt in a job thread (a fit
// is synchronous and must not stall the worker's loop) and registers the artifact as a new model
// version — never promoted: the aliases are `cqt model promote`'s alone, behind its gate.
// Exactly once on job id: the version and the job's result are written in one transaction, and a
// retried attempt that finds the result returns it without training again (decision 87).
// The queue arrives from the binary (this app does not depend on @cqt/jobs); its shape is below.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, UsageError, type CommandOutput } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';
import { verifyArtifact, type Artifact } from '@cqt/models';
import { run, type ExportDataset, type TrainOptions } from './index.js';

/** What a training job carries: `cqt train`'s flags (paths absolute, as the submitter saw them). */
export type TrainJobData = Omit<TrainOptions, 'env' | 'exportDataset' | 'databaseUrl' | 'dataDir'> & {
  /** Register the artifact as a model version (default true). Never promotes. */
  register: boolean;
};

export interface TrainJobResult {
  sha256: string;
  kind: string;
  artifactPath: string;
  rows: number;
  /** The registered version (null with --no-register); `created` false when the same artifact was registered before. */
  version: number | null;
  created: boolean;
  logLoss: number;
  baselineLogLoss: number;
}

type Sql = Db['sql'];

/** The job queue's calls used here (@cqt/jobs' JobQueue has them). */
export interface TrainQueue {
  submit(data: object): Promise<string>;
  schedule(cron: string, data: object): Promise<void>;
  unschedule(): Promise<boolean>;
  schedules(): Promise<Array<{ queue: string; cron: string; timezone: string; data: unknown; createdAt: string; updatedAt: string }>>;
  get(id: string): Promise<TrainJobInfo | null>;
  /** Queued, failed or active → cancelled; false if it had finished. */
  cancel(id: string): Promise<boolean>;
  /** Dead or cancelled → queued again. */
  retry(id: string): Promise<boolean>;
  stop(timeoutMs?: number): Promise<void>;
}
/** A job as the queue reports it (@cqt/jobs' JobInfo). */
export interface TrainJobInfo {
  id: string;
  queue: string;
  state: string;
  attempt: number;
  attempts: number;
  data: unknown;
  output: unknown;
  lastError: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}
export type OpenTrainQueue = (sql: Sql) => Promise<TrainQueue>;

export interface JobQueueLike {
  findResult<R>(id: string): Promise<R | null>;
  /** Inside the transaction that registered the version (postgres.js's TransactionSql). */
  recordResult(tx: Sql, id: string, result: object): Promise<void>;
}

/** apps/model's registerVersion, handed over by the binary. */
export type RegisterVersion = (sql: Sql, artifact: Artifact, source: string | null) => Promise<{ version: number; created: boolean }>;

/**
 * One attempt of a training job. `store` is where the worker's job thread found the store (a --last
 * export opens it again); `deps` are what the binary hands over (apps do not import apps).
 */
export async function runTrainJob(
  db: Db,
  queue: JobQueueLike,
  job: { id: string; data: TrainJobData; signal?: AbortSignal },
  store: { databaseUrl?: string; dataDir?: string },
  deps: { registerVersion: RegisterVersion; exportDataset?: ExportDataset },
): Promise<TrainJobResult> {
  const earlier = await queue.findResult<TrainJobResult>(job.id);
  if (earlier) return earlier;
  const { register, ...options } = job.data;
  const trained = await run({ ...options, exportDataset: deps.exportDataset, databaseUrl: store.databaseUrl, dataDir: store.dataDir });
  if (job.signal?.aborted) throw new Error('cancelled');
  const base = {
    sha256: trained.sha256,
    kind: trained.kind,
    artifactPath: trained.artifactPath,
    rows: trained.rows,
    logLoss: trained.overall.model.logLoss,
    baselineLogLoss: trained.overall.baseline.logLoss,
  };
  // What is registered is the file as written, checked against its own sha256.
  const artifact = register ? verifyArtifact(JSON.parse(readFileSync(trained.artifactPath, 'utf8'))) : null;
  return (await db.sql.begin(async (tx) => {
    const sql = tx as unknown as Sql;
    const registered = artifact ? await deps.registerVersion(sql, artifact, trained.artifactPath) : null;
    const result: TrainJobResult = { ...base, version: registered?.version ?? null, created: registered?.created ?? false };
    await queue.recordResult(sql, job.id, result);
    return result;
  })) as TrainJobResult;
}

// ---- submit / schedule (the CLI side) ----

export interface SubmitOptions extends Omit<TrainOptions, 'exportDataset'> {
  register?: boolean;
  db?: Db;
}

/** The job's data from `cqt train` flags, checked as `cqt train` would before anything is queued. */
export function jobData(options: SubmitOptions): TrainJobData {
  if ((options.dataset === undefined) === (options.lastSec === undefined)) throw new UsageError('give exactly one of --dataset FILE and --last DUR', 'cqt train submit --dataset btc_7d.parquet, or --last 7d');
  const dataset = options.dataset === undefined ? undefined : resolve(options.dataset);
  if (dataset !== undefined && !existsSync(dataset)) throw new UsageError(`no such dataset: ${options.dataset}`, 'the worker reads the file at this path: give one it can see');
  const data: TrainJobData = {
    dataset,
    lastSec: options.lastSec,
    horizonSec: options.horizonSec,
    model: options.model,
    out: resolve(options.out ?? 'models'),
    folds: options.folds,
    embargoSec: options.embargoSec,
    cv: options.cv,
    l2: options.l2,
    features: options.features,
    symbol: options.symbol,
    register: options.register ?? true,
  };
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)) as TrainJobData;
}

async function withQueue<T>(options: SubmitOptions, open: OpenTrainQueue, body: (queue: TrainQueue) => Promise<T>): Promise<T> {
  let db = options.db;
  if (!db) {
    const { values } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env: options.env ?? process.env });
    db = await openDb({ databaseUrl: values.databaseUrl, dataDir: values.dataDir });
  }
  const queue = await open(db.sql);
  try {
    return await body(queue);
  } finally {
    await queue.stop(1000);
    if (!options.db) await db.close();
  }
}

export async function submit(options: SubmitOptions, open: OpenTrainQueue): Promise<{ id: string; data: TrainJobData }> {
  const data = jobData(options);
  return withQueue(options, open, async (queue) => ({ id: await queue.submit(data), data }));
}

export function submitOutput(r: { id: string }): CommandOutput {
  return { exitCode: 0, json: { id: r.id }, human: () => `${r.id}\n(cqt worker --queues train runs it; the new version appears in cqt model list, unpromoted)` };
}

/** `cqt train status ID`: the job's state and, once completed, the version it registered. */
export async function status(id: string, options: SubmitOptions, open: OpenTrainQueue): Promise<TrainJobInfo> {
  const job = await withQueue(options, open, (queue) => queue.get(id));
  if (!job || job.queue !== 'train') throw new UsageError(`no training job ${id}`, 'the id cqt train submit printed');
  return job;
}

export function statusOutput(job: TrainJobInfo): CommandOutput {
  const out = job.output as TrainJobResult | null;
  const made = out ? (out.version === null ? `, artifact ${out.artifactPath} (not registered)` : `, model version ${out.version}${out.created ? '' : ' (registered before)'} (sha256 ${out.sha256.slice(0, 12)}…)`) : '';
  const error = job.lastError ? ` — last error: ${job.lastError}` : '';
  return { exitCode: 0, json: job, human: () => `job ${job.id}: ${job.state} (attempt ${job.attempt}/${job.attempts})${made}${error}` };
}

export type TrainJobChange = { id: string; state: string } & ({ cancelled: boolean } | { retried: boolean });

/**
 * `cqt train cancel | retry ID`: a queued or running job cancelled (a running fit's thread ends;
 * nothing is registered), or a dead or cancelled job queued again — as `cqt backtest` does.
 */
export async function change(action: 'cancel' | 'retry', id: string, options: SubmitOptions, open: OpenTrainQueue): Promise<TrainJobChange> {
  return withQueue(options, open, async (queue) => {
    const job = await queue.get(id);
    if (!job || job.queue !== 'train') throw new UsageError(`no training job ${id}`, 'the id cqt train submit printed');
    if (action === 'retry' && job.state !== 'dead' && job.state !== 'cancelled') {
      throw new UsageError(`job ${id} is ${job.state}: only a dead or cancelled job can be retried`, 'cqt train status ID shows its state and last error');
    }
    const changed = action === 'cancel' ? await queue.cancel(id) : await queue.retry(id);
    const state = (await queue.get(id))!.state;
    return action === 'cancel' ? { id, cancelled: changed, state } : { id, retried: changed, state };
  });
}

/** Exit 1 when nothing changed (a finished job cannot be cancelled). */
export function changeOutput(r: TrainJobChange): CommandOutput {
  const changed = 'cancelled' in r ? r.cancelled : r.retried;
  return { exitCode: changed ? 0 : 1, json: r, human: () => `job ${r.id}: ${r.state}${changed ? '' : ' (unchanged)'}` };
}

/** pg-boss keys a schedule by its queue: the training schedule is named after it (decision 151). */
export const SCHEDULE_NAME = 'train';

export interface ScheduleOptions extends SubmitOptions {
  cron?: string;
  list?: boolean;
  remove?: string;
}

export type ScheduleResult =
  | { action: 'set'; name: string; cron: string; timezone: 'UTC'; data: TrainJobData }
  | { action: 'list'; schedules: Array<{ name: string; cron: string; timezone: string; data: unknown; updatedAt: string }> }
  | { action: 'removed' | 'absent'; name: string };

/** Five cron fields (minute hour day month weekday), as pg-boss 10 (cron-parser) reads them in UTC. */
const CRON_FIELD = /^[\d*,/-]+$|^[A-Za-z]{3}([,-][A-Za-z]{3})*$/;

export async function schedule(options: ScheduleOptions, open: OpenTrainQueue): Promise<ScheduleResult> {
  const modes = [options.cron !== undefined, options.list === true, options.remove !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('give one of --cron EXPR, --list and --remove NAME', 'cqt train schedule --cron "0 3 * * *" --last 7d');
  if (options.remove !== undefined) {
    if (options.remove !== SCHEDULE_NAME) throw new UsageError(`no schedule named ${options.remove}`, `the training schedule is named ${SCHEDULE_NAME} (cqt train schedule --list)`);
    return withQueue(options, open, async (queue) => ({ action: (await queue.unschedule()) ? 'removed' : 'absent', name: SCHEDULE_NAME }));
  }
  if (options.list) {
    return withQueue(options, open, async (queue) => ({
      action: 'list',
      schedules: (await queue.schedules()).map((s) => ({ name: s.queue, cron: s.cron, timezone: s.timezone, data: s.data, updatedAt: s.updatedAt })),
    }));
  }
  const cron = options.cron!.trim();
  const fields = cron.split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) throw new UsageError(`invalid --cron "${options.cron}"`, 'five fields in UTC: minute hour day month weekday, e.g. "0 3 * * *"');
  const data = jobData(options);
  return withQueue(options, open, async (queue) => {
    await queue.schedule(cron, data).catch((err: Error) => {
      throw new UsageError(`invalid --cron "${options.cron}": ${err.message.split('\n')[0]}`, 'five fields in UTC, e.g. "0 3 * * *"', err);
    });
    return { action: 'set', name: SCHEDULE_NAME, cron, timezone: 'UTC', data };
  });
}

export function scheduleOutput(r: ScheduleResult): CommandOutput {
  const describe = (d: unknown) => {
    const o = d as Partial<TrainJobData>;
    return [o.dataset ? `--dataset ${o.dataset}` : `--last ${o.lastSec} s`, `--model ${o.model ?? 'logreg'}`, `--out ${o.out}`, o.register === false ? '--no-register' : 'registers'].join(' ');
  };
  return {
    exitCode: 0,
    json: r,
    human: () => {
      if (r.action === 'set') return `schedule ${r.name}: ${r.cron} (UTC) → cqt train ${describe(r.data)}\n(a worker serving train enqueues it when due)`;
      if (r.action === 'list') return r.schedules.length ? r.schedules.map((s) => `${s.name}  ${s.cron} (${s.timezone})  cqt train ${describe(s.data)}  updated ${s.updatedAt}`).join('\n') : 'no training schedule';
      return r.action === 'removed' ? `schedule ${r.name}: removed` : `schedule ${r.name}: there was none`;
    },
  };
}
