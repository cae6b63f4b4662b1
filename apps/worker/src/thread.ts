// Job threads (decision 104): each backtest attempt runs in a worker thread. Threads are kept
// between attempts (the store connection and the backtester's modules load once per thread, which
// on a busy machine costs seconds); one that crashed or was terminated for a cancel is dropped, so
// the next attempt gets a fresh one.
import { Worker } from 'node:worker_threads';
import type { JobContext } from '@cqt/jobs';

/** Where the attempt function lives; the thread imports it (the binary names apps/backtest's). */
export interface JobRunnerRef {
  /** A module URL (import.meta.resolve of the app's entry). */
  module: string;
  /** Its export: `(db, queue, job) => Promise<result>`. */
  name: string;
}

export interface JobThreadData {
  runner: JobRunnerRef;
  store: { databaseUrl?: string; dataDir?: string };
  queue: string;
  /** One Int32: 1 = the current attempt is cancelled (read by the thread without an event loop turn). */
  cancelFlag: SharedArrayBuffer;
}

export type JobThreadMessage = { type: 'job'; job: { id: string; data: unknown; attempt: number } } | { type: 'cancel' };
export type JobThreadReply = { ok: true; result: unknown } | { ok: false; message: string; cancelled: boolean };

export interface ThreadOptions {
  runner: JobRunnerRef;
  store: JobThreadData['store'];
  queue: string;
  /** After a cancel, how long the attempt may take to stop at its next check before its thread is terminated. */
  cancelGraceMs?: number;
}

const entry = new URL('./jobThread.js', import.meta.url);

interface Slot {
  thread: Worker;
  flag: Int32Array;
}

export class JobThreads {
  private readonly idle: Slot[] = [];
  private readonly busy = new Set<Slot>();
  private closed = false;

  constructor(private readonly options: ThreadOptions) {}

  /** Threads running an attempt now. */
  get running(): number {
    return this.busy.size;
  }

  private start(): Slot {
    const cancelFlag = new SharedArrayBuffer(4);
    const data: JobThreadData = { runner: this.options.runner, store: this.options.store, queue: this.options.queue, cancelFlag };
    const slot = { thread: new Worker(entry, { workerData: data }), flag: new Int32Array(cancelFlag) };
    // An idle thread that ends (it should not) leaves the pool; its error must not end the process.
    slot.thread.on('error', () => {});
    slot.thread.on('exit', () => {
      const i = this.idle.indexOf(slot);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return slot;
  }

  run(job: JobContext<unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the worker is stopping'));
    const slot = this.idle.pop() ?? this.start();
    this.busy.add(slot);
    const { thread, flag } = slot;
    Atomics.store(flag, 0, 0);
    let crash: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      Atomics.store(flag, 0, 1);
      thread.postMessage({ type: 'cancel' } satisfies JobThreadMessage);
      // A synchronous computation (the engine) does not look at the flag: end the thread instead.
      killTimer = setTimeout(() => void thread.terminate(), this.options.cancelGraceMs ?? 400);
    };
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => (crash = err);
      const onMessage = (reply: JobThreadReply) => {
        done();
        // A thread whose attempt was cancelled may have been terminated meanwhile, or may be: not reused.
        if (job.signal.aborted) void thread.terminate();
        else if (!this.closed) this.idle.push(slot);
        if (reply.ok) resolve(reply.result);
        else reject(new Error(job.signal.aborted ? 'cancelled' : reply.message));
      };
      const onExit = (code: number) => {
        done();
        if (job.signal.aborted) reject(new Error('cancelled'));
        // A crash ends this attempt (and its thread) only: the queue retries it like any failure.
        else reject(new Error(crash ? `job thread crashed: ${crash.message}` : `job thread exited with code ${code}`));
      };
      const done = () => {
        clearTimeout(killTimer);
        job.signal.removeEventListener('abort', onAbort);
        thread.off('message', onMessage).off('exit', onExit).off('error', onError);
        this.busy.delete(slot);
      };
      thread.on('message', onMessage).on('exit', onExit).on('error', onError);
      if (job.signal.aborted) onAbort();
      else job.signal.addEventListener('abort', onAbort, { once: true });
      thread.postMessage({ type: 'job', job: { id: job.id, data: job.data, attempt: job.attempt } } satisfies JobThreadMessage);
    });
  }

  /** Ends every thread; attempts still running fail with `job thread exited` (their transactions roll back). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle.splice(0), ...this.busy].map((s) => s.thread.terminate());
    await Promise.all(all);
  }
}
