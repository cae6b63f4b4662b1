// `cqt results ls | get ID | verify ID | prune`: backtest runs that `cqt worker` published to
// CQT_RESULTS_URL (packages/results; layout in docs/jobs.md). The manifests in storage are the
// index; the store is read only by prune, to leave alone the results of jobs still running.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CqtError, RuntimeFailure, UsageError, formatAge, formatTable, loadConfig, type CommandOutput } from '@cqt/config';
import type { Db } from '@cqt/db';
import {
  deleteRun,
  fetchRun,
  IntegrityError,
  isPublished,
  listRuns,
  MANIFEST,
  openResults,
  publishRun,
  verifyRun,
  type ObjectStore,
  type RunCheck,
  type StoredRun,
} from '@cqt/results';

export interface ResultsOptions {
  env?: NodeJS.ProcessEnv;
}

function resultsUrl(env: NodeJS.ProcessEnv): string | undefined {
  return loadConfig({ env }).values.resultsUrl;
}

async function withResults<T>(options: ResultsOptions, body: (store: ObjectStore) => Promise<T>): Promise<T> {
  const env = options.env ?? process.env;
  const url = resultsUrl(env);
  if (!url) throw new UsageError('CQT_RESULTS_URL is not set: no results storage to read', 'e.g. CQT_RESULTS_URL=s3://my-bucket/cqt or file:///srv/cqt-results (docs/jobs.md)');
  const store = openResults(url, env);
  try {
    return await body(store);
  } catch (err) {
    if (err instanceof CqtError) throw err;
    if (err instanceof IntegrityError) throw new CqtError(err.message, { exitCode: 1, hint: `cqt results verify shows every file; a job whose upload failed is retried by the worker`, cause: err });
    throw new RuntimeFailure(`results storage ${store.where}: ${(err as Error).message}`, 'check CQT_RESULTS_URL and the AWS_* variables (endpoint, region, keys)', err);
  } finally {
    store.close();
  }
}

/** The publisher `cqt worker`'s backtest attempts use (the binary hands it to apps/backtest); undefined without CQT_RESULTS_URL. */
export function runPublisher(env: NodeJS.ProcessEnv = process.env) {
  const url = resultsUrl(env);
  if (!url) return undefined;
  const use = async <T>(body: (store: ObjectStore) => Promise<T>) => {
    const store = openResults(url, env);
    try {
      return await body(store);
    } finally {
      store.close();
    }
  };
  return {
    isPublished: (runId: number) => use((store) => isPublished(store, runId)),
    publish: (run: { runId: number; jobId: string; dir: string }) => use((store) => publishRun(store, run)),
  };
}

export function parseRunId(text: string | undefined, command: string): number {
  if (text !== undefined && /^\d+$/.test(text) && Number(text) >= 1) return Number(text);
  throw new UsageError(text === undefined ? 'missing ID: the run' : `invalid run ID ${JSON.stringify(text)}`, `cqt results ${command} ID, a run id from cqt results ls`);
}

const notFound = (runId: number) => new UsageError(`no published run ${runId} (no manifest)`, 'cqt results ls lists the runs; an incomplete one has no manifest yet');

// ---- ls ----

export async function ls(options: ResultsOptions): Promise<{ where: string; runs: StoredRun[] }> {
  return withResults(options, async (store) => ({ where: store.where, runs: await listRuns(store) }));
}

export function lsOutput(r: { where: string; runs: StoredRun[] }, nowMs = Date.now()): CommandOutput {
  return {
    exitCode: 0,
    json: r,
    human: ({ colour }) => {
      if (!r.runs.length) return `no results in ${r.where}`;
      const rows = r.runs.map((run) => [
        String(run.runId),
        run.complete ? { text: 'complete', tone: 'good' as const } : { text: 'incomplete', tone: 'warn' as const },
        run.jobId ?? '-',
        new Date(run.createdMs).toISOString().slice(0, 19) + 'Z',
        formatAge((nowMs - run.createdMs) / 1000),
        String(run.bytes),
      ]);
      return `${r.where}\n${formatTable(['run', 'state', 'job', 'created', 'age', 'bytes'], rows, colour)}`;
    },
  };
}

// ---- get ----

export interface GetResult {
  runId: number;
  out: string;
  files: { name: string; size: number; sha256: string }[];
}

/** Downloads a run's files and manifest into `out`, each checked first; written under temporary names, renamed together. */
export async function get(options: ResultsOptions & { id: number; out?: string }): Promise<GetResult> {
  const out = resolve(options.out ?? `run-${options.id}`);
  return withResults(options, async (store) => {
    const run = await fetchRun(store, options.id);
    if (!run) throw notFound(options.id);
    const names = [...run.files.keys(), MANIFEST];
    const tmp = (name: string) => join(out, `.${name}.tmp-${process.pid}`);
    try {
      mkdirSync(out, { recursive: true });
      for (const [name, bytes] of run.files) writeFileSync(tmp(name), bytes);
      writeFileSync(tmp(MANIFEST), `${JSON.stringify(run.manifest, null, 2)}\n`);
      for (const name of names) renameSync(tmp(name), join(out, name));
    } catch (err) {
      for (const name of names) rmSync(tmp(name), { force: true });
      throw new RuntimeFailure(`writing ${out} failed: ${(err as Error).message}`, 'check that the folder is writable and has space', err);
    }
    return { runId: options.id, out, files: run.manifest.files };
  });
}

