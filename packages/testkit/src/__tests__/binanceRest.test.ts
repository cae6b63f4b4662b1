// Binance REST responses here are synthetic: no public recordings of these endpoints exist;
// shapes and types follow Binance's USD-M REST documentation.
import { describe, expect } from 'vitest';
import { test } from './support.js';

const DECIMAL = /^-?\d+(\.\d+)?$/;

async function get(base: string, path: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(base + path);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

function expectAscending(rows: Array<{ timestamp?: number; fundingTime?: number }>, key: 'timestamp' | 'fundingTime' = 'timestamp'): void {
  for (let i = 1; i < rows.length; i++) expect(rows[i][key]!).toBeGreaterThan(rows[i - 1][key]!);
}

describe.concurrent('Binance USD-M REST fake (synthetic data)', () => {
  test('serves open interest and the /futures/data series with documented shapes and types', async ({ t }) => {
    const ex = await t.exchange({ seed: 31 });
    const base = ex.urls.BINANCE_REST_URL;

    const oi = await get(base, '/fapi/v1/openInterest?symbol=BTCUSDT');
    expect(Object.keys(oi.body)).toEqual(['openInterest', 'symbol', 'time']);
    expect(oi.body.openInterest).toMatch(DECIMAL);
    expect(typeof oi.body.time).toBe('number');

    const hist = await get(base, '/futures/data/openInterestHist?symbol=BTCUSDT&period=5m');
    expect(hist.body).toHaveLength(30);
    expect(Object.keys(hist.body[0])).toEqual(['symbol', 'sumOpenInterest', 'sumOpenInterestValue', 'timestamp']);
    expect(hist.body[0].sumOpenInterestValue).toMatch(DECIMAL);
    expect(hist.body[0].timestamp % 300_000).toBe(0);
    expectAscending(hist.body);

    for (const path of ['globalLongShortAccountRatio', 'topLongShortAccountRatio', 'topLongShortPositionRatio']) {
      const { body } = await get(base, `/futures/data/${path}?symbol=ETHUSDT&period=1h&limit=5`);
      expect(body).toHaveLength(5);
      expect(Object.keys(body[0])).toEqual(['symbol', 'longShortRatio', 'longAccount', 'shortAccount', 'timestamp']);
      for (const row of body) {
        expect(Number(row.longAccount) + Number(row.shortAccount)).toBeCloseTo(1, 3);
        expect(Number(row.longShortRatio)).toBeCloseTo(Number(row.longAccount) / Number(row.shortAccount), 2);
      }
      expectAscending(body);
    }

    const taker = await get(base, '/futures/data/takerlongshortRatio?symbol=BTCUSDT&period=15m&limit=3');
    expect(Object.keys(taker.body[0])).toEqual(['buySellRatio', 'buyVol', 'sellVol', 'timestamp']);

    const basis = await get(base, '/futures/data/basis?pair=BTCUSDT&contractType=PERPETUAL&period=5m&limit=3');
    expect(Object.keys(basis.body[0])).toEqual(['indexPrice', 'contractType', 'basisRate', 'futuresPrice', 'annualizedBasisRate', 'basis', 'pair', 'timestamp']);
    expect(basis.body[0].annualizedBasisRate).toBe('');
    const quarter = await get(base, '/futures/data/basis?pair=BTCUSDT&contractType=CURRENT_QUARTER&period=5m&limit=1');
    expect(quarter.body[0].annualizedBasisRate).toMatch(DECIMAL);
  });

  test('serves premiumIndex, fundingRate, klines and exchangeInfo', async ({ t }) => {
    const ex = await t.exchange({ seed: 32 });
    const base = ex.urls.BINANCE_REST_URL;
    const premium = await get(base, '/fapi/v1/premiumIndex?symbol=BTCUSDT');
    expect(Object.keys(premium.body)).toEqual(['symbol', 'markPrice', 'indexPrice', 'estimatedSettlePrice', 'lastFundingRate', 'interestRate', 'nextFundingTime', 'time']);
    expect(premium.body.nextFundingTime % (8 * 3_600_000)).toBe(0);
    const all = await get(base, '/fapi/v1/premiumIndex');
    expect(all.body.map((p: { symbol: string }) => p.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);

    const funding = await get(base, '/fapi/v1/fundingRate?symbol=BTCUSDT&limit=5');
    expect(funding.body).toHaveLength(5);
    expect(Object.keys(funding.body[0])).toEqual(['symbol', 'fundingTime', 'fundingRate', 'markPrice']);
    expectAscending(funding.body, 'fundingTime');
    const start = funding.body[0].fundingTime;
    const window = await get(base, `/fapi/v1/fundingRate?symbol=BTCUSDT&startTime=${start}&endTime=${start + 16 * 3_600_000}`);
    expect(window.body.map((r: { fundingTime: number }) => r.fundingTime)).toEqual([start, start + 8 * 3_600_000, start + 16 * 3_600_000]);

    const klines = await get(base, '/fapi/v1/klines?symbol=BTCUSDT&interval=5m&limit=3');
    expect(klines.body).toHaveLength(3);
    for (const k of klines.body) {
      expect(k).toHaveLength(12);
      expect(k.map((v: unknown) => typeof v)).toEqual(['number', 'string', 'string', 'string', 'string', 'string', 'number', 'string', 'number', 'string', 'string', 'string']);
      expect(k[6] - k[0]).toBe(299_999);
      expect(Number(k[2])).toBeGreaterThanOrEqual(Math.max(Number(k[1]), Number(k[4])));
      expect(Number(k[3])).toBeLessThanOrEqual(Math.min(Number(k[1]), Number(k[4])));
    }
    expect(klines.body[2][0] - klines.body[1][0]).toBe(300_000);
    const capped = await get(base, '/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=2000');
    expect(capped.body).toHaveLength(1500);

    const info = await get(base, '/fapi/v1/exchangeInfo');
    expect(info.body.rateLimits[0]).toEqual({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 });
    expect(info.body.symbols.map((s: { symbol: string }) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
  });

  test('pages consistently: two pages equal one bigger page', async ({ t }) => {
    const ex = await t.exchange({ seed: 33 });
    const base = ex.urls.BINANCE_REST_URL;
    const whole = (await get(base, '/futures/data/openInterestHist?symbol=BTCUSDT&period=5m&limit=20')).body;
    const first = (await get(base, `/futures/data/openInterestHist?symbol=BTCUSDT&period=5m&startTime=${whole[0].timestamp}&limit=10`)).body;
    const second = (await get(base, `/futures/data/openInterestHist?symbol=BTCUSDT&period=5m&startTime=${whole[10].timestamp}&limit=10`)).body;
    expect([...first, ...second]).toEqual(whole);
    const klines = (await get(base, '/fapi/v1/klines?symbol=ETHUSDT&interval=1h&limit=6')).body;
    const earlier = (await get(base, `/fapi/v1/klines?symbol=ETHUSDT&interval=1h&startTime=${klines[0][0]}&limit=3`)).body;
    expect(earlier).toEqual(klines.slice(0, 3));
  });

  test('validates symbols, periods, intervals and limits with Binance error bodies', async ({ t }) => {
    const ex = await t.exchange();
    const base = ex.urls.BINANCE_REST_URL;
    expect(await get(base, '/fapi/v1/openInterest?symbol=FOOUSDT')).toMatchObject({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    expect((await get(base, '/fapi/v1/openInterest')).body.code).toBe(-1102);
    expect((await get(base, '/futures/data/openInterestHist?symbol=BTCUSDT&period=7m')).body).toEqual({ code: -1130, msg: "Data sent for parameter 'period' is not valid." });
    expect((await get(base, '/fapi/v1/klines?symbol=BTCUSDT&interval=2m')).body.code).toBe(-1120);
    expect((await get(base, '/futures/data/openInterestHist?symbol=BTCUSDT&period=5m&limit=900')).body).toHaveLength(500);
    const old = Date.now() - 40 * 86_400_000;
    const clipped = (await get(base, `/futures/data/openInterestHist?symbol=BTCUSDT&period=1d&startTime=${old}&limit=500`)).body;
    expect(clipped[0].timestamp).toBeGreaterThanOrEqual(Date.now() - 30 * 86_400_000 - 1000);
    expect((await get(base, '/fapi/v1/nope')).status).toBe(404);
  });

  test('reports used weight and answers 429 -1003 with Retry-After, then 418 when the client keeps going', async ({ t }) => {
    const ex = await t.exchange({ binance: { weightLimitPerMinute: 11, weightWindowMs: 3_600_000 } });
    const base = ex.urls.BINANCE_REST_URL;
    const first = await get(base, '/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1000');
    expect(first.headers.get('x-mbx-used-weight-1m')).toBe('5');
    const second = await get(base, '/fapi/v1/openInterest?symbol=BTCUSDT');
    expect(second.headers.get('x-mbx-used-weight-1m')).toBe('6');
    const dataCall = await get(base, '/futures/data/openInterestHist?symbol=BTCUSDT&period=5m&limit=1');
    expect(dataCall.headers.get('x-mbx-used-weight-1m')).toBe('6');
    await get(base, '/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1000');
    const limited = await get(base, '/fapi/v1/openInterest?symbol=BTCUSDT');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe(-1003);
    expect(limited.body.msg).toContain('current limit is 11 request weight');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const banned = await get(base, '/fapi/v1/openInterest?symbol=BTCUSDT');
    expect(banned.status).toBe(418);
    expect(banned.body.msg).toMatch(/IP banned until \d{13}/);
    expect(Number(banned.headers.get('retry-after'))).toBe(120);
    expect(ex.stats.rest.binance.byPath['/fapi/v1/openInterest']).toMatchObject({ 200: 1, 429: 1, 418: 1 });
    // Both answers were earned by the client; an injected 429 is a fault, not a violation.
    expect(ex.stats.rest.binance.rateLimitViolations).toBe(2);
    const clean = await t.exchange({});
    clean.faults.rateLimitRest('binance', { calls: 1 });
    expect((await get(clean.urls.BINANCE_REST_URL, '/fapi/v1/time')).status).toBe(429);
    expect(clean.stats.rest.binance.rateLimitViolations).toBe(0);
  });

  test('klines for backfill: ascending, open last kline, limit ≤ 1500 weighing 10, a maintenance hole, the exchange clock', async ({ t }) => {
    const skewMs = 3 * 3_600_000;
    const holeFromMs = Date.UTC(2026, 0, 15, 10, 0);
    const holeToMs = holeFromMs + 3_600_000;
    const ex = await t.exchange({ seed: 33, clockSkewMs: skewMs, binance: { weightWindowMs: 3_600_000, klineHoles: [{ symbol: 'BTCUSDT', fromMs: holeFromMs, toMs: holeToMs }] } });
    const base = ex.urls.BINANCE_REST_URL;
    const time = await get(base, '/fapi/v1/time');
    // Server time and the Date header run on the exchange clock, 3 h ahead of ours.
    expect(time.body.serverTime - Date.now()).toBeGreaterThan(skewMs - 60_000);
    expect(Date.parse(time.headers.get('date')!) - Date.now()).toBeGreaterThan(skewMs - 60_000);

    // exchangeInfo states the weight window the fake enforces (shrunk or stretched in tests).
    expect((await get(base, '/fapi/v1/exchangeInfo')).body.rateLimits[0]).toEqual({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 60, limit: 2400 });
    const sinceTime = Number((await get(base, '/fapi/v1/time')).headers.get('x-mbx-used-weight-1m'));
    const big = await get(base, `/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=${holeFromMs - 30 * 60_000}&limit=1500`);
    // Weight is cumulative in the minute: /time cost 1, a 1500-kline page 10.
    expect(Number(big.headers.get('x-mbx-used-weight-1m')) - sinceTime).toBe(10);
    expect(big.body).toHaveLength(1500);
    const opens = big.body.map((k: unknown[]) => k[0] as number);
    expect(opens.filter((t: number) => t >= holeFromMs && t < holeToMs)).toEqual([]);
    expect(opens[29]).toBe(holeFromMs - 60_000);
    expect(opens[30]).toBe(holeToMs);
    for (let i = 1; i < opens.length; i++) expect(opens[i]).toBeGreaterThan(opens[i - 1]);
    expect((await get(base, `/fapi/v1/klines?symbol=ETHUSDT&interval=1m&startTime=${holeFromMs}&limit=5`)).body[0][0]).toBe(holeFromMs);

    const latest = await get(base, '/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=2');
    const serverNow = (await get(base, '/fapi/v1/time')).body.serverTime as number;
    const [closedKline, openKline] = latest.body as Array<[number, string, string, string, string, string, number]>;
    expect(closedKline[6]).toBeLessThan(serverNow);
    expect(openKline[6]).toBeGreaterThanOrEqual(serverNow);
    expect(openKline[6]).toBe(openKline[0] + 3_600_000 - 1);
  });
});
