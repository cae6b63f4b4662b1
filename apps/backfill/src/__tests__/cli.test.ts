// `cqt backfill` as an operator runs it (the built binary against the fake exchange over
// loopback), on both backends: kill -9 at several points and run again — no duplicate, no hole,
// at most one page fetched twice per kill; zero rate-limit violations; bad flags exit 2.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { runCqt, startCqt, runCqtAsync as cqt, storeEnv } from '@cqt/test-support/cqt';
import { candleOpen, parseUpbitCandle, readCoverage, upbitTime, type Candle } from '@cqt/candles';

const MIN = 60_000;
const PATH = '/v1/candles/minutes/1';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

let ex: FakeExchange;
beforeAll(async () => {
  ex = await startFakeExchange({ seed: 11, markets: { upbit: ['KRW-BTC', 'KRW-XRP'], binance: ['BTCUSDT'] } });
});
afterAll(() => ex?.close());



const okRequests = () => ex.stats.rest.upbit.byPath[PATH]?.[200] ?? 0;

/** Every 1-minute candle the fake serves in [fromMs, toMs), read at 5 requests/s. */
async function served(market: string, fromMs: number, toMs: number): Promise<Candle[]> {
  const out: Candle[] = [];
  // The backfill may have spent this second's budget of the IP we share with it.
  await pause(1100);
  for (let to = toMs; to > fromMs; to -= 200 * MIN) {
    const count = Math.min(200, (to - fromMs) / MIN);
    out.push(...((await (await fetch(`${ex.urls.UPBIT_REST_URL}${PATH}?market=${market}&to=${upbitTime(to)}&count=${count}`)).json()) as never[]).map(parseUpbitCandle));
    await pause(200);
  }
  return out.sort((a, b) => a.openMs - b.openMs);
}

