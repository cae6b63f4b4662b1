// The built binary on both backends: `cqt backtest submit` → `cqt worker` → completed with the run
// stored once; cancel and retry; a failing job retried into the dead letter with its last error;
// kill -9 of a worker mid-job → retried after its expiry by another worker, the run stored once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '@cqt/test-support/backends';
import { runCqt, startCqt, type CqtChild } from '@cqt/test-support/cqt';
import { openQueue, type JobInfo, type JobQueue } from '@cqt/jobs';
import { waitFor as waitUntil } from '@cqt/test-support/wait';

const HOUR_MS = 3_600_000;
const T0_MS = Date.UTC(2026, 0, 1);

const waitFor = <T>(what: string, probe: () => Promise<T | null | undefined | false>) => waitUntil(what, probe, { timeoutMs: 90_000 });

describeBackends('cqt worker runs backtest jobs', ({ db, backend }) => {
  let queue: JobQueue;
  let env: Record<string, string>;
  const workers: CqtChild[] = [];
  const startWorker = () => {
    const w = startCqt(['worker', '--expiry-check-sec', '1'], env);
    workers.push(w);
    return w;
  };
  const inState = (id: string, state: JobInfo['state']) => async () => {
    const job = await queue.get(id);
    return job?.state === state ? job : null;
  };
  const runsOf = async (id: string) => {
    const rows = await db().sql<{ run_id: number }[]>`select (result->>'runId')::int as run_id from job_results where job_id = ${id}`;
    return rows.map((r) => r.run_id);
  };

  beforeAll(async () => {
    env = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    // A smooth hourly series (10,000 candles): a run takes a moment, so the kill -9 case lands mid-job.
    await db().sql`
      insert into candles (venue, symbol, timeframe, ts, open, high, low, close, volume, closed, recv_ts)
      select 'upbit', 'KRW-BTC', '1h', to_timestamp((${T0_MS}::float8 + i * ${HOUR_MS}::float8) / 1000),
             100 + 10 * sin(i / 20.0), 100 + 10 * sin(i / 20.0) + 1.5, 100 + 10 * sin((i + 1) / 20.0) - 1.5 - abs(sin(i / 20.0) - sin((i + 1) / 20.0)) * 10,
             100 + 10 * sin((i + 1) / 20.0), 10 + (i % 7), true, now()
      from generate_series(0, 9999) as i`;
    queue = await openQueue(db().sql, { queue: 'backtest', retryDelaySec: 1 });
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === undefined) w.child.kill('SIGKILL');
    await queue?.stop(1000);
  });

  const series = ['--venue', 'upbit', '--symbol', 'KRW-BTC', '--timeframe', '1h'];

  it('submit refuses bad parameters and a missing input at once (exit 2, no job)', async () => {
    const bad = runCqt(['backtest', 'submit', '--strategy', 'sma-cross', '--param', 'fast=50', '--param', 'slow=20', ...series], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('error: invalid parameters for sma-cross: fast (50) must be less than slow (20)');
    const noInput = runCqt(['backtest', 'submit', '--strategy', 'buy-and-hold'], env);
    expect([noInput.code, noInput.stderr.split('\n')[0]]).toEqual([2, 'error: no candles: give --candles FILE, or --venue --symbol --timeframe']);
    const noStore = runCqt(['backtest', 'submit', '--strategy', 'buy-and-hold', ...series, '--no-store'], env);
    expect([noStore.code, noStore.stderr.split('\n')[0]]).toEqual([2, 'error: --no-store does not apply to submit: a queued run is always stored']);
    expect(runCqt(['backtest', 'status'], env).code).toBe(2);
    const badQueue = runCqt(['worker', '--queues', 'backtest,nope'], env);
    expect([badQueue.code, badQueue.stderr.trim().split('\n')]).toEqual([2, ['error: invalid --queues "backtest,nope"', 'hint: expected names from backtest, noop, train, comma-separated (e.g. --queues backtest)']]);
    expect(await queue.list()).toEqual([]);
  });

  it('submit → worker → completed with the run stored once; cancel then retry; SIGTERM stops it', async () => {
    const submitted = runCqt(['backtest', 'submit', '--strategy', 'sma-cross', '--param', 'fast=5', '--param', 'slow=20', ...series, '--json'], env);
    expect(submitted.stderr).toBe('');
    const { id } = JSON.parse(submitted.stdout) as { id: string };
    const later = JSON.parse(runCqt(['backtest', 'submit', '--strategy', 'buy-and-hold', ...series, '--json'], env).stdout).id as string;
    const cancelled = runCqt(['backtest', 'cancel', later], env);
    expect([cancelled.code, cancelled.stdout.trim()]).toEqual([0, `job ${later}: cancelled`]);

    const worker = startWorker();
    const done = await waitFor('completion', inState(id, 'completed'));
    const [runId] = await runsOf(id);
    expect(done.output).toEqual({ runId });
    expect(await runsOf(id)).toEqual([runId]);
    const status = JSON.parse(runCqt(['backtest', 'status', id, '--json'], env).stdout);
    expect(status.jobs[0]).toMatchObject({ id, state: 'completed', attempt: 1, attempts: 3, output: { runId } });
    expect(JSON.parse(runCqt(['backtest', 'show', String(runId), '--json'], env).stdout).run).toMatchObject({ strategy: 'sma-cross', params: { fast: 5, slow: 20 } });
    // The cancelled job never ran; retry queues it again and it completes.
    expect((await queue.get(later))?.state).toBe('cancelled');
    expect(runCqt(['backtest', 'cancel', id], env).code).toBe(1);
    expect(runCqt(['backtest', 'retry', later], env).code).toBe(0);
    await waitFor('the retried job', inState(later, 'completed'));
    const listed = JSON.parse(runCqt(['backtest', 'list', '--state', 'completed', '--json'], env).stdout);
    expect(listed.jobs.map((j: JobInfo) => j.id).sort()).toEqual([id, later].sort());
    const [{ n }] = await db().sql<{ n: number }[]>`select count(*)::int as n from backtest_runs`;
    expect(n).toBe(2);

    worker.child.kill('SIGTERM');
    await worker.exited;
    expect(worker.exitCode).toBe(0);
    expect(worker.stdout).toContain(`job ${id} attempt 1: completed, run ${runId}`);
    expect(worker.stdout.trim().split('\n').at(-1)).toBe('worker: stopped');
  }, 180_000);

  it('retries a failing job with back-off, then dead-letters it with its last error', async () => {
    const worker = startWorker();
    // No candles for this series: every attempt fails the same way.
    const id = await queue.submit({ strategy: 'buy-and-hold', venue: 'upbit', symbol: 'KRW-XRP', timeframe: '1h' });
    const dead = await waitFor('the dead letter', inState(id, 'dead'));
    expect(dead).toMatchObject({ attempt: 3, attempts: 3, lastError: 'no candles for upbit KRW-XRP 1h in the range' });
    expect(worker.stdout.match(new RegExp(`job ${id} attempt \\d: failed`, 'g'))).toHaveLength(3);
    const listed = runCqt(['backtest', 'list', '--state', 'dead'], env);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('no candles for upbit KRW-XRP 1h in the range');
    expect(await runsOf(id)).toEqual([]);
    worker.child.kill('SIGTERM');
    await worker.exited;
  }, 180_000);

  it('kill -9 mid-job: another worker takes the job after its expiry; the run exists once', async () => {
    const [{ before }] = await db().sql<{ before: number }[]>`select count(*)::int as before from backtest_runs`;
    const id = await queue.submit({ strategy: 'volume-zone-breakout', venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1h' }, { expireSec: 4 });
    const first = startWorker();
    // Killed on the very chunk that says the attempt started (startCqt's listener has appended it).
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!first.stdout.includes(`job ${id} attempt 1: volume-zone-breakout started`)) return;
        first.child.kill('SIGKILL');
        resolve();
      };
      first.child.stdout!.on('data', check);
    });
    await first.exited;
    expect(first.stdout).not.toContain(`job ${id} attempt 1: completed`);

    const second = startWorker();
    const done = await waitFor('completion by the second worker', inState(id, 'completed'));
    // A second attempt that outlives the expiry on a loaded machine is taken over in turn (attempt 3):
    // the run must still exist once.
    expect(done.attempt).toBeGreaterThanOrEqual(2);
    expect(second.stdout).toContain(`job ${id} attempt 2: volume-zone-breakout started`);
    const runs = await runsOf(id);
    expect(runs).toHaveLength(1);
    expect(done.output).toEqual({ runId: runs[0] });
    const [{ after }] = await db().sql<{ after: number }[]>`select count(*)::int as after from backtest_runs`;
    expect(after).toBe(before + 1);
    second.child.kill('SIGTERM');
    await second.exited;
    expect(second.exitCode).toBe(0);
  }, 180_000);
});
