// /api/candles, /api/backtests, /api/backtests/:id and /api/jobs on both backends over real HTTP on
// loopback, on seeded candles (with coverage: queried, an exchange hole, pruned, never asked),
// stored runs (an equity curve with a dip to find after downsampling) and jobs in each state; and
// errors name the query parameter, never the CLI flag.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { evaluateStatus } from '@cqt/checks';
import { loadConfig } from '@cqt/config';
import type { Db, RowOf } from '@cqt/db';
import { BACKTEST_QUEUE, openQueue } from '@cqt/jobs';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, insert, recordQueries, unindexedReads } from '@cqt/test-support/seed';
import { startServer, type RunningServer } from '../index.js';
import { waitFor as waitUntil } from '@cqt/test-support/wait';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-A', CQT_BINANCE_SYMBOLS: 'AUSDT' };
const MIN = 60_000;
/** Slot i of the seeded 1m series opens at T0 + i min; slot 119 is the last closed at as-of. */
const T0 = AS_OF - 120 * MIN;
const at = (slot: number) => T0 + slot * MIN;
const iso = (ms: number) => new Date(ms).toISOString();

async function get(server: RunningServer, path: string) {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const waitFor = (what: string, probe: () => Promise<boolean>) => waitUntil(what, probe, { timeoutMs: 30_000 });

/** Upbit KRW-A 1m: slots 0–99 (no candle at 50: nothing traded) and 110–119 were asked; 100–104 an exchange hole; 105–109 never asked; before slot 0, pruned. */
async function seedCandles(db: Db): Promise<void> {
  const slots = [...Array.from({ length: 100 }, (_, i) => i).filter((i) => i !== 50), ...Array.from({ length: 10 }, (_, i) => 110 + i)];
  const candles: RowOf<'candles'>[] = slots.map((i) => ({
    venue: 'upbit', symbol: 'KRW-A', timeframe: '1m', ts: new Date(at(i)), open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i, volume: i, quoteVolume: null, tradeCount: null, closed: true, recvTs: new Date(at(i + 1) + 1500),
  }));
  await insert(db, 'candles', candles);
  const range = (kind: string, from: number, to: number) => ({ venue: 'upbit', symbol: 'KRW-A', timeframe: '1m', kind, fromTs: new Date(from), toTs: new Date(to), updatedAt: new Date(AS_OF) });
  await insert(db, 'candle_coverage', [range('queried', at(-60), at(100)), range('queried', at(110), at(120)), range('exchange_hole', at(100), at(105)), range('pruned', at(-60), at(0))]);
  await insert(db, 'ingest_state', [{ source: 'upbit', symbol: 'KRW-A', timeframe: '1m', lastClosedTs: new Date(at(119)), status: 'backfill', updatedAt: new Date(AS_OF) }]);
}

/** A stored run as `cqt backtest run` writes it; the first gets 1,000 equity rows with a dip at row 500. */
async function seedRun(db: Db, strategy: string, equityRows: number): Promise<number> {
  const sql = db.sql;
  const metrics = { totalReturn: 0.1, buyHoldReturn: 0.05, sharpe: 1.5, maxDrawdown: 0.2, trades: 2 };
  const [{ id }] = await sql<{ id: string }[]>`
    insert into backtest_runs (status, strategy, params, execution, source, venue, symbol, file, timeframe, from_ts, to_ts, candles, missing_bars, holes, input_sha256, metrics, timings_ms)
    values ('done', ${strategy}, ${sql.json({ fast: 5, slow: 20 })}, ${sql.json({ cash: 1e6, feeBps: 10, slippageBps: 2, stopLossPct: null, takeProfitPct: null })}, 'store', 'upbit', 'KRW-A', null,
      '1m', ${new Date(T0)}, ${new Date(T0 + (equityRows - 1) * MIN)}, ${equityRows}, 0, 0, 'abc123', ${sql.json(metrics)}, ${sql.json({ read: 1, signals: 2, engine: 3, metrics: 4, total: 10 })})
    returning id`;
  await sql`
    insert into backtest_equity (run_id, ts, equity, position)
    select ${id}, ${new Date(T0)}::timestamptz + i * interval '1 minute', case when i = 500 then 10 else 1000 + i end, (i % 2)::float8
    from generate_series(0, ${equityRows - 1}::int) as i`;
  for (const seq of [0, 1]) {
    await sql`
      insert into backtest_trades (run_id, seq, entry_ts, exit_ts, side, qty, entry_price, exit_price, fees, pnl, return, exit_reason, bars_held)
      values (${id}, ${seq}, ${new Date(at(10 * seq))}, ${new Date(at(10 * seq + 5))}, 'long', 2, 100, 110, 0.5, 19.5, 0.0975, 'signal', 5)`;
  }
  return Number(id);
}

describeBackends('cqt serve: candles, backtests, jobs', ({ db, backend }) => {
  let server: RunningServer;
  let runs: number[];
  const jobs: Record<string, string> = {};

  beforeAll(async () => {
    await seedCandles(db());
    runs = [await seedRun(db(), 'sma-cross', 1000), await seedRun(db(), 'buy-and-hold', 3), await seedRun(db(), 'sma-cross', 3)];
    // Jobs in five states: one completes, one fails its only attempt (dead), one stays queued, one is cancelled.
    const queue = await openQueue(db().sql, { queue: BACKTEST_QUEUE, pollSec: 0.5 });
    try {
      await queue.work<{ fail: boolean }>(1, async (job) => {
        if (job.data.fail) throw new Error('boom: no candles');
        return { runId: runs[0] };
      });
      jobs.completed = await queue.submit({ fail: false });
      jobs.dead = await queue.submit({ fail: true }, { attempts: 1 });
      await waitFor('completed and dead', async () => (await queue.get(jobs.completed))?.state === 'completed' && (await queue.get(jobs.dead))?.state === 'dead');
    } finally {
      await queue.stop(1000);
    }
    const idle = await openQueue(db().sql, { queue: BACKTEST_QUEUE });
    try {
      jobs.queued = await idle.submit({ fail: false });
      jobs.cancelled = await idle.submit({ fail: false });
      await idle.cancel(jobs.cancelled);
    } finally {
      await idle.stop(1000);
    }
    server = await startServer({ db: db(), env: ENV, port: 0 });
  }, 60_000);
  afterAll(async () => server?.close());

  it('/api/candles: closed candles in [from, to) as columns, the coverage of the range and the freshness `cqt status` gives the series', async () => {
    const { status, body } = await get(server, `/api/candles?venue=upbit&symbol=krw-a&timeframe=1m&from=${iso(at(-30))}&to=${AS_OF}&asOf=${AS_OF}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ venue: 'upbit', symbol: 'KRW-A', timeframe: '1m', from: iso(at(-30)), to: iso(AS_OF), limit: 1000, count: 109, truncated: false, next: null });
    expect(body.candles.ts.slice(48, 51)).toEqual([at(48), at(49), at(51)]);
    expect(body.candles.close.at(-1)).toBe(219.5);
    expect(body.candles.high[0]).toBe(101);
    expect(body.candles.quoteVolume[0]).toBeNull();
    expect(body.coverage).toEqual({
      unknown: [{ from: iso(at(105)), to: iso(at(110)) }],
      holes: [{ from: iso(at(100)), to: iso(at(105)) }],
      pruned: [{ from: iso(at(-30)), to: iso(at(0)) }],
    });
    // The same evaluator and policy as `cqt status --source candles`.
    const { values: config } = loadConfig({ env: ENV });
    const statusRow = (await evaluateStatus(db().sql, { asOf: AS_OF, sources: ['candles'] }, config)).sources.find((s) => s.key === 'upbit KRW-A 1m')!;
    expect(body.freshness).toEqual({ asOf: iso(AS_OF), class: statusRow.class, lagSec: statusRow.lagSec, newestTs: statusRow.newestTs, policy: statusRow.policy, degraded: statusRow.degraded, reasons: statusRow.reasons });
    // Slot 119 arrives 1.5 s after as-of (recv_ts): the newest seen at as-of is slot 118, lag 120 s < stale after 240 s.
    expect(body.freshness).toMatchObject({ class: 'fresh', newestTs: iso(at(118)), lagSec: 120, policy: { staleAfterSec: 240, hardStaleAfterSec: 300 } });
    const late = await get(server, `/api/candles?venue=upbit&symbol=KRW-A&timeframe=1m&limit=5&asOf=${AS_OF + 20 * MIN}&to=${AS_OF}`);
    expect(late.body.freshness).toMatchObject({ class: 'hard_stale', lagSec: 1260, newestTs: iso(at(119)) });
  });

  it('/api/candles: without from, the newest `limit` slots before to; a cut-short range says where to go on', async () => {
    const newest = await get(server, `/api/candles?venue=upbit&symbol=KRW-A&timeframe=1m&limit=20&to=${AS_OF}&asOf=${AS_OF}`);
    expect(newest.body).toMatchObject({ from: iso(at(100)), to: iso(AS_OF), count: 10, truncated: false, coverage: { holes: [{ from: iso(at(100)), to: iso(at(105)) }], unknown: [{ from: iso(at(105)), to: iso(at(110)) }], pruned: [] } });
    expect(newest.body.candles.ts).toEqual(Array.from({ length: 10 }, (_, i) => at(110 + i)));
    const cut = await get(server, `/api/candles?venue=upbit&symbol=KRW-A&timeframe=1m&from=${at(0) + 1}&to=${AS_OF}&limit=5&asOf=${AS_OF}`);
    expect(cut.body).toMatchObject({ from: iso(at(1)), count: 5, truncated: true, next: iso(at(6)), coverage: { unknown: [], holes: [], pruned: [] } });
    expect(cut.body.candles.ts).toEqual([at(1), at(2), at(3), at(4), at(5)]);
  });

  it('/api/backtests: newest first with total, paged by id, filtered by strategy', async () => {
    const all = await get(server, '/api/backtests');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, limit: 20, nextBefore: null });
    expect(all.body.runs.map((r: { id: number }) => r.id)).toEqual([...runs].reverse());
    expect(all.body.runs[2]).toEqual({
      id: runs[0],
      createdAt: expect.any(String),
      status: 'done',
      strategy: 'sma-cross',
      params: { fast: 5, slow: 20 },
      execution: { cash: 1e6, feeBps: 10, slippageBps: 2, stopLossPct: null, takeProfitPct: null },
      input: { source: 'store', venue: 'upbit', symbol: 'KRW-A', timeframe: '1m', from: iso(T0), to: iso(T0 + 999 * MIN), candles: 1000, missingBars: 0, holes: 0, sha256: 'abc123' },
      metrics: { totalReturn: 0.1, buyHoldReturn: 0.05, sharpe: 1.5, maxDrawdown: 0.2, trades: 2 },
      timingsMs: { read: 1, signals: 2, engine: 3, metrics: 4, total: 10 },
    });
    const first = await get(server, '/api/backtests?limit=2');
    expect([first.body.runs.map((r: { id: number }) => r.id), first.body.nextBefore]).toEqual([[runs[2], runs[1]], runs[1]]);
    const second = await get(server, `/api/backtests?limit=2&before=${first.body.nextBefore}`);
    expect([second.body.runs.map((r: { id: number }) => r.id), second.body.nextBefore]).toEqual([[runs[0]], null]);
    const sma = await get(server, '/api/backtests?strategy=sma-cross');
    expect([sma.body.total, sma.body.runs.map((r: { id: number }) => r.id)]).toEqual([2, [runs[2], runs[0]]]);
  });

  it('/api/backtests/:id: the run, its trades and its equity, whole or downsampled keeping each bucket\'s min and max', async () => {
    const whole = await get(server, `/api/backtests/${runs[0]}`);
    expect(whole.status).toBe(200);
    expect(whole.body.run).toMatchObject({ id: runs[0], strategy: 'sma-cross' });
    expect(whole.body.trades).toEqual([0, 1].map((seq) => ({
      seq, entryTs: iso(at(10 * seq)), exitTs: iso(at(10 * seq + 5)), side: 'long', qty: 2, entryPrice: 100, exitPrice: 110, fees: 0.5, pnl: 19.5, return: 0.0975, exitReason: 'signal', barsHeld: 5,
    })));
    expect(whole.body.equity).toMatchObject({ rows: 1000, bucketRows: 1 });
    expect(whole.body.equity.ts).toHaveLength(1000);
    expect(whole.body.equity.equity.slice(499, 502)).toEqual([1499, 10, 1501]);

    const { body } = await get(server, `/api/backtests/${runs[0]}?points=10`);
    expect(body.equity).toMatchObject({ rows: 1000, bucketRows: 100 });
    const k = Array.from({ length: 10 }, (_, i) => i);
    expect(body.equity.ts).toEqual(k.map((i) => T0 + 100 * i * MIN));
    expect(body.equity.min).toEqual(k.map((i) => (i === 5 ? 10 : 1000 + 100 * i)));
    expect(body.equity.max).toEqual(k.map((i) => 1099 + 100 * i));
    expect(body.equity.equity).toEqual(k.map((i) => 1099 + 100 * i));
    expect(body.equity.position).toEqual(k.map(() => 1));
    // More points than rows: the rows themselves.
    expect((await get(server, `/api/backtests/${runs[1]}?points=50`)).body.equity).toMatchObject({ rows: 3, bucketRows: 1, equity: [1000, 1001, 1002] });
  });

  it('/api/backtests/:id of an unknown run is 404 naming it', async () => {
    expect(await get(server, '/api/backtests/999999')).toEqual({ status: 404, body: { error: 'no backtest run 999999', hint: 'GET /api/backtests lists the stored runs' } });
  });

  it('/api/jobs: cqt\'s state names, one state, several, or all; newest first', async () => {
    const dead = await get(server, '/api/jobs?state=dead');
    expect(dead.status).toBe(200);
    expect(dead.body).toMatchObject({ states: ['dead'], jobs: [{ id: jobs.dead, queue: BACKTEST_QUEUE, state: 'dead', attempt: 1, attempts: 1, lastError: 'boom: no candles', data: { fail: true } }] });
    expect(dead.body.jobs).toHaveLength(1);
    const completed = await get(server, '/api/jobs?state=completed');
    expect(completed.body.jobs).toMatchObject([{ id: jobs.completed, state: 'completed', output: { runId: runs[0] }, lastError: null }]);
    const some = await get(server, '/api/jobs?state=queued,cancelled');
    expect(some.body.jobs.map((j: { id: string; state: string }) => [j.id, j.state])).toEqual([[jobs.cancelled, 'cancelled'], [jobs.queued, 'queued']]);
    const all = await get(server, '/api/jobs');
    expect(all.body.states).toEqual(['queued', 'active', 'completed', 'failed', 'dead', 'cancelled']);
    expect(new Set(all.body.jobs.map((j: { id: string }) => j.id))).toEqual(new Set(Object.values(jobs)));
    expect((await get(server, '/api/jobs?state=active')).body.jobs).toEqual([]);
  });

  it.each([
    ['/api/candles?symbol=KRW-A&timeframe=1m', 'missing parameter venue'],
    ['/api/candles?venue=kraken&symbol=KRW-A&timeframe=1m', 'invalid venue "kraken"'],
    ['/api/candles?venue=upbit&symbol=BTCUSDT&timeframe=1m', 'invalid symbol "BTCUSDT" for upbit'],
    ['/api/candles?venue=upbit&symbol=KRW-A&timeframe=2h', 'invalid timeframe "2h" for upbit'],
    ['/api/candles?venue=upbit&symbol=KRW-A', 'missing parameter timeframe'],
    ['/api/candles?venue=upbit&symbol=KRW-A&timeframe=1m&limit=0', 'invalid limit "0"'],
    [`/api/candles?venue=upbit&symbol=KRW-A&timeframe=1m&from=${AS_OF}&to=${AS_OF}`, `from ${iso(AS_OF)} is not before to ${iso(AS_OF)}`],
    ['/api/candles?venue=upbit&symbol=KRW-A&timeframe=1m&since=1d', 'unknown parameter since'],
    ['/api/backtests?limit=many', 'invalid limit "many"'],
    ['/api/backtests?before=0', 'invalid before "0"'],
    ['/api/backtests/abc', 'invalid run id "abc"'],
    ['/api/backtests/1?points=1', 'invalid points "1"'],
    ['/api/jobs?state=running', 'invalid state "running"'],
    // Named as the query parameter, not as the CLI flag (--source, --symbol).
    ['/api/status?source=orders', 'unknown source orders'],
    ['/api/status?symbol=KRW%20A', 'invalid symbol "KRW A"'],
  ])('400 with one line and a hint: %s', async (path, error) => {
    const { status, body } = await get(server, path);
    expect(status).toBe(400);
    expect(body.error).toBe(error);
    expect(body.error).not.toMatch(/--/);
    expect(body.hint).toMatch(/\S/);
  });

  it.runIf(backend === 'postgres')('candles and a run read index ranges only: no sequential scan', async () => {
    const recorded = recordQueries(db());
    const probe = await startServer({ db: recorded.db, env: ENV, port: 0 });
    try {
      await get(probe, `/api/candles?venue=upbit&symbol=KRW-A&timeframe=1m&from=${at(-30)}&to=${AS_OF}&asOf=${AS_OF}`);
      await get(probe, `/api/backtests/${runs[0]}?points=10`);
      await get(probe, `/api/backtests/${runs[0]}`);
    } finally {
      await probe.close();
    }
    expect(recorded.queries.length).toBeGreaterThan(5);
    expect(await unindexedReads(db(), recorded.queries)).toEqual([]);
  });
});