export function getOutput(r: GetResult): CommandOutput {
  return { exitCode: 0, json: r, human: () => `run ${r.runId}: ${r.files.map((f) => f.name).join(', ')} (checked against the manifest) in ${r.out}` };
}

// ---- verify ----

export async function verify(options: ResultsOptions & { id: number }): Promise<RunCheck & { where: string }> {
  return withResults(options, async (store) => {
    const check = await verifyRun(store, options.id);
    if (!check) throw notFound(options.id);
    return { ...check, where: store.where };
  });
}

export function verifyOutput(r: RunCheck & { where: string }): CommandOutput {
  return {
    exitCode: r.ok ? 0 : 1,
    json: r,
    human: ({ colour }) => {
      const bad = r.files.filter((f) => f.problem);
      const head = r.ok ? `run ${r.runId}: ${r.files.length} files match the manifest` : `run ${r.runId}: ${bad.map((f) => `${f.name}: ${f.problem}`).join('; ')}`;
      const rows = r.files.map((f) => [f.name, String(f.size), f.problem ? { text: f.problem, tone: 'bad' as const } : { text: 'ok', tone: 'good' as const }]);
      return `${head}\n${formatTable(['file', 'bytes', 'check'], rows, colour)}`;
    },
  };
}

// ---- prune ----

export interface PruneResultsOptions extends ResultsOptions {
  days: number;
  dryRun?: boolean;
  databaseUrl?: string;
  dataDir?: string;
  db?: Db;
  nowMs?: number;
}

export interface PrunedRun {
  runId: number;
  complete: boolean;
  jobId: string | null;
  ageDays: number;
  action: 'deleted' | 'would delete' | 'kept: younger than the limit' | 'kept: its job is still running';
}

/** pg-boss states of a job not finished yet (queued, waiting for a retry, running). */
const RUNNING = ['created', 'retry', 'active'];

/** Whether a job that produced (or is producing) this run still runs: by the manifest's job id, or job_results' record of the run. */
async function jobRunning(db: Db, runId: number, jobId: string | null): Promise<boolean> {
  const [{ boss, results }] = await db.sql<{ boss: string | null; results: string | null }[]>`select to_regclass('pgboss.job')::text as boss, to_regclass('job_results')::text as results`;
  if (!boss) return false;
  const ids = new Set<string>(jobId && /^[0-9a-f-]{36}$/i.test(jobId) ? [jobId] : []);
  if (results) for (const r of await db.sql<{ job_id: string }[]>`select job_id::text from job_results where result->>'runId' = ${String(runId)}`) ids.add(r.job_id);
  if (!ids.size) return false;
  const rows = await db.sql`select 1 from pgboss.job where id = any(${[...ids]}::uuid[]) and state::text = any(${RUNNING}::text[]) limit 1`;
  return rows.length > 0;
}

export async function prune(options: PruneResultsOptions): Promise<{ where: string; days: number; dryRun: boolean; runs: PrunedRun[] }> {
  const nowMs = options.nowMs ?? Date.now();
  const env = options.env ?? process.env;
  return withResults(options, async (store) => {
    const runs = await listRuns(store);
    const old = runs.filter((r) => nowMs - r.createdMs >= options.days * 86_400_000);
    let db = options.db;
    const own = !db && old.length > 0;
    if (own) {
      const { values } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
      // The store only for prune, and only when a run is old enough to ask about its job.
      const { openDb } = await import('@cqt/db');
      db = await openDb({ databaseUrl: values.databaseUrl, dataDir: values.dataDir });
    }
    try {
      const out: PrunedRun[] = [];
      for (const r of runs) {
        const base = { runId: r.runId, complete: r.complete, jobId: r.jobId, ageDays: Math.floor(((nowMs - r.createdMs) / 86_400_000) * 10) / 10 };
        if (!old.includes(r)) out.push({ ...base, action: 'kept: younger than the limit' });
        else if (await jobRunning(db!, r.runId, r.jobId)) out.push({ ...base, action: 'kept: its job is still running' });
        else {
          if (!options.dryRun) await deleteRun(store, r.runId);
          out.push({ ...base, action: options.dryRun ? 'would delete' : 'deleted' });
        }
      }
      return { where: store.where, days: options.days, dryRun: options.dryRun ?? false, runs: out };
    } finally {
      if (own) await db!.close();
    }
  });
}

export function pruneOutput(r: { where: string; days: number; dryRun: boolean; runs: PrunedRun[] }): CommandOutput {
  return {
    exitCode: 0,
    json: r,
    human: ({ colour }) => {
      const gone = r.runs.filter((x) => x.action === 'deleted' || x.action === 'would delete');
      const head = `${r.where}: ${gone.length} run${gone.length === 1 ? '' : 's'} ${r.dryRun ? 'would be deleted (dry run)' : 'deleted'}, ${r.runs.length - gone.length} kept (limit ${r.days} days)`;
      if (!r.runs.length) return head;
      const rows = r.runs.map((x) => [String(x.runId), x.complete ? 'complete' : 'incomplete', x.jobId ?? '-', String(x.ageDays), x.action]);
      return `${head}\n${formatTable(['run', 'state', 'job', 'age (days)', 'action'], rows, colour)}`;
    },
  };
}
