// A fetch already sent when the worker stops taking jobs: pg-boss 10 stops a loop between fetches,
// so that fetch still hands its job over, after offWork. The queue releases such a job at once
// (failed with a reason, retried later) and never starts its handler. Made deterministic by holding
// the fetch on a table lock until stopFetching has returned. PostgreSQL only: the proof that the
// fetch is under way is pg_stat_activity showing it waiting on the lock.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDb, type Db } from '@cqt/db';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { waitFor } from '@cqt/test-support/wait';
import { openQueue } from '../index.js';

let pg: TestDatabase;
let db: Db;
let locker: Db;
beforeAll(async () => {
  pg = await createTestDatabase();
  db = await openDb({ databaseUrl: pg.url });
  locker = await openDb({ databaseUrl: pg.url });
});
afterAll(async () => {
  await locker?.close();
  await db?.close();
  await pg?.drop();
});

it('a job fetched after stopFetching is released at once: its handler never runs, it is retried later', async () => {
  const queue = await openQueue(db.sql, { queue: 'late', retryDelaySec: 1 });
  const id = await queue.submit({ n: 1 });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let lockHeld!: () => void;
  const holding = new Promise<void>((r) => (lockHeld = r));
  const locked = locker.sql.begin(async (tx) => {
    await tx`lock table pgboss.job in access exclusive mode`;
    lockHeld();
    await released;
  });
  await holding;

  const started: string[] = [];
  await queue.work(1, async (job) => {
    started.push(job.id);
    return {};
  });
  // The loop's fetch is sent and waits on the lock.
  await waitFor('the fetch waiting on the lock', async () => {
    const rows = await locker.sql`
      select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%skip locked%'`;
    return rows.length > 0;
  });
  await queue.stopFetching();
  release();
  await locked;

  // The fetch now returns the job; the queue releases it instead of running it.
  await waitFor('the job released', async () => ((await queue.get(id))?.lastError ? true : null));
  await Promise.all(queue.runningJobs());
  expect(started).toEqual([]);
  const job = await queue.get(id);
  expect(job).toMatchObject({ lastError: 'released: taken as the worker stopped', attempt: 1 });
  // 'failed' with attempts left: retried after its back-off, by whoever takes jobs next.
  expect(job!.state).toBe('failed');
  await queue.stop(1000);
  const next = await openQueue(db.sql, { queue: 'late', retryDelaySec: 1 });
  await next.work(1, async (j) => {
    started.push(j.id);
    return { ran: true };
  });
  await waitFor('the retry completed', async () => ((await next.get(id))?.state === 'completed' ? true : null));
  expect(started).toEqual([id]);
  expect(await next.get(id)).toMatchObject({ attempt: 2, output: { ran: true } });
  await next.stop(1000);
});
