// Training through the job queue, with the built binary on both backends: `cqt train submit` →
// `cqt worker --queues train` → a registered model version in the job's output while champion and
// shadow (and their history) stay as they were; a job run again after its result was stored
// registers nothing new; cancel and retry; a worker killed mid-training → the next attempt registers once; `cqt train schedule` set/list/replace/remove; a due schedule enqueued by
// the worker's pg-boss timekeeper and trained like a submitted job.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '@cqt/test-support/backends';
import { runCqt, startCqt, type CqtChild } from '@cqt/test-support/cqt';
import { tempDir } from '@cqt/test-support/tmp';
import { waitFor as waitUntil } from '@cqt/test-support/wait';
import { openQueue, type JobInfo, type JobQueue } from '@cqt/jobs';
import { writeDatasetFixture } from '../../../../packages/models/src/__tests__/datasetFixture.js';

const waitFor = <T>(what: string, probe: () => Promise<T | null | undefined | false>) => waitUntil(what, probe, { timeoutMs: 120_000 });

interface TrainOutput {
  version: number | null;
  created: boolean;
  sha256: string;
  artifactPath: string;
}

describeBackends('training jobs on the train queue', ({ db, backend }) => {
  const dir = tempDir('cqt-train-jobs-');
  const dataset = join(dir.path, 'good.parquet');
  let env: Record<string, string>;
  let queue: JobQueue;
  const workers: CqtChild[] = [];
  const startWorker = () => {
    const w = startCqt(['worker', '--queues', 'train', '--expiry-check-sec', '1'], env);
    workers.push(w);
    return w;
  };
  const stopWorker = async (w: CqtChild) => {
    w.child.kill('SIGTERM');
    await w.exited;
    expect(w.exitCode).toBe(0);
  };
  const cqt = (args: string[]) => runCqt(args, env, { timeoutMs: 90_000 });
  const json = (args: string[]) => {
    const res = cqt([...args, '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    return JSON.parse(res.stdout);
  };
  const completed = (id: string) => async () => {
    const job = await queue.get<unknown>(id);
    return job?.state === 'completed' ? (job as JobInfo & { output: TrainOutput }) : null;
  };
  // What serving reads: the aliases and their history.
  const servingState = async () => ({
    aliases: await db().sql`select alias, version::int as version from model_aliases order by alias`,
    history: await db().sql`select id::int as id, alias, to_version::int as to from model_alias_history order by id`,
  });
  const versionCount = async () => (await db().sql<{ n: number }[]>`select count(*)::int as n from model_versions`)[0].n;
  const resultsOf = async (id: string) => (await db().sql<{ n: number }[]>`select count(*)::int as n from job_results where job_id = ${id}`)[0].n;

  beforeAll(async () => {
    env = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    await writeDatasetFixture(dataset, { rows: 2000, seed: 3 });
    // A champion and a shadow already serve: trained by hand, registered, promoted.
    for (const [l2, to] of [['0.1', 'champion'], ['0.01', 'shadow']] as const) {
      const trained = json(['train', '--dataset', dataset, '--folds', '2', '--l2', l2, '--out', join(dir.path, 'hand')]);
      const { version } = json(['model', 'register', trained.artifactPath]);
      const promoted = cqt(['model', 'promote', String(version), '--to', to, ...(to === 'champion' ? ['--force', '--reason', 'test set-up'] : [])]);
      expect(promoted.code).toBe(0);
    }
    queue = await openQueue(db().sql, { queue: 'train' });
  }, 180_000);
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === undefined) w.child.kill('SIGKILL');
    await queue?.stop(1000);
    dir.remove();
  });

  it('refuses bad input at once (exit 2, one line, nothing queued or scheduled)', async () => {
    const neither = cqt(['train', 'submit']);
    expect([neither.code, neither.stderr.split('\n')[0]]).toEqual([2, 'error: give exactly one of --dataset FILE and --last DUR']);
    const missing = cqt(['train', 'submit', '--dataset', join(dir.path, 'absent.parquet')]);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([2, `error: no such dataset: ${join(dir.path, 'absent.parquet')}`]);
    const badCron = cqt(['train', 'schedule', '--cron', '0 3 * *', '--dataset', dataset]);
    expect([badCron.code, badCron.stderr.split('\n')[0]]).toEqual([2, 'error: invalid --cron "0 3 * *"']);
    const outOfRange = cqt(['train', 'schedule', '--cron', '0 25 * * *', '--dataset', dataset]);
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr.split('\n')[0]).toMatch(/^error: invalid --cron "0 25 \* \* \*": /);
    const two = cqt(['train', 'schedule', '--list', '--remove', 'train']);
    expect([two.code, two.stderr.split('\n')[0]]).toEqual([2, 'error: give one of --cron EXPR, --list and --remove NAME']);
    const other = cqt(['train', 'schedule', '--remove', 'nightly']);
    expect([other.code, other.stderr.split('\n')[0]]).toEqual([2, 'error: no schedule named nightly']);
    expect(await queue.list()).toEqual([]);
    expect(json(['train', 'schedule', '--list'])).toEqual({ action: 'list', schedules: [] });
    // Plain `cqt train` is unchanged beside its subcommands.
    const plain = cqt(['train', '--dataset', dataset, '--folds', '2', '--out', join(dir.path, 'plain')]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^trained logreg on 2000 rows/);
  }, 180_000);

  it('submit → worker → a new version in the job output; champion and shadow untouched; a re-run registers nothing', async () => {
    const before = await servingState();
    expect(before.aliases).toHaveLength(2);
    const versionsBefore = await versionCount();
    const { id } = json(['train', 'submit', '--dataset', dataset, '--folds', '3', '--out', join(dir.path, 'jobs')]);
    expect((await queue.get(id))?.data).toMatchObject({ dataset, folds: 3, out: join(dir.path, 'jobs'), register: true });

    const worker = startWorker();
    const done = await waitFor('the training job', completed(id));
    expect(done.output).toMatchObject({ version: versionsBefore + 1, created: true });
    expect(await versionCount()).toBe(versionsBefore + 1);
    expect(await resultsOf(id)).toBe(1);
    const listed = json(['model', 'list']);
    const rows = (Array.isArray(listed) ? listed : listed.versions) as Array<{ version: number; sha256: string; aliases: string[] }>;
    expect(rows.find((v) => v.version === done.output.version)).toMatchObject({ sha256: done.output.sha256, aliases: [] });
    expect(await servingState()).toEqual(before);
    expect(worker.stdout).toContain(`job ${id} attempt 1: completed, model version ${done.output.version}`);
    expect(cqt(['train', 'status', id]).stdout.trim()).toBe(`job ${id}: completed (attempt 1/3), model version ${done.output.version} (sha256 ${done.output.sha256.slice(0, 12)}…)`);
    expect(json(['train', 'status', id])).toMatchObject({ id, state: 'completed', output: done.output });
    const notTrain = cqt(['train', 'status', '00000000-0000-4000-8000-000000000000']);
    expect([notTrain.code, notTrain.stderr.split('\n')[0]]).toEqual([2, 'error: no training job 00000000-0000-4000-8000-000000000000']);

    // The same job id taken again after its result was stored (a worker that died between the
    // commit and pg-boss's completion): the dataset now trains to another artifact, yet nothing is
    // trained or registered — the stored result is the output.
    await writeDatasetFixture(dataset, { rows: 2000, seed: 4 });
    const other = json(['train', '--dataset', dataset, '--folds', '3', '--out', join(dir.path, 'other')]);
    expect(other.sha256).not.toBe(done.output.sha256);
    await db().sql`update pgboss.job set state = 'retry', completed_on = null, start_after = now() where id = ${id}`;
    const again = await waitFor('the re-run', async () => {
      const job = await completed(id)();
      return job && job.attempt >= 2 ? job : null;
    });
    expect(again.output).toEqual(done.output);
    expect(await versionCount()).toBe(versionsBefore + 1);
    expect(await resultsOf(id)).toBe(1);
    expect(await servingState()).toEqual(before);
    await stopWorker(worker);
  }, 240_000);

  it('cancel a queued job, retry it, and the worker trains it once; refusals exit 1 or 2 with one line', async () => {
    const versionsBefore = await versionCount();
    const { id } = json(['train', 'submit', '--dataset', dataset, '--folds', '2', '--out', join(dir.path, 'cancelled')]);
    const cancel = cqt(['train', 'cancel', id]);
    expect([cancel.code, cancel.stdout.trim(), cancel.stderr]).toEqual([0, `job ${id}: cancelled`, '']);
    const again = cqt(['train', 'cancel', id, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual({ id, cancelled: false, state: 'cancelled' });
    expect(json(['train', 'retry', id])).toEqual({ id, retried: true, state: 'queued' });
    const notRetryable = cqt(['train', 'retry', id]);
    expect([notRetryable.code, notRetryable.stderr.split('\n')[0]]).toEqual([2, `error: job ${id} is queued: only a dead or cancelled job can be retried`]);

    const worker = startWorker();
    const done = await waitFor('the retried training job', completed(id));
    expect(done.output).toMatchObject({ version: versionsBefore + 1, created: true });
    expect(await resultsOf(id)).toBe(1);
    const finished = cqt(['train', 'cancel', id]);
    expect([finished.code, finished.stdout.trim()]).toEqual([1, `job ${id}: completed (unchanged)`]);
    await stopWorker(worker);

    const unknown = cqt(['train', 'cancel', '00000000-0000-4000-8000-000000000000']);
    expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([2, 'error: no training job 00000000-0000-4000-8000-000000000000']);
    const noId = cqt(['train', 'retry']);
    expect([noId.code, noId.stderr.split('\n')[0]]).toEqual([2, 'error: missing ID: the job']);
  }, 240_000);

  it('kill -9 mid-training: another worker takes the job after its expiry; the version exists once', async () => {
    const before = await servingState();
    const versionsBefore = await versionCount();
    const id = await queue.submit({ dataset, l2: 0.05, out: join(dir.path, 'killed'), register: true }, { expireSec: 4 });
    const first = startWorker();
    // Killed on the very chunk that says the attempt started: the job thread is still loading or fitting.
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!first.stdout.includes(`job ${id} attempt 1: train started`)) return;
        first.child.kill('SIGKILL');
        resolve();
      };
      first.child.stdout!.on('data', check);
    });
    await first.exited;
    expect(first.stdout).not.toContain(`job ${id} attempt 1: completed`);
    expect(await versionCount()).toBe(versionsBefore);

    const second = startWorker();
    const done = await waitFor('completion by the second worker', completed(id));
    expect(done.attempt).toBeGreaterThanOrEqual(2);
    expect(done.output).toMatchObject({ version: versionsBefore + 1, created: true });
    expect(await versionCount()).toBe(versionsBefore + 1);
    expect(await resultsOf(id)).toBe(1);
    expect(await servingState()).toEqual(before);
    await stopWorker(second);
  }, 240_000);

  it('schedule: set, list, replace, remove', async () => {
    const jobsBefore = (await queue.list()).length;
    const set = json(['train', 'schedule', '--cron', '0 3 * * *', '--dataset', dataset, '--out', join(dir.path, 'nightly')]);
    expect(set).toMatchObject({ action: 'set', name: 'train', cron: '0 3 * * *', timezone: 'UTC', data: { dataset, out: join(dir.path, 'nightly'), register: true } });
    expect(json(['train', 'schedule', '--list']).schedules).toEqual([expect.objectContaining({ name: 'train', cron: '0 3 * * *', timezone: 'UTC', data: set.data })]);
    const human = cqt(['train', 'schedule', '--list']);
    expect(human.stdout).toMatch(/^train {2}0 3 \* \* \* \(UTC\) {2}cqt train --dataset .*good\.parquet --model logreg --out .*nightly registers/);
    json(['train', 'schedule', '--cron', '30 2 * * 1', '--last', '7d', '--no-register']);
    const replaced = json(['train', 'schedule', '--list']).schedules;
    expect(replaced).toHaveLength(1);
    expect(replaced[0]).toMatchObject({ cron: '30 2 * * 1', data: { lastSec: 604_800, register: false } });
    expect(json(['train', 'schedule', '--remove', 'train'])).toEqual({ action: 'removed', name: 'train' });
    expect(json(['train', 'schedule', '--list']).schedules).toEqual([]);
    expect(json(['train', 'schedule', '--remove', 'train'])).toEqual({ action: 'absent', name: 'train' });
    // Setting a schedule queues nothing by itself.
    expect(await queue.list()).toHaveLength(jobsBefore);
  }, 120_000);

  it('a due schedule: the worker enqueues a job and trains it; the aliases stay', async () => {
    const before = await servingState();
    const versionsBefore = await versionCount();
    const known = new Set((await queue.list()).map((j) => j.id));
    // Due every minute, so pg-boss's check finds it due whenever it runs; that check runs at most
    // once per 30 s per store (pgboss.version.cron_on): cleared so this worker's first check, at
    // its start, is the one (no waiting a minute).
    json(['train', 'schedule', '--cron', '* * * * *', '--dataset', dataset, '--l2', '0.5', '--folds', '2', '--out', join(dir.path, 'cron')]);
    await db().sql`update pgboss.version set cron_on = null`;
    const worker = startWorker();
    const job = await waitFor('a scheduled job', async () => (await queue.list()).find((j) => !known.has(j.id)));
    expect(job.data).toMatchObject({ dataset, l2: 0.5, folds: 2, register: true });
    const done = await waitFor('the scheduled training', completed(job.id));
    expect(done.output).toMatchObject({ version: versionsBefore + 1, created: true });
    expect(await servingState()).toEqual(before);
    json(['train', 'schedule', '--remove', 'train']);
    await stopWorker(worker);
  }, 240_000);
});