describeBackends('cqt backfill (binary)', ({ db }) => {
  it('kill -9 at several points, then the same command again: every candle once, one coverage range, at most one page refetched per kill', async () => {
    const env = { ...storeEnv(db()), UPBIT_REST_URL: ex.urls.UPBIT_REST_URL };
    // A fixed window of 3 days of 1m: 4320 candle slots, 22 pages of ≤ 200.
    const toMs = candleOpen('1m', ex.nowMs()) - 10 * MIN;
    const fromMs = toMs - 3 * 24 * 60 * MIN;
    const pages = Math.ceil((toMs - fromMs) / (200 * MIN));
    const args = ['backfill', '--venue', 'upbit', '--symbol', 'KRW-XRP', '--timeframe', '1m', '--from', String(fromMs), '--to', String(toMs), '--json'];
    const before = okRequests();
    const killAt = [2, 9, 15];
    for (const k of killAt) {
      const child = startCqt(args, env);
      while (okRequests() - before < k && child.exitCode === undefined) await pause(2);
      child.child.kill('SIGKILL');
      await child.exited;
      expect(child.child.signalCode).toBe('SIGKILL');
      // A restarted process does not know what its killed predecessor spent this second.
      await pause(1100);
    }
    const last = await cqt(args, env);
    expect(last.stderr).toBe('');
    expect(last.code).toBe(0);
    const summary = JSON.parse(last.stdout) as { candles: number; pages: number; rateLimited: number };
    expect(summary.rateLimited).toBe(0);
    expect(summary.pages).toBeLessThan(pages);

    const rows = await db().sql<{ ts: Date; open: number; high: number; low: number; close: number; volume: number; quote_volume: number }[]>`
      select ts, open, high, low, close, volume, quote_volume from candles where venue = 'upbit' and symbol = 'KRW-XRP' and timeframe = '1m' order by ts`;
    const expected = await served('KRW-XRP', fromMs, toMs);
    expect(rows.map((r) => ({ openMs: r.ts.getTime(), open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, quoteVolume: r.quote_volume, tradeCount: null }))).toEqual(expected);
    expect(await readCoverage(db().sql, { venue: 'upbit', symbol: 'KRW-XRP', timeframe: '1m' })).toEqual([{ kind: 'queried', fromMs, toMs }]);
    // Each kill loses at most the page in flight; the reading above is `pages` more.
    expect(okRequests() - before - pages).toBeLessThanOrEqual(pages + killAt.length);
    expect(ex.stats.rest.upbit.rateLimitViolations).toBe(0);
  }, 60_000);

  it('binance up to now with --json: closed klines only, cursor on the last closed one, no violation', async () => {
    const env = { ...storeEnv(db()), BINANCE_REST_URL: ex.urls.BINANCE_REST_URL };
    const run = await cqt(['backfill', '--venue', 'binance', '--symbol', 'BTCUSDT', '--timeframe', '1m,1h', '--since', '2d', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { series: Array<{ timeframe: string; cursor: string; candles: number; to: string }> };
    for (const s of result.series) {
      const step = s.timeframe === '1h' ? 60 * MIN : MIN;
      // The cursor is the newest closed candle: the one after it was still open by the exchange clock.
      expect(Date.parse(s.cursor) + step).toBe(Date.parse(s.to));
      expect(Date.parse(s.to)).toBeLessThanOrEqual(candleOpen(s.timeframe, ex.nowMs()));
      const [{ newest }] = await db().sql<{ newest: Date }[]>`select max(ts) as newest from candles where venue = 'binance' and symbol = 'BTCUSDT' and timeframe = ${s.timeframe}`;
      expect(newest.getTime()).toBe(Date.parse(s.cursor));
    }
    expect(ex.stats.rest.binance.rateLimitViolations).toBe(0);
    const human = await cqt(['backfill', '--venue', 'binance', '--symbol', 'BTCUSDT', '--timeframe', '1h'], env);
    expect(human.code).toBe(0);
    expect(human.stdout.trim().split('\n')).toHaveLength(1);
    expect(human.stdout).toMatch(/^backfill binance: \d+ candles in \d+ pages \(\d+ requests, 0 rate-limited\)/);
  }, 30_000);

  it('--follow: catches up, logs when it wakes next (just after the next close), and SIGTERM stops it cleanly with exit 0', async () => {
    const env = { ...storeEnv(db()), BINANCE_REST_URL: ex.urls.BINANCE_REST_URL };
    const child = startCqt(['backfill', '--venue', 'binance', '--symbol', 'BTCUSDT', '--timeframe', '1m,1h', '--since', '3h', '--follow', '--json'], env);
    while (!/follow binance BTCUSDT 1h: .*next at/.test(child.stderr) && child.exitCode === undefined) await pause(20);
    const next = /follow binance BTCUSDT 1m: \d+ candles, cursor (\S+); next at (\S+)/.exec(child.stderr);
    expect(next).not.toBeNull();
    // The next 1m pass is due 3 s after the forming minute closes.
    expect(Date.parse(next![2]) - candleOpen('1m', Date.parse(next![2]))).toBe(3000);
    child.child.kill('SIGTERM');
    await child.exited;
    expect(child.exitCode).toBe(0);
    const result = JSON.parse(child.stdout) as { follow: { passes: number; failedPasses: number }; candles: number; rateLimited: number };
    expect(result.follow).toEqual({ passes: 2, failedPasses: 0 });
    expect(result.rateLimited).toBe(0);
    // The last 3 hours are covered up to the cursor, whatever earlier tests in this store did.
    const coverage = await readCoverage(db().sql, { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m' });
    const sinceMs = candleOpen('1m', Date.parse(next![1]) - 3 * 60 * MIN + MIN);
    expect(coverage.some((c) => c.kind === 'queried' && c.fromMs <= sinceMs && c.toMs === Date.parse(next![1]) + MIN)).toBe(true);
    const [{ newest }] = await db().sql<{ newest: Date }[]>`select max(ts) as newest from candles where venue = 'binance' and symbol = 'BTCUSDT' and timeframe = '1m'`;
    expect(newest.getTime()).toBe(Date.parse(next![1]));
  }, 30_000);

  it('a series with no cursor and no start exits 2 naming it', async () => {
    const run = await cqt(['backfill', '--venue', 'upbit', '--symbol', 'KRW-ETH'], { ...storeEnv(db()), UPBIT_REST_URL: ex.urls.UPBIT_REST_URL });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe('error: no history yet for upbit KRW-ETH 1m: nothing to continue from');
    expect(run.stderr).toMatch(/hint: give --from TIME or --since DURATION/);
  });
});

describe('cqt backfill flags', () => {
  it('bad flags exit 2 with the problem and a hint, before any request', async () => {
    // Flags are checked before the store is opened or the venue asked.
    const dataDir = join(tmpdir(), `cqt-backfill-never-${process.pid}`);
    const env = { CQT_DATA_DIR: dataDir, UPBIT_REST_URL: ex.urls.UPBIT_REST_URL };
    const requests = ex.stats.rest.upbit.requests;
    const cases: Array<[string[], string]> = [
      [['--symbol', 'KRW-BTC'], 'missing --venue'],
      [['--venue', 'upbit'], 'missing --symbol'],
      [['--venue', 'upbit', '--symbol', 'BTCUSDT'], 'invalid --symbol BTCUSDT for upbit'],
      [['--venue', 'upbit', '--symbol', 'KRW-BTC', '--timeframe', '2h'], 'invalid --timeframe 2h for upbit'],
      [['--venue', 'upbit', '--symbol', 'KRW-BTC', '--from', '2026-01-01', '--since', '3d'], '--from and --since both given'],
      [['--venue', 'upbit', '--symbol', 'KRW-BTC', '--from', 'yesterday'], 'invalid --from "yesterday"'],
      [['--venue', 'upbit', '--symbol', 'KRW-BTC', '--from', '2026-01-02', '--to', '2026-01-01'], 'is not after the start'],
    ];
    for (const [flags, message] of cases) {
      const run = runCqt(['backfill', ...flags], env);
      expect(run.code, flags.join(' ')).toBe(2);
      expect(run.stderr.split('\n')[0]).toContain(message);
      expect(run.stderr).toMatch(/hint: /);
      expect(run.stdout).toBe('');
    }
    expect(ex.stats.rest.upbit.requests).toBe(requests);
    expect(existsSync(dataDir)).toBe(false);
  }, 30_000);
});
