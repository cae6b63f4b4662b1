// `cqt backfill` → `cqt predict --timeframe 1m` as an operator runs them (the built binary, the fake
// exchange on loopback), both backends: the backfill mode writes one row per boundary with all its
// inputs stored and is idempotent; the live loop beside `cqt backfill --follow` writes a minute's
// boundary only after that candle closed, and after kill -9 and a restart resumes with no boundary
// twice and earlier rows untouched (on Binance, which has a kline for every minute). It waits for
// two minute closes, so it takes 1–3 min per backend.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { startCqt, type CqtChild, runCqtAsync as cqt, storeEnv } from '@cqt/test-support/cqt';
import { waitFor } from '@cqt/test-support/wait';

const MIN = 60_000;
const K = 10;
const N = 3;
const PREDICT = ['predict', '--timeframe', '1m', '--symbol', 'KRW-BTC', '--horizon-candles', String(N), '--lookback-candles', String(K)];
const LIVE = ['predict', '--timeframe', '1m', '--venue', 'binance', '--symbol', 'BTCUSDT', '--horizon-candles', String(N), '--lookback-candles', String(K)];

let ex: FakeExchange;
beforeAll(async () => {
  ex = await startFakeExchange({ seed: 17, markets: { upbit: ['KRW-BTC'], binance: ['BTCUSDT'] } });
});
afterAll(() => ex?.close());



interface Row {
  ts: Date;
  computed_at: Date;
  inputs: number;
}

describeBackends('cqt predict --timeframe 1m (built binary, fake exchange)', ({ db }) => {
  let env: Record<string, string>;
  const children: CqtChild[] = [];
  const start = (args: string[]) => {
    const child = startCqt(args, env);
    children.push(child);
    return child;
  };
  afterAll(async () => {
    for (const c of children) if (c.exitCode === undefined) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
  });
  // Each row with the number of its K + 1 input candles found in the store.
  const rows = () =>
    db().sql<Row[]>`
      select p.ts, p.computed_at,
             (select count(*)::int from candles c where c.venue = p.venue and c.symbol = p.symbol and c.timeframe = p.timeframe
                and c.ts >= p.ts - make_interval(mins => ${K + 1}) and c.ts < p.ts) as inputs
        from candle_predictions p where p.timeframe = '1m' order by p.venue, p.ts`;

  beforeAll(() => {
    env = { ...storeEnv(db()), UPBIT_REST_URL: ex.urls.UPBIT_REST_URL, BINANCE_REST_URL: ex.urls.BINANCE_REST_URL, CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT' };
  });

  it('--backfill: one row per boundary, every input candle stored, none after the newest close; a second run writes nothing', async () => {
    const fill = await cqt(['backfill', '--venue', 'upbit', '--symbol', 'KRW-BTC', '--timeframe', '1m', '--since', '2h'], env);
    expect(fill.code, fill.stderr).toBe(0);
    const [{ newest }] = await db().sql<{ newest: Date }[]>`select max(ts) as newest from candles where venue = 'upbit' and timeframe = '1m'`;
    const newestCloseMs = newest.getTime() + MIN;
    const fromMs = newestCloseMs - 90 * MIN;

    const args = [...PREDICT, '--backfill', '--from', new Date(fromMs).toISOString(), '--to', new Date(newestCloseMs + 30 * MIN).toISOString(), '--json'];
    const first = await cqt(args, env);
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout);
    const written = await rows();
    expect(result.written).toBe(written.length);
    expect(result.written + result.gaps).toBeGreaterThanOrEqual(91 - 1); // every boundary up to the newest close (one may close meanwhile)
    expect(written.length).toBeGreaterThan(60);
    for (const r of written) expect(r.inputs).toBe(K + 1);
    expect(Math.max(...written.map((r) => r.ts.getTime()))).toBeLessThanOrEqual(Date.now());
    // Skipped boundaries are logged, one line each naming the missing candle (20 per chunk, the rest counted).
    const listed = first.stderr.split('\n').filter((l) => l.includes('skipped: gap: no closed candle')).length;
    const more = Number(/ (\d+) more boundaries skipped for missing candles/.exec(first.stderr)?.[1] ?? 0);
    expect(listed + more).toBe(result.gaps);

    const second = await cqt(args, env);
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout);
    expect(again.written).toBe(0);
    expect(again.kept).toBe(result.written);
    expect((await rows()).map((r) => r.computed_at.getTime())).toEqual(written.map((r) => r.computed_at.getTime()));
  }, 120_000);

  // Binance serves a kline for every minute (an Upbit minute without trades has no candle: a gap).
  it('live beside backfill --follow: a boundary only after its close; kill -9 and restart → each boundary once, earlier rows untouched', async () => {
    await db().sql`delete from candle_predictions`;
    const fill = await cqt(['backfill', '--venue', 'binance', '--symbol', 'BTCUSDT', '--timeframe', '1m', '--since', '1h'], env);
    expect(fill.code, fill.stderr).toBe(0);
    start(['backfill', '--venue', 'binance', '--symbol', 'BTCUSDT', '--timeframe', '1m', '--follow']);
    const startedMs = Date.now();
    const first = start([...LIVE, '--poll', '1s']);
    // A boundary that closed after the predictor started: it can only have come from a new candle.
    await waitFor('a live boundary after start', async () => (await rows()).some((r) => r.ts.getTime() > startedMs), {
      timeoutMs: 180_000,
      pollMs: 500,
      detail: () => first.stderr,
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeKill = await rows();

    // Let the next minute's candle arrive while no predictor runs, then restart.
    const lastMs = beforeKill.at(-1)!.ts.getTime();
    await waitFor('the next candle in the store', async () => {
      const [{ newest }] = await db().sql<{ newest: Date | null }[]>`select max(ts) as newest from candles where venue = 'binance' and timeframe = '1m'`;
      return newest !== null && newest.getTime() + MIN > lastMs;
    }, { timeoutMs: 180_000, pollMs: 500 });
    const second = start([...LIVE, '--poll', '1s']);
    await waitFor('the boundary after the kill', async () => (await rows()).some((r) => r.ts.getTime() > lastMs), {
      timeoutMs: 120_000,
      pollMs: 500,
      detail: () => second.stderr,
    });
    second.child.kill('SIGTERM');
    await second.exited;
    expect(second.exitCode, second.stderr).toBe(0);

    const after = await rows();
    const times = after.map((r) => r.ts.getTime());
    // Consecutive closes, none twice (a skipped boundary would be a logged gap: none here).
    expect(new Set(times).size).toBe(times.length);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(MIN);
    expect(second.stderr).not.toContain('skipped');
    for (const r of beforeKill) expect(after.find((a) => a.ts.getTime() === r.ts.getTime())!.computed_at).toEqual(r.computed_at);
    // Never before close: each row was computed after its candle closed (+ the 1 s grace).
    for (const r of after) expect(r.computed_at.getTime()).toBeGreaterThanOrEqual(r.ts.getTime() + 1000);
    for (const r of after) expect(r.inputs).toBe(K + 1);
  }, 480_000);
});
