// Real `cqt worker` processes under load and disruption (noop jobs: the queue, not the backtest, is
// under test). PostgreSQL: 1,000 jobs through 2 workers, none lost, none run twice; then every
// backend of the database terminated (pg_terminate_backend, as a server restart does to its
// clients) twice while they run: both workers survive and every job's result exists once; SIGTERM
// to one mid-run: exit 0, the other completes the rest.
// Embedded: kill -9 of the process that owns the store while workers run; the other worker takes
// the store over and carries on (the shared PostgreSQL server itself is never restarted here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '@cqt/db';
import { openQueue, type JobQueue } from '@cqt/jobs';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { startCqt, type CqtChild } from '@cqt/test-support/cqt';
import { tempDir } from '@cqt/test-support/tmp';
import { waitFor as waitUntil } from '@cqt/test-support/wait';

const waitFor = <T>(what: string, probe: () => Promise<T | null | undefined | false>) => waitUntil(what, probe, { timeoutMs: 120_000, pollMs: 200, retryErrors: true });

/** Each `job ID attempt N: noop started` line of the workers' output: job id → attempts started. */
const startsOf = (workers: CqtChild[]) => {
  const starts = new Map<string, number[]>();
  for (const w of workers) {
    for (const m of w.stdout.matchAll(/^job (\S+) attempt (\d+): noop started$/gm)) starts.set(m[1], [...(starts.get(m[1]) ?? []), Number(m[2])]);
  }
  return starts;
};

const countResults = async (db: Db, ids: string[]) => {
  const [r] = await db.sql<{ n: number; distinct_jobs: number }[]>`
    select count(*)::int as n, count(distinct job_id)::int as distinct_jobs from job_results where job_id = any(${ids}::uuid[])`;
  return r;
};
const countCompleted = async (db: Db, ids: string[]) => {
  const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from pgboss.job where id = any(${ids}::uuid[]) and state = 'completed'`;
  return n;
};

describe('cqt worker under load [postgres]', () => {
  let pg: TestDatabase;
  let db: Db;
  let queue: JobQueue;
  const workers: CqtChild[] = [];
  beforeAll(async () => {
    pg = await createTestDatabase();
    db = await openDb({ databaseUrl: pg.url });
    queue = await openQueue(db.sql, { queue: 'noop' });
    for (let i = 0; i < 2; i++) workers.push(startCqt(['worker', '--queues', 'noop', '--concurrency', '4', '--expiry-check-sec', '1'], { DATABASE_URL: pg.url }));
    await waitFor('both workers', async () => workers.every((w) => w.stdout.includes('waiting for jobs')));
  }, 180_000);
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === undefined) w.child.kill('SIGKILL');
    await queue?.stop(1000);
    await db?.close();
    await pg?.drop();
  });

  it('1,000 jobs through 2 workers: none lost, none run twice', async () => {
    const ids = await queue.submitMany(Array.from({ length: 1000 }, (_, n) => ({ n })));
    await waitFor('1,000 completions', async () => (await countCompleted(db, ids)) === 1000);
    expect(await countResults(db, ids)).toEqual({ n: 1000, distinct_jobs: 1000 });
    const starts = startsOf(workers);
    expect([...starts.keys()].sort()).toEqual([...ids].sort());
    expect([...starts.values()].filter((a) => a.length !== 1 || a[0] !== 1)).toEqual([]);
    // Both took a share.
    for (const w of workers) expect(w.stdout).toMatch(/attempt 1: noop started/);
  }, 240_000);

  it("every backend terminated twice mid-run (a server restart, as clients see it): workers carry on, each result once", async () => {
    const before = startsOf(workers);
    // A job whose fetch reply is lost stays active until its expiry, then is retried: keep it short.
    const ids = await queue.submitMany(Array.from({ length: 400 }, (_, n) => ({ n })), { expireSec: 5 });
    let terminated = 0;
    for (const atLeast of [50, 200]) {
      await waitFor(`${atLeast} completions`, async () => (await countCompleted(db, ids)) >= atLeast);
      const rows = await db.sql<{ ok: boolean }[]>`
        select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
      terminated += rows.filter((r) => r.ok).length;
    }
    // Both workers' connections (and this test's other ones) were cut.
    expect(terminated).toBeGreaterThanOrEqual(2);
    await waitFor('400 completions', async () => (await countCompleted(db, ids)) === 400);
    expect(await countResults(db, ids)).toEqual({ n: 400, distinct_jobs: 400 });
    expect(workers.map((w) => w.exitCode)).toEqual([undefined, undefined]);
    // Later jobs run too.
    const later = await queue.submitMany([{ later: 1 }, { later: 2 }]);
    await waitFor('the later jobs', async () => (await countCompleted(db, later)) === 2);
    const starts = startsOf(workers);
    for (const id of [...ids, ...later]) expect(starts.has(id) && !before.has(id)).toBe(true);
  }, 240_000);

  // After the terminations above: a statement of a connection the server ended earlier may fail on
  // the stop path; nobody's rejection, survived (lostWithConnection, unhandled.test.ts), exit 0.
  // A release lost that way leaves its job active until its expiry, when the other worker runs it
  // (its result still stored once): the jobs expire after 10 s here, not the default 15 min, so
  // that path completes within the wait (seen once in a loaded CI run at the 15 min default).
  it('SIGTERM to one worker mid-run: it finishes or releases its jobs and exits 0; the other completes the rest, each result once', async () => {
    const ids = await queue.submitMany(Array.from({ length: 300 }, (_, n) => ({ n })), { expireSec: 10 });
    await waitFor('50 completions', async () => (await countCompleted(db, ids)) >= 50);
    const [stopped, other] = workers;
    stopped.child.kill('SIGTERM');
    await stopped.exited;
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(stopped.stdout.trim().split('\n').at(-1)).toBe('worker: stopped');
    await waitUntil('300 completions', async () => (await countCompleted(db, ids)) === 300, {
      timeoutMs: 120_000,
      pollMs: 200,
      retryErrors: true,
      detail: () => `stopped worker stderr:\n${stopped.stderr.slice(-2000)}\nother worker stderr:\n${other.stderr.slice(-2000)}`,
    });
    expect(await countResults(db, ids)).toEqual({ n: 300, distinct_jobs: 300 });
    other.child.kill('SIGTERM');
    await other.exited;
    expect(other.exitCode, other.stderr).toBe(0);
  }, 240_000);
});

