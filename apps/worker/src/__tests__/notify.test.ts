// The built binary's worker posting job events to a webhook on loopback, on both backends: with
// CQT_NOTIFY_ON=all a completion and a dead job (only once it has no attempt left) reach a receiver
// that fails twice first; a receiver that never succeeds costs one log line and leaves the job as
// it was. The webhook URL (a secret) appears in no output.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '@cqt/test-support/backends';
import { startCqt, type CqtChild } from '@cqt/test-support/cqt';
import { openQueue, type JobQueue } from '@cqt/jobs';
import { waitFor as waitUntil } from '@cqt/test-support/wait';
import { hangOnJob } from './hung.js';

const HOUR_MS = 3_600_000;
const T0_MS = Date.UTC(2026, 0, 1);
const TOKEN = 'T0001/B0002/s3cr3tT0kenXYZ';

interface Receiver {
  url: string;
  /** Every request's JSON body and the status it was answered with. */
  got: { status: number; body: Record<string, unknown> }[];
  server: Server;
}

async function receiver(status: (n: number) => number): Promise<Receiver> {
  const got: Receiver['got'] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const s = status(got.length);
      got.push({ status: s, body: JSON.parse(raw) });
      res.writeHead(s).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/${TOKEN}`, got, server };
}

/** Polls `probe`; on time-out the worker's output is in the error. */
const waitFor = <T>(what: string, probe: () => Promise<T | null | undefined | false>, w: CqtChild) =>
  waitUntil(what, probe, { timeoutMs: 90_000, failIf: () => (w.exitCode !== undefined ? 'worker exited' : undefined), detail: () => `${w.stdout}\n${w.stderr}` });

describeBackends('cqt worker notifies a webhook', ({ db, backend }) => {
  let queue: JobQueue;
  let store: Record<string, string>;
  const receivers: Receiver[] = [];
  const workers: CqtChild[] = [];
  const stop = async (w: CqtChild) => {
    w.child.kill('SIGTERM');
    await w.exited;
  };
  const state = (id: string) => async () => (await queue.get(id))?.state;
  const good = { strategy: 'buy-and-hold', venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1h' };
  const failing = { strategy: 'buy-and-hold', venue: 'upbit', symbol: 'KRW-XRP', timeframe: '1h' };

  beforeAll(async () => {
    store = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    await db().sql`
      insert into candles (venue, symbol, timeframe, ts, open, high, low, close, volume, closed, recv_ts)
      select 'upbit', 'KRW-BTC', '1h', to_timestamp((${T0_MS}::float8 + i * ${HOUR_MS}::float8) / 1000),
             100 + 10 * sin(i / 20.0), 100 + 10 * sin(i / 20.0) + 1.5, 100 + 10 * sin((i + 1) / 20.0) - 1.5 - abs(sin(i / 20.0) - sin((i + 1) / 20.0)) * 10,
             100 + 10 * sin((i + 1) / 20.0), 10 + (i % 7), true, now()
      from generate_series(0, 499) as i`;
    queue = await openQueue(db().sql, { queue: 'backtest', retryDelaySec: 1 });
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === undefined) w.child.kill('SIGKILL');
    await queue?.stop(1000);
    await Promise.all(receivers.map((r) => new Promise((res) => r.server.close(res))));
  });

  it('CQT_NOTIFY_ON=all: a completion and a dead job (after its last attempt only) reach a receiver that fails twice first', { timeout: 120_000 }, async () => {
    const r = await receiver((n) => (n < 2 ? 503 : 200));
    receivers.push(r);
    const done = await queue.submit(good);
    const dead = await queue.submit(failing, { attempts: 2, retryDelaySec: 1 });
    const w = startCqt(['worker'], { ...store, CQT_NOTIFY_WEBHOOK_URL: r.url, CQT_NOTIFY_ON: 'all' });
    workers.push(w);
    await waitFor('both jobs finished', async () => (await state(done)()) === 'completed' && (await state(dead)()) === 'dead', w);
    await waitFor('two messages accepted', async () => r.got.filter((g) => g.status === 200).length === 2, w);
    await stop(w);
    // The first message took three tries (503, 503, 200), the second one; attempt 1 of the failing job sent nothing.
    expect(r.got.map((g) => g.status)).toEqual([503, 503, 200, 200]);
    const accepted = r.got.filter((g) => g.status === 200).map((g) => g.body);
    const runId = ((await queue.get(done))!.output as { runId: number }).runId;
    expect(accepted.find((b) => b.event === 'job.completed')).toMatchObject({
      queue: 'backtest',
      jobId: done,
      runId,
      what: 'buy-and-hold on upbit KRW-BTC 1h',
      text: `cqt backtest job ${done} completed (buy-and-hold on upbit KRW-BTC 1h): run ${runId}`,
    });
    expect(accepted.find((b) => b.event === 'job.dead')).toMatchObject({
      jobId: dead,
      attempt: 2,
      attempts: 2,
      error: 'no candles for upbit KRW-XRP 1h in the range',
      text: `cqt backtest job ${dead} is dead after 2/2 attempts (buy-and-hold on upbit KRW-XRP 1h): no candles for upbit KRW-XRP 1h in the range — fix the cause, then cqt backtest retry ${dead}`,
    });
    expect(w.stdout + w.stderr).not.toContain('s3cr3t');
  });

  it("a job whose last attempt never came back (its worker died; the expiry failed it): told once, by the sweep, whichever of two workers sees it", { timeout: 120_000 }, async () => {
    const r = await receiver(() => 200);
    receivers.push(r);
    // Taken and never answered, its expiry cut to 1 s: pg-boss's own handler timer here (600 s)
    // never fires, so the job is failed by the expiry check alone, as when its process was killed.
    const id = await queue.submit(good, { attempts: 1, expireSec: 600 });
    const hung = await hangOnJob(db().sql, 'backtest', id);
    // Two workers; the expiry check (1 s) fails the job, a sweep tells it.
    const env = { ...store, CQT_NOTIFY_WEBHOOK_URL: r.url };
    const ws = [startCqt(['worker', '--expiry-check-sec', '1'], env), startCqt(['worker', '--expiry-check-sec', '1'], env)];
    workers.push(...ws);
    await waitFor('the dead job told', async () => r.got.some((g) => g.body.jobId === id), ws[0]);
    expect(await queue.get(id)).toMatchObject({ state: 'dead', attempt: 1, attempts: 1 });
    // Both workers swept at least twice more since: still one message.
    const lines = () => ws.map((w) => w.stdout).join('');
    const sweepsBefore = (await db().sql<{ n: number }[]>`select count(*)::int as n from job_notices where job_id = ${id}`)[0].n;
    expect(sweepsBefore).toBe(1);
    await new Promise((res) => setTimeout(res, 2500));
    await Promise.all(ws.map(stop));
    const told = r.got.filter((g) => g.body.jobId === id);
    expect(told).toHaveLength(1);
    expect(told[0].body).toMatchObject({
      event: 'job.dead',
      attempt: 1,
      attempts: 1,
      error: "expired: attempt 1 never came back (its worker was stopped or hung past the job's expiry)",
    });
    expect(lines() + ws.map((w) => w.stderr).join('')).not.toContain('s3cr3t');
    await hung.stop(500);
  });

  it('a receiver that never succeeds: one log line, the job dead as before, the URL nowhere', { timeout: 120_000 }, async () => {
    const r = await receiver(() => 500);
    receivers.push(r);
    const done = await queue.submit(good);
    const dead = await queue.submit(failing, { attempts: 1 });
    const w = startCqt(['worker'], { ...store, CQT_NOTIFY_WEBHOOK_URL: r.url });
    workers.push(w);
    await waitFor('both jobs finished', async () => (await state(done)()) === 'completed' && (await state(dead)()) === 'dead', w);
    await stop(w);
    expect(await queue.get(dead)).toMatchObject({ state: 'dead', lastError: 'no candles for upbit KRW-XRP 1h in the range' });
    // CQT_NOTIFY_ON defaults to dead: the completion posts nothing; the dead job's message is tried 4 times.
    expect(r.got.map((g) => g.body.event)).toEqual(['job.dead', 'job.dead', 'job.dead', 'job.dead']);
    expect(w.stdout.split('\n').filter((l) => l.includes('notification'))).toEqual([
      `job ${dead}: job.dead notification not sent: webhook (CQT_NOTIFY_WEBHOOK_URL) failed after 4 tries: HTTP 500`,
    ]);
    expect(w.stdout + w.stderr).not.toContain('s3cr3t');
  });
});
