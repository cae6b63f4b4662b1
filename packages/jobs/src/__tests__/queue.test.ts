// The queue on both backends: states, retries with back-off into the dead letter with the last
// error, a cooperative cancel, expiry of a stuck job, retry of a dead job, results once per job id.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '@cqt/test-support/backends';
import { openQueue, type JobQueue } from '../index.js';
import { waitFor } from '@cqt/test-support/wait';


describeBackends('job queue (pg-boss 10.4 through our client)', ({ db }) => {
  let queue: JobQueue;
  beforeAll(async () => {
    queue = await openQueue(db().sql, { queue: 'test', retryDelaySec: 1, maintenanceSec: 1 });
  });
  afterAll(async () => {
    await queue?.stop(1000);
  });

  it('submits, runs, completes; fails into the dead letter after 3 attempts with the last error; retry gives one more', async () => {
    const calls = new Map<string, number>();
    await queue.work<{ fail?: boolean; n: number }>(2, async (job) => {
      calls.set(job.id, (calls.get(job.id) ?? 0) + 1);
      if (job.data.fail) throw new Error(`boom on attempt ${job.attempt}`);
      return { doubled: job.data.n * 2 };
    });
    const ok = await queue.submit({ n: 21 });
    const bad = await queue.submit({ fail: true, n: 0 });
    expect((await queue.get(ok))?.data).toEqual({ n: 21 });

    const done = await waitFor('completion', async () => ((await queue.get(ok))?.state === 'completed' ? queue.get(ok) : null));
    expect(done).toMatchObject({ state: 'completed', attempt: 1, attempts: 3, output: { doubled: 42 }, lastError: null });

    const dead = await waitFor('dead letter', async () => ((await queue.get(bad))?.state === 'dead' ? queue.get(bad) : null));
    expect(dead).toMatchObject({ state: 'dead', attempt: 3, attempts: 3, lastError: 'boom on attempt 3' });
    expect(calls.get(bad)).toBe(3);
    // Back-off: the retries were not immediate (1 s, then about 2 s, with jitter).
    expect(new Date(dead.completedAt!).getTime() - new Date(dead.createdAt).getTime()).toBeGreaterThan(1500);
    expect((await queue.list(['dead'])).map((j) => j.id)).toEqual([bad]);
    expect((await queue.list(['completed'])).map((j) => j.id)).toEqual([ok]);
    // pg-boss's dead-letter queue got a copy too (for a later notifier).
    const [{ n }] = await db().sql<{ n: number }[]>`select count(*)::int as n from pgboss.job where name = 'test_dead' and data->>'fail' = 'true'`;
    expect(n).toBe(1);

    expect(await queue.retry(ok)).toBe(false);
    expect(await queue.retry(bad)).toBe(true);
    await waitFor('the extra attempt', async () => calls.get(bad) === 4);
    expect(await waitFor('dead again', async () => ((await queue.get(bad))?.state === 'dead' ? queue.get(bad) : null))).toMatchObject({ lastError: 'boom on attempt 4' });
  });

  it("submitMany: one statement, the ids in order, each job's data as sent (not a re-encoded string)", async () => {
    const q = await openQueue(db().sql, { queue: 'many' });
    const ids = await q.submitMany([{ n: 1 }, { n: 2, tag: 'b' }], { attempts: 2, expireSec: 60 });
    expect(ids).toHaveLength(2);
    expect(await Promise.all(ids.map((id) => q.get(id)))).toMatchObject([
      { state: 'queued', attempt: 0, attempts: 2, data: { n: 1 } },
      { state: 'queued', attempt: 0, attempts: 2, data: { n: 2, tag: 'b' } },
    ]);
    await q.stop(1000);
  });

  it('cancels a queued job and a running one (its signal aborts)', async () => {
    const q = await openQueue(db().sql, { queue: 'cancel' });
    const started: string[] = [];
    let aborted = 0;
    await q.work<object>(1, (job) => {
      started.push(job.id);
      return new Promise((_, reject) => job.signal.addEventListener('abort', () => reject((aborted++, new Error('stopped by cancel')))));
    });
    const running = await q.submit({});
    await waitFor('start', async () => started.includes(running));
    const queued = await q.submit({});
    expect(await q.cancel(queued)).toBe(true);
    expect(await q.cancel(running)).toBe(true);
    await waitFor('abort', async () => aborted === 1);
    expect((await q.get(running))?.state).toBe('cancelled');
    expect((await q.get(queued))?.state).toBe('cancelled');
    expect(started).toEqual([running]);
    expect(await q.cancel(running)).toBe(false);
    expect((await q.list(['cancelled'])).map((j) => j.id).sort()).toEqual([queued, running].sort());
    await q.stop(1000);
  });

  it('retries a stuck job after its expiry; its result is recorded once', async () => {
    const q = await openQueue(db().sql, { queue: 'stuck', maintenanceSec: 1, retryDelaySec: 1 });
    const attempts: number[] = [];
    await q.work<object>(2, async (job) => {
      attempts.push(job.attempt);
      // The first attempt hangs like a worker that died; the second finishes.
      if (job.attempt === 1) return new Promise(() => {});
      await db().sql.begin((tx) => q.recordResult(tx, job.id, { attempt: job.attempt }));
      return { ok: true };
    });
    const id = await q.submit({}, { expireSec: 1 });
    const done = await waitFor('completion after expiry', async () => ((await q.get(id))?.state === 'completed' ? q.get(id) : null));
    expect(done.attempt).toBe(2);
    expect(attempts).toEqual([1, 2]);
    expect(await q.findResult(id)).toEqual({ attempt: 2 });
    // A second record for the same job fails its transaction.
    await expect(db().sql.begin((tx) => q.recordResult(tx, id, { attempt: 3 }))).rejects.toThrow(/duplicate key/);
    expect(await q.get('not-a-uuid')).toBeNull();
    await q.stop(1000);
  });
});
