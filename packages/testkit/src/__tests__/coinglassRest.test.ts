// Coinglass responses are synthetic: no public recordings exist; the contract follows
// Coinglass's v4 API documentation.
import { describe, expect } from 'vitest';
import { test } from './support.js';

/**
 * The limiter's windows are aligned to the fake's clock, so a test counting requests in one
 * window must not straddle a boundary (it failed at 02:00 UTC): the fake's clock is set to the
 * middle of an hour, half an hour from either edge.
 */
function midHourSkewMs(nowMs = Date.now()): number {
  const hourMs = 3_600_000;
  return Math.floor(nowMs / hourMs) * hourMs + hourMs / 2 - nowMs;
}

const KEY = 'cg-test-key';

async function cg(base: string, path: string, key: string | null = KEY): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(base + path, { headers: key === null ? {} : { 'CG-API-KEY': key, accept: 'application/json' } });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe.concurrent('Coinglass v4 fake (synthetic data)', () => {
  test('requires CG-API-KEY', async ({ t }) => {
    const ex = await t.exchange();
    const path = '/api/futures/liquidation/aggregated-history?exchange_list=Binance&symbol=BTC&interval=1h';
    const missing = await cg(ex.urls.COINGLASS_URL, path, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ code: '401' });
    expect(typeof missing.body.msg).toBe('string');
    expect((await cg(ex.urls.COINGLASS_URL, path, 'wrong')).status).toBe(401);
  });

  test('wraps data in {"code":"0","msg":"success","data":…} with the documented field types', async ({ t }) => {
    const ex = await t.exchange({ seed: 51 });
    const base = ex.urls.COINGLASS_URL;
    const agg = await cg(base, '/api/futures/liquidation/aggregated-history?exchange_list=Binance,OKX,Bybit&symbol=BTC&interval=1h&limit=24');
    expect(agg.status).toBe(200);
    expect(agg.body.code).toBe('0');
    expect(agg.body.msg).toBe('success');
    expect(agg.body.data).toHaveLength(24);
    const row = agg.body.data[0];
    expect(Object.keys(row)).toEqual(['time', 'aggregated_long_liquidation_usd', 'aggregated_short_liquidation_usd']);
    expect(typeof row.aggregated_long_liquidation_usd).toBe('number');
    for (let i = 1; i < 24; i++) expect(agg.body.data[i].time - agg.body.data[i - 1].time).toBe(3_600_000);

    const pair = await cg(base, '/api/futures/liquidation/history?exchange=Binance&symbol=BTCUSDT&interval=4h&limit=3');
    expect(Object.keys(pair.body.data[0])).toEqual(['time', 'long_liquidation_usd', 'short_liquidation_usd']);
    expect(typeof pair.body.data[0].long_liquidation_usd).toBe('string');

    const map = await cg(base, '/api/futures/liquidation/map?exchange=Binance&symbol=BTCUSDT&range=7d');
    const levels = Object.entries(map.body.data.data) as Array<[string, Array<[number, number, number | null, null]>]>;
    expect(levels.length).toBeGreaterThan(50);
    const [price, entries] = levels[0];
    expect(entries[0][0]).toBe(Number(price));
    expect(typeof entries[0][2]).toBe('number');
    const aggregated = await cg(base, '/api/futures/liquidation/aggregated-map?symbol=BTC&range=1d');
    const [, aggEntries] = Object.entries(aggregated.body.data.data)[0] as [string, unknown[][]];
    expect(aggEntries[0][2]).toBeNull();

    const missingParam = await cg(base, '/api/futures/liquidation/history?exchange=Binance&symbol=BTCUSDT');
    expect(missingParam.status).toBe(400);
    expect(missingParam.body.code).toBe('400');
  });

  test('gates endpoints by plan with an explanatory 401', async ({ t }) => {
    const ex = await t.exchange({ coinglass: { plan: 'Hobbyist' } });
    const base = ex.urls.COINGLASS_URL;
    const map = await cg(base, '/api/futures/liquidation/aggregated-map?symbol=BTC&range=1d');
    expect(map.status).toBe(401);
    expect(map.body.msg).toMatch(/Professional/);
    const fine = await cg(base, '/api/futures/liquidation/history?exchange=Binance&symbol=BTCUSDT&interval=1h');
    expect(fine.status).toBe(401);
    expect(fine.body.msg).toMatch(/Hobbyist/);
    expect((await cg(base, '/api/futures/liquidation/history?exchange=Binance&symbol=BTCUSDT&interval=4h')).status).toBe(200);
  });

  test('enforces the per-plan requests per minute with API-KEY-* headers and 429', async ({ t }) => {
    const ex = await t.exchange({ coinglass: { plan: 'Startup', windowMs: 3_600_000 }, clockSkewMs: midHourSkewMs() });
    const path = '/api/futures/liquidation/aggregated-history?exchange_list=Binance&symbol=BTC&interval=1d&limit=1';
    const first = await cg(ex.urls.COINGLASS_URL, path);
    expect(first.headers.get('api-key-max-limit')).toBe('80');
    expect(first.headers.get('api-key-use-limit')).toBe('1');
    for (let i = 2; i <= 80; i++) await cg(ex.urls.COINGLASS_URL, path);
    const over = await cg(ex.urls.COINGLASS_URL, path);
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('429');
    expect(over.headers.get('api-key-use-limit')).toBe('80');
    expect(over.headers.get('retry-after')).toBeNull();
  });

  test('sends Retry-After (seconds until the window resets) with a 429 when configured', async ({ t }) => {
    const ex = await t.exchange({ coinglass: { requestsPerMinute: 1, windowMs: 3_600_000, retryAfterOn429: true }, clockSkewMs: midHourSkewMs() });
    const path = '/api/futures/liquidation/aggregated-history?exchange_list=Binance&symbol=BTC&interval=1d&limit=1';
    expect((await cg(ex.urls.COINGLASS_URL, path)).headers.get('retry-after')).toBeNull();
    const beforeMs = ex.nowMs();
    const over = await cg(ex.urls.COINGLASS_URL, path);
    const afterMs = ex.nowMs();
    const windowEndMs = Math.ceil(beforeMs / 3_600_000) * 3_600_000;
    expect(over.status).toBe(429);
    const retryAfterSec = Number(over.headers.get('retry-after'));
    expect(retryAfterSec).toBeGreaterThanOrEqual(Math.ceil((windowEndMs - afterMs) / 1000));
    expect(retryAfterSec).toBeLessThanOrEqual(Math.ceil((windowEndMs - beforeMs) / 1000));
  });
});
