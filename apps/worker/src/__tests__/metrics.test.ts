// `cqt worker --metrics-port 0 --log-format json` (the built binary) on both stores: a scrape over
// HTTP after noop jobs completed and a failing backtest job was retried into the dead letter shows
// each attempt's duration and outcome; every stdout line is one JSON object. The queue gauge counts
// what the store holds, so a job the expiry killed (no worker saw its end) is counted dead too.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openQueue, type JobQueue } from '@cqt/jobs';
import { parseMetrics } from '@cqt/metrics';
import { describeBackends } from '@cqt/test-support/backends';
import { startCqt, type CqtChild } from '@cqt/test-support/cqt';
import { waitFor } from '@cqt/test-support/wait';
import { hangOnJob } from './hung.js';

describeBackends('cqt worker --metrics-port', ({ db, backend }) => {
  let backtests: JobQueue;
  let noops: JobQueue;
  let worker: CqtChild | undefined;
  beforeAll(async () => {
    backtests = await openQueue(db().sql, { queue: 'backtest', retryDelaySec: 1 });
    noops = await openQueue(db().sql, { queue: 'noop' });
  });
  afterAll(async () => {
    if (worker?.exitCode === undefined) worker?.child.kill('SIGKILL');
    await backtests?.stop(1000);
    await noops?.stop(1000);
  });

  it('counts attempts by queue and outcome with their durations; the failure rate is derivable', async () => {
    // A noop job taken by a taker that never answers (a killed or hung worker), its expiry cut to
    // 1 s: the worker's expiry check fails it with no attempt of its own ending.
    const expired = await noops.submit({}, { attempts: 1, expireSec: 600 });
    const hung = await hangOnJob(db().sql, 'noop', expired);
    const env = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    const w = (worker = startCqt(['worker', '--metrics-port', '0', '--log-format', 'json', '--expiry-check-sec', '1'], env));
    const detail = () => `stdout:\n${w.stdout.slice(-2000)}\nstderr:\n${w.stderr.slice(-2000)}`;
    const failIf = () => (w.exitCode !== undefined ? `worker exited ${w.exitCode}` : undefined);
    const records = () => w.stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const url = await waitFor('the metrics URL', async () => records().map((r) => /metrics on (http:\S+)/.exec(String(r.msg))?.[1]).find(Boolean), { timeoutMs: 90_000, failIf, detail });
    const scrape = async () => parseMetrics(await (await fetch(url!)).text());
    const before = await scrape();
    expect(before.get('cqt_worker_jobs_running{queue="noop"}') ?? 0).toBe(0);
    expect([...before.keys()].some((k) => k.startsWith('cqt_worker_jobs_total'))).toBe(false);
    await waitFor('the expired job dead in the queue gauge', async () => (await scrape()).get('cqt_worker_queue_jobs{queue="noop",state="dead"}') === 1, { timeoutMs: 60_000, failIf, detail });
    expect((await noops.get(expired))?.state).toBe('dead');
    await hung.stop(500);

    await noops.submitMany([{}, {}]);
    // No candles for this series: both attempts fail, the second into the dead letter.
    const id = await backtests.submit({ strategy: 'buy-and-hold', venue: 'upbit', symbol: 'KRW-XRP', timeframe: '1h' }, { attempts: 2, retryDelaySec: 1 });
    const m = await waitFor('two completed noop jobs and the dead backtest job in a scrape', async () => {
      const s = await scrape();
      return s.get('cqt_worker_jobs_total{queue="noop",outcome="completed"}') === 2 && s.get('cqt_worker_jobs_total{queue="backtest",outcome="dead"}') === 1 ? s : null;
    }, { timeoutMs: 120_000, failIf, detail });
    expect((await backtests.get(id))?.state).toBe('dead');
    expect(m.get('cqt_worker_jobs_total{queue="backtest",outcome="retried"}')).toBe(1);
    expect(m.get('cqt_worker_job_duration_seconds_count{queue="noop",outcome="completed"}')).toBe(2);
    expect(m.get('cqt_worker_job_duration_seconds_sum{queue="noop",outcome="completed"}')).toBeGreaterThan(0);
    expect(m.get('cqt_worker_job_duration_seconds_bucket{le="+Inf",queue="backtest",outcome="dead"}')).toBe(1);
    expect(m.get('cqt_worker_jobs_running{queue="backtest"}')).toBe(0);
    // No attempt of this worker's ended dead on noop: only the store's count shows the expired job.
    expect(m.get('cqt_worker_jobs_total{queue="noop",outcome="dead"}')).toBeUndefined();
    const queued = await scrape();
    expect(queued.get('cqt_worker_queue_jobs{queue="noop",state="dead"}')).toBe(1);
    expect(queued.get('cqt_worker_queue_jobs{queue="noop",state="completed"}')).toBe(2);
    expect(queued.get('cqt_worker_queue_jobs{queue="backtest",state="dead"}')).toBe(1);
    expect(queued.get('cqt_worker_queue_jobs{queue="backtest",state="queued"}')).toBe(0);
    expect(m.get('cqt_info{command="worker"}')).toBe(1);

    w.child.kill('SIGTERM');
    await w.exited;
    expect(w.exitCode, detail()).toBe(0);
    for (const r of records()) expect(r).toMatchObject({ time: expect.any(String), level: expect.any(String), command: 'worker', event: 'message' });
    expect(records().at(-1)!.msg).toBe('worker: stopped');
    await expect(fetch(url!)).rejects.toThrow();
  }, 240_000);
});
