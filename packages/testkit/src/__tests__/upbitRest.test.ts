import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { realFixturesDir } from '@cqt/test-support/realFixtures';
import { test } from './support.js';

interface Candle {
  market: string;
  candle_date_time_utc: string;
  candle_date_time_kst: string;
  opening_price: number;
  high_price: number;
  low_price: number;
  trade_price: number;
  timestamp: number;
  candle_acc_trade_price: number;
  candle_acc_trade_volume: number;
  unit: number;
}

const utcMs = (candle: Candle): number => Date.parse(`${candle.candle_date_time_utc}Z`);

describe.concurrent('Upbit REST candles fake', () => {
  test('returns minute candles newest first, `to` exclusive, count ≤ 200', async ({ t }) => {
    const ex = await t.exchange({ seed: 41 });
    const base = ex.urls.UPBIT_REST_URL;
    const res = await fetch(`${base}/v1/candles/minutes/1?market=KRW-BTC&to=2026-01-15T10:05:00Z&count=5`);
    expect(res.status).toBe(200);
    expect(res.headers.get('remaining-req')).toMatch(/^group=candle; min=\d+; sec=\d+$/);
    const candles = (await res.json()) as Candle[];
    expect(candles.map((c) => c.candle_date_time_utc)).toEqual([
      '2026-01-15T10:04:00', '2026-01-15T10:03:00', '2026-01-15T10:02:00', '2026-01-15T10:01:00', '2026-01-15T10:00:00',
    ]);
    expect(candles[0].candle_date_time_kst).toBe('2026-01-15T19:04:00');
    for (const c of candles) {
      expect(c.unit).toBe(1);
      expect(c.timestamp).toBeGreaterThanOrEqual(utcMs(c));
      expect(c.timestamp).toBeLessThan(utcMs(c) + 60_000);
      expect(c.high_price).toBeGreaterThanOrEqual(Math.max(c.opening_price, c.trade_price));
    }
    // Same instant written three ways.
    for (const to of ['2026-01-15 10:05:00', '2026-01-15T19:05:00+09:00']) {
      const same = (await (await fetch(`${base}/v1/candles/minutes/1?market=KRW-BTC&to=${encodeURIComponent(to)}&count=5`)).json()) as Candle[];
      expect(same).toEqual(candles);
    }
    const latest = (await (await fetch(`${base}/v1/candles/minutes/15?market=KRW-ETH`)).json()) as Candle[];
    expect(latest).toHaveLength(1);
    expect(utcMs(latest[0]) % 900_000).toBe(0);
    expect(Date.now() - utcMs(latest[0])).toBeLessThan(900_000 + 5000);

    const tooMany = await fetch(`${base}/v1/candles/minutes/1?market=KRW-BTC&count=201`);
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ error: { name: 'invalid_parameter' } });
    expect((await fetch(`${base}/v1/candles/minutes/2?market=KRW-BTC`)).status).toBe(400);
    expect((await fetch(`${base}/v1/candles/minutes/1?market=KRW-NOPE`)).status).toBe(404);
  });

  test('leaves gaps where nothing traded (thin market)', async ({ t }) => {
    const ex = await t.exchange({ seed: 42, markets: { upbit: ['KRW-BTC', 'KRW-DAWN'] } });
    const candles = (await (await fetch(`${ex.urls.UPBIT_REST_URL}/v1/candles/minutes/1?market=KRW-DAWN&to=2026-01-15T10:00:00Z&count=200`)).json()) as Candle[];
    expect(candles.length).toBeGreaterThan(50);
    expect(candles.length).toBeLessThan(200);
    const starts = candles.map(utcMs);
    expect(starts.every((t, i) => i === 0 || starts[i - 1] - t >= 60_000)).toBe(true);
    expect(starts.some((t, i) => i > 0 && starts[i - 1] - t > 60_000)).toBe(true);
  });

  test('counts Remaining-Req per second and answers 429, then 418 to a client that does not stop', async ({ t }) => {
    const ex = await t.exchange({ upbit: { candleRequestsPerSec: 3 } });
    const url = `${ex.urls.UPBIT_REST_URL}/v1/candles/minutes/1?market=KRW-BTC`;
    // Ten requests at once: whatever second boundary they straddle, one second sees ≥ 5.
    const responses = await Promise.all(Array.from({ length: 10 }, () => fetch(url)));
    const statuses = responses.map((r) => r.status);
    expect(statuses).toContain(429);
    expect(statuses).toContain(418);
    const limited = responses[statuses.indexOf(429)];
    expect(await limited.json()).toMatchObject({ error: { name: 'too_many_requests' } });
    expect(limited.headers.get('remaining-req')).toMatch(/sec=0$/);
    const blocked = responses[statuses.indexOf(418)];
    expect(((await blocked.json()) as { error: { message: string } }).error.message).toMatch(/Blocked for \d+ seconds/);
    expect(ex.stats.rest.upbit.rateLimitViolations).toBe(statuses.filter((s) => s === 429 || s === 418).length);
  });

  test('a repeat offender is blocked twice as long', async ({ t }) => {
    const ex = await t.exchange({ upbit: { candleRequestsPerSec: 2, blockMs: 1000 } });
    const url = `${ex.urls.UPBIT_REST_URL}/v1/candles/minutes/1?market=KRW-BTC`;
    const blockSec = async (): Promise<number> => {
      for (;;) {
        const res = await fetch(url);
        if (res.status === 418) return Number(/Blocked for (\d+) seconds/.exec(((await res.json()) as { error: { message: string } }).error.message)![1]);
      }
    };
    expect(await blockSec()).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await blockSec()).toBe(2);
  });

  test('day, week and month candles newest first, the forming one included, on the exchange clock', async ({ t }) => {
    const skewMs = -2 * 3_600_000;
    const ex = await t.exchange({ seed: 43, clockSkewMs: skewMs });
    const base = ex.urls.UPBIT_REST_URL;
    const res = await fetch(`${base}/v1/candles/days?market=KRW-BTC&to=2026-01-15T00:00:00Z&count=3`);
    expect(Date.parse(res.headers.get('date')!) - Date.now()).toBeLessThan(skewMs + 60_000);
    const days = (await res.json()) as Array<Candle & { prev_closing_price: number; change_price: number }>;
    expect(days.map((c) => c.candle_date_time_utc)).toEqual(['2026-01-14T00:00:00', '2026-01-13T00:00:00', '2026-01-12T00:00:00']);
    expect(days[0].candle_date_time_kst).toBe('2026-01-14T09:00:00');
    expect(days[0].prev_closing_price).toBe(days[1].trade_price);
    expect(days[0].change_price).toBeCloseTo(days[0].trade_price - days[1].trade_price, 6);
    expect('unit' in days[0]).toBe(false);
    const weeks = (await (await fetch(`${base}/v1/candles/weeks?market=KRW-BTC&to=2026-01-15T00:00:00Z&count=2`)).json()) as Array<Candle & { first_day_of_period: string }>;
    // 2026-01-12 is a Monday.
    expect(weeks.map((c) => c.candle_date_time_utc)).toEqual(['2026-01-12T00:00:00', '2026-01-05T00:00:00']);
    expect(weeks[0].first_day_of_period).toBe('2026-01-12');
    const months = (await (await fetch(`${base}/v1/candles/months?market=KRW-BTC&to=2026-03-01T00:00:00Z&count=2`)).json()) as Candle[];
    expect(months.map((c) => c.candle_date_time_utc)).toEqual(['2026-02-01T00:00:00', '2026-01-01T00:00:00']);
    const [today] = (await (await fetch(`${base}/v1/candles/days?market=KRW-BTC`)).json()) as Candle[];
    expect(utcMs(today)).toBe(Math.floor(ex.nowMs() / 86_400_000) * 86_400_000);
  });

  test('serves recorded 1-minute candle bodies over their span, newest first, `to` exclusive', async ({ t }) => {
    const dir = `${realFixturesDir()}/smtm/commit-1706193f`;
    const ex = await t.exchange({ upbit: { candleFiles: [`${dir}/data20.json`, `${dir}/data200.json`] } });
    const recorded = JSON.parse(readFileSync(`${dir}/data200.json`, 'utf8')) as Candle[];
    const page = (await (await fetch(`${ex.urls.UPBIT_REST_URL}/v1/candles/minutes/1?market=KRW-BTC&to=2021-01-30T13:48:00Z&count=200`)).json()) as Candle[];
    // data20 caught 13:47 while it was forming; the later state from data200 is served.
    expect(page).toEqual(recorded);
    const older = (await (await fetch(`${ex.urls.UPBIT_REST_URL}/v1/candles/minutes/1?market=KRW-BTC&to=2021-01-30T10:30:00Z&count=3`)).json()) as Candle[];
    expect(older.map((c) => c.candle_date_time_utc)).toEqual(['2021-01-30T10:29:00', '2021-01-30T10:28:00', '2021-01-30T10:27:00']);
    expect(older.slice(0, 2)).toEqual(recorded.slice(-2));
  });
});
