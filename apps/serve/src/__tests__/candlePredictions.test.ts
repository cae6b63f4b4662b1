// /api/predictions/candles/latest over real HTTP on loopback, both backends: freshness of candle
// predictions is judged per timeframe (candlePredictionPolicy) and served under the soft-stale
// rule — a 1 h series is fresh 30 min after its last prediction, a 1 m series is not — and
// /api/status (the evaluator `cqt status` uses) lists each series with its class.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '@cqt/db';
import { describeBackends } from '@cqt/test-support/backends';
import { startServer, type RunningServer } from '../index.js';

const MIN = 60_000;
const T = Date.UTC(2026, 10, 23, 10, 0, 0);
const ENV = { CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT' };

/** A row as `cqt predict --timeframe` writes it, computed 5 s after its close. */
async function prediction(db: Db, timeframe: string, tsMs: number, pUp = 0.2): Promise<void> {
  const ts = new Date(tsMs);
  await db.sql`
    insert into candle_predictions (venue, symbol, timeframe, ts, horizon_candles, model, model_version, close, sigma, r_t, k_vol, lookback_candles, p_up, p_down, p_none, inputs_max_ts, computed_at)
    values ('upbit', 'KRW-BTC', ${timeframe}, ${ts}, 4, 'brownian_first_passage_candles', 'test', 100, 0.001, 0.002, 1, 24, ${pUp}, 0.2, ${0.8 - pUp}, ${ts}, ${new Date(tsMs + 5000)})`;
}

describeBackends('GET /api/predictions/candles/latest', ({ db }) => {
  let server: RunningServer;
  const get = async (query: string) => {
    const response = await fetch(`${server.url}/api/predictions/candles/latest?${query}`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const at = (timeframe: string, asOfMs: number) => get(`symbol=KRW-BTC&timeframe=${timeframe}&asOf=${new Date(asOfMs).toISOString()}`);

  beforeAll(async () => {
    await prediction(db(), '1h', T - 60 * MIN, 0.1);
    await prediction(db(), '1h', T, 0.3);
    await prediction(db(), '1m', T - MIN, 0.1);
    await prediction(db(), '1m', T, 0.3);
    server = await startServer({ db: db(), env: ENV, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('30 min after the last prediction: a 1 h series is fresh (200), a 1 m series is hard_stale (503 with the last good one)', async () => {
    const hour = await at('1h', T + 30 * MIN);
    expect(hour.status).toBe(200);
    expect(hour.body.class).toBe('fresh');
    expect(hour.body.lagSec).toBe(1800);
    expect(hour.body.prediction.ts).toBe(new Date(T).toISOString());
    expect(hour.body.prediction.pUp).toBeCloseTo(0.3, 12);
    expect(hour.body.warning).toBeUndefined();

    const minute = await at('1m', T + 30 * MIN);
    expect(minute.status).toBe(503);
    expect(minute.body.class).toBe('hard_stale');
    expect(minute.body.reason).toMatch(/^hard_stale: lag 1800 s > hard stale after 300 s/);
    expect(minute.body.lastGood.ts).toBe(new Date(T).toISOString());
    expect(minute.body.lastGoodAgeSec).toBe(1800);
  });

  it('one missed close makes a series stale (served with a warning); each timeframe on its own scale', async () => {
    const minuteFresh = await at('1m', T + 3 * MIN); // lag 180 s = one candle + 120 s grace: still fresh
    expect([minuteFresh.status, minuteFresh.body.class]).toEqual([200, 'fresh']);
    const minuteStale = await at('1m', T + 3 * MIN + 1000);
    expect([minuteStale.status, minuteStale.body.class]).toEqual([200, 'stale']);
    expect(minuteStale.body.warning).toMatch(/^stale: lag 181 s > stale after 180 s/);

    const hourStale = await at('1h', T + 63 * MIN);
    expect([hourStale.status, hourStale.body.class]).toEqual([200, 'stale']);
    expect(hourStale.body.staleAfterSec).toBe(3720);
  });

  it('a prediction computed after as-of is not seen (replays give the same answer)', async () => {
    const before = await at('1h', T + 2000); // the row for T was computed at T + 5 s
    expect(before.status).toBe(200);
    expect(before.body.prediction.ts).toBe(new Date(T - 60 * MIN).toISOString());
  });

  it('/api/status lists each candle prediction series on its own timeframe policy', async () => {
    const response = await fetch(`${server.url}/api/status?source=candle_predictions&asOf=${new Date(T + 30 * MIN).toISOString()}`);
    expect(response.status).toBe(200);
    const status = (await response.json()) as { sources: Array<{ key: string; class: string; lagSec: number; policy: { staleAfterSec: number } }> };
    const byKey = Object.fromEntries(status.sources.map((s) => [s.key, s]));
    expect(Object.keys(byKey).sort()).toEqual(['upbit KRW-BTC 1h', 'upbit KRW-BTC 1m']);
    expect([byKey['upbit KRW-BTC 1h'].class, byKey['upbit KRW-BTC 1h'].policy.staleAfterSec]).toEqual(['fresh', 3720]);
    expect([byKey['upbit KRW-BTC 1m'].class, byKey['upbit KRW-BTC 1m'].lagSec]).toEqual(['hard_stale', 1800]);
  });

  it('an unknown series is hard_stale without rows; bad parameters are 400 with a hint', async () => {
    const none = await get(`symbol=KRW-ETH&timeframe=1h&asOf=${new Date(T).toISOString()}`);
    expect(none.status).toBe(503);
    expect(none.body.reason).toBe('hard_stale: no rows');
    expect(none.body.lastGood).toBeNull();
    const bad = await get('symbol=KRW-BTC&timeframe=1M');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid timeframe "1M" for upbit predictions');
    expect((await get('symbol=KRW-BTC&timeframe=1h&horizon=4')).status).toBe(400);
  });
});
