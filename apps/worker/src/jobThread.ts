// A job thread (decision 104): opens its own store connection and imports the attempt function the
// binary named (a function cannot cross threads; its module can) once, then runs one attempt per
// 'job' message and replies. The main thread cancels by setting the shared flag and, should the
// attempt still run shortly after, terminating the thread: an attempt's only write is one
// transaction (the run and its job_results row), which the store rolls back when the thread's
// connection closes.
import { parentPort, workerData } from 'node:worker_threads';
import { openDb, type Db } from '@cqt/db';
import { JobQueue } from '@cqt/jobs';
import type { JobThreadData, JobThreadMessage, JobThreadReply } from './thread.js';

const input = workerData as JobThreadData;
const flag = new Int32Array(input.cancelFlag);
let abort = new AbortController();
const cancelled = () => {
  if (!abort.signal.aborted && Atomics.load(flag, 0) === 1) abort.abort(new Error('cancelled'));
};

type Attempt = (db: Db, queue: JobQueue, job: unknown, store: JobThreadData['store']) => Promise<unknown>;
let ready: Promise<{ db: Db; queue: JobQueue; fn: Attempt }> | undefined;
const prepare = () =>
  (ready ??= (async () => {
    const db = await openDb({ ...input.store, skipMigrations: true, clientOnly: true, maxConnections: 2 });
    const queue = JobQueue.attach(db.sql, { queue: input.queue });
    const fn = ((await import(input.runner.module)) as Record<string, unknown>)[input.runner.name];
    if (typeof fn !== 'function') throw new Error(`${input.runner.module} has no function ${input.runner.name}`);
    return { db, queue, fn: fn as Attempt };
  })());

async function attempt(job: Extract<JobThreadMessage, { type: 'job' }>['job']): Promise<JobThreadReply> {
  abort = new AbortController();
  const current = abort;
  // The attempt sees an ordinary AbortSignal whose state is read from the shared flag first, so a
  // synchronous stretch that never yields to the event loop still sees a cancel at its next check.
  const signal = new Proxy(current.signal, {
    get(target, prop) {
      cancelled();
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  try {
    const { db, queue, fn } = await prepare();
    return { ok: true, result: await fn(db, queue, { ...job, signal }, input.store) };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err), cancelled: current.signal.aborted };
  }
}

parentPort!.on('message', (msg: JobThreadMessage) => {
  if (msg.type === 'cancel') cancelled();
  else void attempt(msg.job).then((reply) => parentPort!.postMessage(reply));
});
