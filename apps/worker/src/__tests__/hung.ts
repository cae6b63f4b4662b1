// A job whose worker died: taken by a taker that never answers, its expiry cut to 1 s, so only
// pg-boss's expiry check (run by a worker under test) can end it.
import type { Db } from '@cqt/db';
import { openQueue, type JobQueue } from '@cqt/jobs';

/**
 * Takes the queue's one waiting job (`id`) and never answers, as a killed or hung worker would;
 * takes no more after it. pg-boss's own handler timer here follows the job's original expiry
 * (keep it long), so the job is failed by the expiry check alone. Stop the returned queue last.
 */
export async function hangOnJob(sql: Db['sql'], queue: string, id: string): Promise<JobQueue> {
  const hung = await openQueue(sql, { queue });
  let taken!: () => void;
  const wasTaken = new Promise<void>((res) => (taken = res));
  await hung.work(1, () => {
    taken();
    return new Promise(() => {});
  });
  await wasTaken;
  await hung.stopFetching();
  await sql`update pgboss.job set expire_in = interval '1 second' where id = ${id}`;
  return hung;
}
