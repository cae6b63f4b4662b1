// A job attempt in its worker thread, on both backends (the thread opens its own connection): a
// crash fails that attempt only; a cancel reaches a synchronous loop through the shared flag, and a
// thread that never looks is terminated within the grace with its open transaction rolled back.
// Runs the built thread (dist/jobThread.js: the thread is plain Node) with fixtures/runners.mjs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '@cqt/test-support/tmp';
import { describeBackends } from '@cqt/test-support/backends';
import { openQueue, type JobContext, type JobQueue } from '@cqt/jobs';
import { JobThreads } from '../../dist/thread.js';
import { runWorker } from '../../dist/index.js';
import { waitFor } from '@cqt/test-support/wait';

const runners = new URL('./fixtures/runners.mjs', import.meta.url).href;


describeBackends('a job in its worker thread', ({ db, backend }) => {
  let store: { databaseUrl?: string; dataDir?: string };
  let queue: JobQueue;
  beforeAll(async () => {
    store = backend === 'postgres' ? { databaseUrl: db().location } : { dataDir: db().location };
    queue = await openQueue(db().sql, { queue: 'threads', retryDelaySec: 1 });
    await db().sql`create table thread_probe (job_id text primary key, what text not null)`;
  });
  afterAll(async () => {
    await queue?.stop(1000);
  });

  const job = (id: string, data: object = {}, abort = new AbortController()): JobContext<unknown> & { abort: AbortController } => ({ id, data, attempt: 1, signal: abort.signal, abort });

  const pool = (name: string, cancelGraceMs?: number) => new JobThreads({ runner: { module: runners, name }, store, queue: 'threads', cancelGraceMs });

  it('a crash (exit or uncaught exception) rejects that attempt only; the pool starts a fresh thread', async () => {
    const crashing = pool('crashOnce');
    const throwing = pool('throwUncaught');
    const [exited, threw] = await Promise.allSettled([crashing.run(job('exit', { crash: true })), throwing.run(job('uncaught'))]);
    expect(exited).toMatchObject({ status: 'rejected', reason: { message: 'job thread exited with code 7' } });
    expect(threw).toMatchObject({ status: 'rejected', reason: { message: 'job thread crashed: uncaught in the job thread' } });
    // This process carries on, and so does the pool: the next attempt runs (twice: the thread is kept).
    const next = { ...job('00000000-0000-4000-8000-000000000001'), attempt: 2 };
    await expect(crashing.run(next)).resolves.toEqual({ attempt: 2 });
    await expect(crashing.run({ ...next, id: '00000000-0000-4000-8000-000000000002' })).resolves.toEqual({ attempt: 2 });
    expect(crashing.running).toBe(0);
    await Promise.all([crashing.close(), throwing.close()]);
  });

  it('cancel: a synchronous loop sees the shared flag (no event loop turn needed)', async () => {
    const threads = pool('spinChecking', 20_000);
    const j = job('flag');
    const attempt = threads.run(j);
    await new Promise((r) => setTimeout(r, 300));
    j.abort.abort();
    await expect(attempt).rejects.toThrow('cancelled');
    expect(await db().sql`select what from thread_probe where job_id = 'flag'`).toEqual([{ what: 'saw the flag' }]);
    await threads.close();
  });

  it('cancel: a thread that never looks is terminated after the grace; its open transaction rolls back', async () => {
    const dir = tempDir('cqt-thread-');
    const marker = join(dir.path, 'inserted');
    const j = job('spin', { marker });
    const threads = pool('spinInTransaction', 300);
    const attempt = threads.run(j);
    expect(threads.running).toBe(1);
    // Wait until its insert is in (its open transaction holds the key; on the embedded store it
    // holds the one backend, so a query here would wait: the fixture leaves a file instead).
    await waitFor('the spinning insert', async () => existsSync(marker));
    const cancelledAtMs = Date.now();
    j.abort.abort();
    await expect(attempt).rejects.toThrow('cancelled');
    // Terminated at the grace (300 ms), not left running: a loose bound, the point is "stopped".
    expect(Date.now() - cancelledAtMs).toBeLessThan(10_000);
    expect(threads.running).toBe(0);
    // Nothing half-written: the same key inserts cleanly once the dead transaction is gone.
    await db().sql`insert into thread_probe (job_id, what) values ('spin', 'after')`;
    expect(await db().sql`select what from thread_probe where job_id = 'spin'`).toEqual([{ what: 'after' }]);
    await threads.close();
    dir.remove();
  });

  it('cqt worker: a crashed attempt is retried and completes; the other job is not disturbed', async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    const env = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    const bt = await openQueue(db().sql, { queue: 'backtest', retryDelaySec: 1 });
    const worker = runWorker({ db: db(), env, queues: ['backtest'], concurrency: 2, expiryCheckSec: 60, runJob: { module: runners, name: 'crashOnce' }, signal: stop.signal, log: (l) => lines.push(l) });
    const a = await bt.submit({ strategy: 'a', crash: true }, { retryDelaySec: 1 });
    const b = await bt.submit({ strategy: 'b' }, { retryDelaySec: 1 });
    for (const id of [a, b]) await waitFor(`job ${id}`, async () => (await bt.get(id))?.state === 'completed');
    expect(lines.filter((l) => l.includes('failed: job thread exited with code 7'))).toEqual([`job ${a} attempt 1: failed: job thread exited with code 7`]);
    expect((await bt.get(a))?.output).toEqual({ attempt: 2 });
    expect((await bt.get(b))?.output).toEqual({ attempt: 1 });
    expect(await bt.findResult(b)).toEqual({ attempt: 1 });
    stop.abort();
    await worker;
    await bt.stop(1000);
    expect(lines.at(-1)).toBe('worker: stopped');
  });

  it('cqt worker: cancel of a running job ends its busy thread; the job is cancelled, nothing stored', async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    const env = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    const bt = await openQueue(db().sql, { queue: 'backtest' });
    const dir = tempDir('cqt-thread-');
    const marker = join(dir.path, 'inserted');
    const worker = runWorker({ db: db(), env, queues: ['backtest'], expiryCheckSec: 60, runJob: { module: runners, name: 'spinForever' }, signal: stop.signal, log: (l) => lines.push(l) });
    const id = await bt.submit({ strategy: 'spin', marker });
    await waitFor('the spinning insert', async () => existsSync(marker));
    expect(await bt.cancel(id)).toBe(true);
    await waitFor('the cancelled attempt', async () => lines.includes(`job ${id} attempt 1: cancelled`));
    expect((await bt.get(id))?.state).toBe('cancelled');
    expect(await bt.findResult(id)).toBeNull();
    stop.abort();
    await worker;
    await bt.stop(1000);
    dir.remove();
  });

  it('stop (SIGTERM in the binary) with a job still running past the stop timeout: released for a retry, thread ended', async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    const env = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    const bt = await openQueue(db().sql, { queue: 'backtest' });
    const dir = tempDir('cqt-thread-');
    const marker = join(dir.path, 'spinning');
    const worker = runWorker({ db: db(), env, queues: ['backtest'], stopTimeoutSec: 1, expiryCheckSec: 60, runJob: { module: runners, name: 'spinForever' }, signal: stop.signal, log: (l) => lines.push(l) });
    const id = await bt.submit({ strategy: 'spin', marker });
    await waitFor('the running job', async () => existsSync(marker));
    stop.abort();
    await worker;
    expect(lines.at(-1)).toBe('worker: stopped');
    expect(lines).toContain(`job ${id} attempt 1: released (the worker stopped first; retried later)`);
    // Failed once (pg-boss records it as the handler settles): a retry waits, the reason kept.
    const released = await waitFor('the released job', async () => ((await bt.get(id))?.state === 'failed' ? bt.get(id) : null));
    expect(released).toMatchObject({ attempt: 1, attempts: 3, lastError: 'released: the worker stopped before the job finished' });
    expect(await bt.findResult(id)).toBeNull();
    await bt.cancel(id);
    await bt.stop(1000);
    dir.remove();
  });
});