describe('cqt worker under load [embedded]', () => {
  const dir = tempDir('cqt-load-');
  const env = { CQT_DATA_DIR: dir.path };
  let db: Db;
  let queue: JobQueue;
  const workers: CqtChild[] = [];
  beforeAll(async () => {
    // The first worker opens the store first, so it is the owner; the second worker and this test
    // are its clients.
    workers.push(startCqt(['worker', '--queues', 'noop', '--concurrency', '2', '--expiry-check-sec', '1'], env));
    await waitFor('the owning worker', async () => workers[0].stdout.includes('waiting for jobs'));
    db = await openDb({ dataDir: dir.path });
    expect(db.role()).toBe('client');
    queue = await openQueue(db.sql, { queue: 'noop' });
    workers.push(startCqt(['worker', '--queues', 'noop', '--concurrency', '2', '--expiry-check-sec', '1'], env));
    await waitFor('the second worker', async () => workers[1].stdout.includes('waiting for jobs'));
  }, 180_000);
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === undefined) w.child.kill('SIGKILL');
    await queue?.stop(1000);
    await db?.close();
    dir.remove();
  });

  // Once timed out at 240 s in CI with no probe error: waitFor now names a probe that never
  // answers (a statement that hangs after the owner's death), so a recurrence says where.
  it('200 jobs through 2 workers; kill -9 of the owner mid-run: the other takes the store over, each result once', async () => {
    const ids = await queue.submitMany(Array.from({ length: 200 }, (_, n) => ({ n })), { expireSec: 5 });
    await waitFor('50 completions', async () => (await countCompleted(db, ids)) >= 50);
    const [owner, other] = workers;
    owner.child.kill('SIGKILL');
    await owner.exited;
    await waitFor('200 completions', async () => (await countCompleted(db, ids)) === 200);
    expect(await countResults(db, ids)).toEqual({ n: 200, distinct_jobs: 200 });
    expect(other.exitCode).toBeUndefined();
    // This test or the surviving worker owns the store now (whichever watcher won the takeover).
    const later = await queue.submitMany([{ later: 1 }]);
    await waitFor('the later job', async () => (await countCompleted(db, later)) === 1);
    expect(other.stdout).toContain(`job ${later[0]} attempt 1: noop started`);
    other.child.kill('SIGTERM');
    await other.exited;
    expect(other.exitCode).toBe(0);
  }, 240_000);
});
