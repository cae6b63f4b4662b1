// The job queue: pg-boss 10.4 (its tables in the `pgboss` schema) on our postgres.js client, so the
// same code runs on PostgreSQL and on the embedded store (decision 85). This file maps pg-boss's
// states to cqt's, adds a cooperative cancel signal (10.x has none) and the results table that
// makes a job's result exist once however often the job runs (decision 87).
import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Sql, TransactionSql } from 'postgres';
import { executeSqlOn, type QueueSql } from './adapter.js';

const SCHEMA = 'pgboss';

export const JOB_STATES = ['queued', 'active', 'completed', 'failed', 'dead', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** pg-boss `retry` is a failed attempt waiting for the next; `failed` has no attempt left: dead. */
const FROM_BOSS: Record<string, JobState> = { created: 'queued', retry: 'failed', active: 'active', completed: 'completed', cancelled: 'cancelled', failed: 'dead' };
const TO_BOSS = Object.fromEntries(Object.entries(FROM_BOSS).map(([boss, ours]) => [ours, boss])) as Record<JobState, string>;

export interface JobInfo<T = unknown> {
  id: string;
  queue: string;
  state: JobState;
  /** Attempts started so far, and allowed in all. */
  attempt: number;
  attempts: number;
  data: T;
  /** The handler's result once completed. */
  output: unknown;
  /** The last attempt's error (a failed, dead or expired job). */
  lastError: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  /** When a queued or failed job may start (the retry back-off). */
  startAfter: string;
}

export interface QueueOptions {
  /** Queue name; its dead-letter queue is `<queue>_dead`. */
  queue: string;
  /** Attempts per job (first run + retries). Default 3. */
  attempts?: number;
  /** First retry delay; doubled per retry with jitter (pg-boss retryBackoff). Default 2 s. */
  retryDelaySec?: number;
  /** An active job older than this is taken as stuck (its worker died) and retried. Default 15 min. */
  expireSec?: number;
  /** Run pg-boss maintenance (expiry of stuck jobs) every this many seconds; 0 = not in this process. */
  maintenanceSec?: number;
  /** How often an idle worker looks for a job. Default 0.5 s (pg-boss's least). */
  pollSec?: number;
  /** How often a running job's state is read to notice a cancel. Default 250 ms. */
  cancelPollMs?: number;
  /** Run pg-boss's cron timekeeper in this instance: it enqueues the jobs of every schedule in the
   * store (any queue's) when due, at most one per schedule per minute across instances (decision 151). */
  schedule?: boolean;
}

export type SubmitOptions = Pick<QueueOptions, 'attempts' | 'retryDelaySec' | 'expireSec'>;

/** A cron schedule of a queue (pg-boss 10 keys schedules by queue name: one per queue). */
export interface ScheduleInfo<T = unknown> {
  queue: string;
  cron: string;
  timezone: string;
  data: T;
  createdAt: string;
  updatedAt: string;
}

export interface JobContext<T> {
  id: string;
  data: T;
  attempt: number;
  /** Aborted once the job is cancelled: the handler should stop soon after. */
  signal: AbortSignal;
}

export type JobHandler<T> = (job: JobContext<T>) => Promise<unknown>;

interface JobRow {
  id: string;
  name: string;
  state: string;
  retry_count: number;
  retry_limit: number;
  data: unknown;
  output: unknown;
  created_on: Date;
  started_on: Date | null;
  completed_on: Date | null;
  start_after: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toInfo<T>(row: JobRow): JobInfo<T> {
  const state = FROM_BOSS[row.state] ?? 'queued';
  const output = row.output as { message?: unknown; value?: { message?: unknown } } | null;
  const message = output?.message ?? output?.value?.message;
  // pg-boss adds one to retry_count when it starts a job that was started before: attempts
  // started so far are retry_count + 1 once started_on is set (a failed job waiting its back-off too).
  const attempt = row.retry_count + (row.started_on ? 1 : 0);
  return {
    id: row.id,
    queue: row.name,
    state,
    attempt,
    attempts: row.retry_limit + 1,
    data: row.data as T,
    output: state === 'completed' ? row.output : null,
    lastError: state !== 'completed' && typeof message === 'string' ? message : null,
    createdAt: row.created_on.toISOString(),
    startedAt: iso(row.started_on),
    completedAt: iso(row.completed_on),
    startAfter: row.start_after.toISOString(),
  };
}

export class JobQueue {
  /** Handlers pg-boss has entered (a job fetched) and that have not settled yet. */
  private readonly running = new Set<Promise<unknown>>();
  private fetching = true;

  private constructor(
    private readonly boss: PgBoss,
    private readonly sql: Sql,
    private readonly options: Required<QueueOptions>,
    private readonly db: QueueSql,
  ) {}

  static async open(sql: Sql, options: QueueOptions): Promise<JobQueue> {
    const full: Required<QueueOptions> = { attempts: 3, retryDelaySec: 2, expireSec: 900, maintenanceSec: 0, pollSec: 0.5, cancelPollMs: 250, schedule: false, ...options };
    const dead = `${full.queue}_dead`;
    let boss: PgBoss;
    let db: QueueSql;
    // Several workers opening a fresh store at once race in pg-boss's schema and queue creation
    // (deadlock, or a duplicate name/key): the one that lost tries again with a fresh instance
    // (a pg-boss whose start failed half-way does not start again).
    for (let tries = 1; ; tries++) {
      db = executeSqlOn(sql);
      boss = new PgBoss({
        db,
        schema: SCHEMA,
        schedule: full.schedule,
        supervise: full.maintenanceSec > 0,
        ...(full.maintenanceSec > 0 ? { maintenanceIntervalSeconds: full.maintenanceSec } : {}),
      } as PgBoss.ConstructorOptions);
      boss.on('error', (err) => process.stderr.write(`job queue: ${err.message}\n`));
      try {
        await boss.start();
        await boss.createQueue(dead, { name: dead });
        await boss.createQueue(full.queue, { name: full.queue, deadLetter: dead });
        break;
      } catch (err) {
        const code = String((err as { code?: unknown }).code);
        await boss.stop({ graceful: false, close: false, wait: true }).catch(() => {});
        if (tries >= 5 || !['40P01', '40001', '23505', '42P07', '42710'].includes(code)) throw err;
        await new Promise((r) => setTimeout(r, 100 * tries + Math.random() * 200));
      }
    }
    // Two first opens at once can both pass "if not exists": the loser's duplicate is harmless.
    await sql`
      create table if not exists job_results (
        job_id uuid primary key,
        queue text not null,
        result jsonb not null,
        created_at timestamptz not null default now()
      )`.catch((err: { code?: string }) => {
      if (err.code !== '23505' && err.code !== '42P07') throw err;
    });
    // Which job events were told (notify): claimed once per job and event across workers.
    await sql`
      create table if not exists job_notices (
        job_id uuid not null,
        event text not null,
        claimed_at timestamptz not null default now(),
        primary key (job_id, event)
      )`.catch((err: { code?: string }) => {
      if (err.code !== '23505' && err.code !== '42P07') throw err;
    });
    return new JobQueue(boss, sql, full, db!);
  }

  /**
   * The queue's reads and results (get, list, findResult, recordResult) without starting pg-boss:
   * for a job's thread, which opens its own store connection but neither fetches nor maintains.
   * The queue must have been opened once on this store (its tables exist).
   */
  static attach(sql: Sql, options: QueueOptions): JobQueue {
    const full: Required<QueueOptions> = { attempts: 3, retryDelaySec: 2, expireSec: 900, maintenanceSec: 0, pollSec: 0.5, cancelPollMs: 250, schedule: false, ...options };
    const db = executeSqlOn(sql);
    const boss = new PgBoss({ db, schema: SCHEMA, schedule: false, supervise: false } as PgBoss.ConstructorOptions);
    return new JobQueue(boss, sql, full, db);
  }

  get name(): string {
    return this.options.queue;
  }

  async submit<T extends object>(data: T, options: SubmitOptions = {}): Promise<string> {
    const o = { ...this.options, ...options };
    const id = await this.boss.send(this.options.queue, data, {
      retryLimit: o.attempts - 1,
      retryDelay: o.retryDelaySec,
      retryBackoff: true,
      expireInSeconds: o.expireSec,
    });
    if (!id) throw new Error('the queue refused the job');
    return id;
  }

  /**
   * Enqueues `data` on this queue at each time `cron` names (5 fields, UTC), with the queue's retry
   * options; replaces the queue's earlier schedule. A worker opened with `schedule: true` fires it.
   */
  async schedule<T extends object>(cron: string, data: T, options: SubmitOptions = {}): Promise<void> {
    const o = { ...this.options, ...options };
    await this.boss.schedule(this.options.queue, cron, data, {
      tz: 'UTC',
      retryLimit: o.attempts - 1,
      retryDelay: o.retryDelaySec,
      retryBackoff: true,
      expireInSeconds: o.expireSec,
    });
  }

  /** Removes this queue's schedule; false when it had none. */
  async unschedule(): Promise<boolean> {
    const had = (await this.schedules()).length > 0;
    await this.boss.unschedule(this.options.queue);
    return had;
  }

  /** This queue's schedule (none or one). */
  async schedules<T = unknown>(): Promise<ScheduleInfo<T>[]> {
    const rows = await this.sql<{ name: string; cron: string; timezone: string | null; data: T; created_on: Date; updated_on: Date }[]>`
      select name, cron, timezone, data, created_on, updated_on from ${this.sql(SCHEMA)}.schedule where name = ${this.options.queue}`;
    return rows.map((r) => ({ queue: r.name, cron: r.cron, timezone: r.timezone ?? 'UTC', data: r.data, createdAt: r.created_on.toISOString(), updatedAt: r.updated_on.toISOString() }));
  }

  /** Many jobs in one statement (pg-boss insert); their ids in order. */
  async submitMany<T extends object>(data: T[], options: SubmitOptions = {}): Promise<string[]> {
    const o = { ...this.options, ...options };
    // pg-boss 10.4's insert returns nothing: the ids are ours (it takes them, as send does).
    const ids = data.map(() => randomUUID());
    await this.boss.insert(
      data.map((d, i) => ({ id: ids[i], name: this.options.queue, data: d, retryLimit: o.attempts - 1, retryDelay: o.retryDelaySec, retryBackoff: true, expireInSeconds: o.expireSec })),
    );
    return ids;
  }

  async get<T = unknown>(id: string): Promise<JobInfo<T> | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const rows = await this.rows`where id = ${id}`;
    return rows.length ? toInfo<T>(rows[0]) : null;
  }

  /** Newest first; every state when none is given. */
  async list<T = unknown>(states: readonly JobState[] = JOB_STATES, limit = 100): Promise<JobInfo<T>[]> {
    const boss = states.map((s) => TO_BOSS[s]);
    const rows = await this.rows`where name = ${this.options.queue} and state::text = any(${boss}::text[])`;
    return rows.sort((a, b) => b.created_on.getTime() - a.created_on.getTime()).slice(0, limit).map((r) => toInfo<T>(r));
  }

  /**
   * Jobs of this queue in the job table now, by state (every state, 0 when none). Completed and
   * dead jobs leave it when pg-boss archives them (after a day): this is what is waiting, running
   * and recently ended, read from the store — so a job the expiry failed, whose end no worker
   * saw, counts too.
   */
  async countByState(): Promise<Record<JobState, number>> {
    const rows = await this.sql<{ state: string; n: number }[]>`
      select state::text as state, count(*)::int as n from ${this.sql(SCHEMA)}.job where name = ${this.options.queue} group by 1`;
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const r of rows) counts[FROM_BOSS[r.state] ?? 'queued'] += r.n;
    return counts;
  }

  /**
   * Claims the notice of `event` for a job: true for the one caller that claims it (any worker, any
   * process), false if it was claimed before. Claimed before posting, so a notice is sent at most once.
   */
  async claimNotice(id: string, event: string): Promise<boolean> {
    const rows = await this.sql`insert into job_notices (job_id, event) values (${id}, ${event}) on conflict do nothing returning job_id`;
    return rows.length === 1;
  }

  /**
   * Dead jobs of this queue finished since `sinceMs` whose `event` notice nobody claimed: those
   * that died without a worker's last attempt failing them (it was killed or hung, and its expiry
   * failed the job), oldest first.
   */
  async unnoticedDead<T = unknown>(sinceMs: number, event: string, limit = 100): Promise<JobInfo<T>[]> {
    const rows = await this.rows`
      where name = ${this.options.queue} and state::text = 'failed' and completed_on >= ${new Date(sinceMs)}
        and not exists (select 1 from job_notices n where n.job_id = id and n.event = ${event})`;
    return rows.sort((a, b) => a.completed_on!.getTime() - b.completed_on!.getTime()).slice(0, limit).map((r) => toInfo<T>(r));
  }

  /** Jobs live in pgboss.job and, once old, in pgboss.archive: read both. */
  private async rows(strings: TemplateStringsArray, ...values: unknown[]): Promise<JobRow[]> {
    const where = this.sql(strings, ...(values as never[]));
    const cols = this.sql`id, name, state::text as state, retry_count, retry_limit, data, output, created_on, started_on, completed_on, start_after`;
    return this.sql<JobRow[]>`
      select ${cols} from ${this.sql(SCHEMA)}.job ${where}
      union all
      select ${cols} from ${this.sql(SCHEMA)}.archive ${where}`;
  }

  /** Queued, failed or active → cancelled. A running job sees its signal abort. False if already finished. */
  async cancel(id: string): Promise<boolean> {
    const r = await this.boss.cancel(this.options.queue, id);
    return (r as unknown as { affected?: number }).affected === 1;
  }

  /** A dead job gets one more attempt; a cancelled one is queued again. */
  async retry(id: string): Promise<boolean> {
    const job = await this.get(id);
    if (!job || (job.state !== 'dead' && job.state !== 'cancelled')) return false;
    const r = job.state === 'dead' ? await this.boss.retry(this.options.queue, id) : await this.boss.resume(this.options.queue, id);
    return (r as unknown as { affected?: number }).affected === 1;
  }

  /** The result stored for a job by recordResult, if any (a retried job's earlier attempt may have stored it). */
  async findResult<R>(id: string): Promise<R | null> {
    const rows = await this.sql<{ result: R }[]>`select result from job_results where job_id = ${id}`;
    return rows.length ? rows[0].result : null;
  }

  /** Records a job's result inside the caller's transaction: a second record for the job fails
   * that transaction, so whatever it wrote with it is rolled back (exactly once on job id). */
  async recordResult(tx: TransactionSql, id: string, result: object): Promise<void> {
    await tx`insert into job_results (job_id, queue, result) values (${id}, ${this.options.queue}, ${tx.json(result as never)})`;
  }

  /** Runs `concurrency` loops, each taking one job at a time. */
  async work<T>(concurrency: number, handler: JobHandler<T>): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      let loop = '';
      loop = await this.boss.work<T>(this.options.queue, { batchSize: 1, pollingIntervalSeconds: this.options.pollSec }, ([job]) => {
        const run = this.runOne(job, handler, loop);
        this.running.add(run);
        void run.catch(() => {}).finally(() => this.running.delete(run));
        return run;
      });
    }
  }

  private async runOne<T>(job: PgBoss.Job<T>, handler: JobHandler<T>, loop: string): Promise<unknown> {
    if (!this.fetching) {
      // pg-boss stops a loop between fetches, so a fetch already sent hands its job over after
      // offWork. Seen under load: such a job started after the worker's drain, its outcome was lost
      // when the store closed and it stayed active until its expiry. Release it at once, awaited
      // (pg-boss's own complete after this is a no-op: it only completes active jobs).
      await this.boss.fail(this.options.queue, job.id, { message: 'released: taken as the worker stopped' });
      return undefined;
    }
    // pg-boss 10 waits out its polling interval after every fetch, a job or not (0.5 s at
    // least): at most 2 jobs/s per loop. A loop that just ran a job looks again at once, so a
    // backlog drains at the speed of the jobs; an empty queue is still polled (decision 106).
    this.boss.notifyWorker(loop);
    const abort = new AbortController();
    const watch = setInterval(() => {
      void this.get(job.id)
        .then((j) => {
          if (j?.state === 'cancelled') abort.abort(new Error('cancelled'));
        })
        .catch(() => {});
    }, this.options.cancelPollMs);
    try {
      const info = await this.get(job.id);
      return await handler({ id: job.id, data: job.data, attempt: info?.attempt ?? 1, signal: abort.signal });
    } finally {
      clearInterval(watch);
    }
  }

  /** Jobs this queue's loops have taken and not finished (their handlers may not have started yet). */
  runningJobs(): Promise<unknown>[] {
    return [...this.running];
  }

  /** Stops taking new jobs; jobs already running carry on (the worker waits for them, then stop()). */
  async stopFetching(): Promise<void> {
    this.fetching = false;
    await this.boss.offWork(this.options.queue);
  }

  /** Stops taking jobs and waits up to timeoutMs for running ones; those still running then are failed (retried later). */
  async stop(timeoutMs = 30_000): Promise<void> {
    await new Promise<void>((resolve) => {
      this.boss.once('stopped', () => resolve());
      void this.boss.stop({ graceful: true, wait: false, close: false, timeout: timeoutMs });
    });
    // pg-boss does not await a job's outcome statement: let those under way finish (a lost
    // connection's retries included) before the caller closes the store, and drop any later one.
    await this.db.settled(5000);
    this.db.close();
  }
}

export const openQueue = (sql: Sql, options: QueueOptions) => JobQueue.open(sql, options);
