// `cqt gaps` in-process against the fake exchange over loopback, on both backends: unknown ranges
// found between backfilled windows, exchange holes and Upbit's no-trade minutes not counted as
// unknown, --repair fetches exactly the unknown part (then exit 0), and bad flags are refused.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { BinanceKlines, UpbitCandles, backfillSeries, candleOpen, parseKline, type Candle } from '@cqt/candles';
import { output, run, type GapsOptions } from '../index.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
// Fixed windows well in the past: [t0, t0+3h) and [t0+5h, t0+8h) backfilled, the 2 h between unknown.
const t0 = candleOpen('1h', Date.now()) - 48 * HOUR;
const holeFromMs = t0 + HOUR;
const holeToMs = holeFromMs + 30 * MIN;

let ex: FakeExchange;
beforeAll(async () => {
  ex = await startFakeExchange({
    seed: 21,
    markets: { upbit: ['KRW-BTC', 'KRW-DAWN'], binance: ['BTCUSDT'] },
    binance: { klineHoles: [{ symbol: 'BTCUSDT', fromMs: holeFromMs, toMs: holeToMs }] },
  });
});
afterAll(() => ex?.close());

async function stored(sql: import('postgres').Sql, symbol: string): Promise<Candle[]> {
  const rows = await sql<{ ts: Date; open: number; high: number; low: number; close: number; volume: number; quote_volume: number; trade_count: number }[]>`
    select ts, open, high, low, close, volume, quote_volume, trade_count from candles where venue = 'binance' and symbol = ${symbol} and timeframe = '1m' order by ts`;
  return rows.map((r) => ({ openMs: r.ts.getTime(), open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, quoteVolume: r.quote_volume, tradeCount: r.trade_count }));
}

describeBackends('cqt gaps', ({ db }) => {
  const env = () => ({ BINANCE_REST_URL: ex.urls.BINANCE_REST_URL, UPBIT_REST_URL: ex.urls.UPBIT_REST_URL });
  const gaps = (options: GapsOptions = {}) => run({ db: db(), env: env(), ...options });
  const iso = (ms: number) => new Date(ms).toISOString();

  it('finds the unknown range between two backfilled windows, lists the hole, and --repair fills exactly it', async () => {
    const series = { venue: 'binance' as const, symbol: 'BTCUSDT', timeframe: '1m' };
    const client = new BinanceKlines(ex.urls.BINANCE_REST_URL);
    await backfillSeries(db().sql, client, series, { fromMs: t0, toMs: t0 + 3 * HOUR });
    await backfillSeries(db().sql, client, series, { fromMs: t0 + 5 * HOUR, toMs: t0 + 8 * HOUR });

    const before = await gaps({ venue: 'binance' });
    expect(before.series).toEqual([{
      ...series, from: iso(t0), to: iso(t0 + 8 * HOUR), cursor: iso(t0 + 8 * HOUR - MIN),
      unknown: [{ from: iso(t0 + 3 * HOUR), to: iso(t0 + 5 * HOUR), candles: 120 }],
      holes: [{ from: iso(holeFromMs), to: iso(holeToMs), candles: 30 }],
      pruned: [],
    }]);
    expect(output(before).exitCode).toBe(1);
    const human = await output(before).human({ colour: false });
    expect(human).toMatch(new RegExp(`binance BTCUSDT 1m +unknown +${iso(t0 + 3 * HOUR)} +${iso(t0 + 5 * HOUR)} +120`));
    expect(human).toContain('1 unknown ranges (120 candles); 30 exchange-hole candles, 0 pruned, in 1 series');

    // A window given by flags: its own edges, the part before the first backfill unknown too.
    const wider = await gaps({ venue: 'binance', symbols: ['BTCUSDT'], timeframes: ['1m'], from: t0 - HOUR, to: t0 + 4 * HOUR });
    expect(wider.series[0].unknown).toEqual([
      { from: iso(t0 - HOUR), to: iso(t0), candles: 60 },
      { from: iso(t0 + 3 * HOUR), to: iso(t0 + 4 * HOUR), candles: 60 },
    ]);

    const requests = ex.stats.rest.binance.byPath['/fapi/v1/klines']?.[200] ?? 0;
    const repaired = await gaps({ venue: 'binance', repair: true });
    expect(repaired.repaired).toMatchObject({ candles: 120, pages: 1, rateLimited: 0 });
    expect(ex.stats.rest.binance.byPath['/fapi/v1/klines']?.[200]).toBe(requests + 1);
    expect(repaired.series[0]).toMatchObject({ unknown: [], repaired: { candles: 120, pages: 1 } });
    expect(output(repaired).exitCode).toBe(0);
    const served = ((await (await fetch(`${ex.urls.BINANCE_REST_URL}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=${t0}&endTime=${t0 + 8 * HOUR - 1}&limit=1500`)).json()) as never[]).map(parseKline);
    expect(served).toHaveLength(8 * 60 - 30);
    expect(await stored(db().sql, 'BTCUSDT')).toEqual(served);
    expect(ex.stats.rest.binance.rateLimitViolations).toBe(0);
  });

  it('Upbit no-trade minutes inside a queried range are not gaps; a named series never backfilled is unknown from --from', async () => {
    const series = { venue: 'upbit' as const, symbol: 'KRW-DAWN', timeframe: '1m' };
    await backfillSeries(db().sql, new UpbitCandles(ex.urls.UPBIT_REST_URL), series, { fromMs: t0, toMs: t0 + 2 * HOUR });
    const [{ n }] = await db().sql<{ n: number }[]>`select count(*)::int as n from candles where venue = 'upbit' and symbol = 'KRW-DAWN'`;
    // A thin market: minutes without a candle, all of them answered.
    expect(n).toBeLessThan(120);
    const result = await gaps({ venue: 'upbit', symbols: ['KRW-DAWN'] });
    expect(result.series.map((s) => [s.symbol, s.unknown])).toEqual([['KRW-DAWN', []]]);
    expect(output(result).exitCode).toBe(0);
    expect(await output(result).human({ colour: false })).toMatch(/upbit KRW-DAWN 1m +complete/);

    const named = await gaps({ venue: 'upbit', symbols: ['KRW-BTC'], timeframes: ['1h'], from: t0, to: t0 + 6 * HOUR });
    expect(named.series).toMatchObject([{ symbol: 'KRW-BTC', timeframe: '1h', cursor: null, unknown: [{ from: iso(t0), to: iso(t0 + 6 * HOUR), candles: 6 }] }]);
    await expect(gaps({ venue: 'upbit', symbols: ['KRW-BTC'], timeframes: ['1h'] })).rejects.toThrow('no history yet for upbit KRW-BTC 1h: no window to look for gaps in');
  });

  it('refuses bad flags with the problem named', async () => {
    await expect(gaps({ venue: 'kraken' })).rejects.toThrow('invalid --venue "kraken"');
    await expect(gaps({ venue: 'upbit', timeframes: ['2h'] })).rejects.toThrow('invalid --timeframe 2h for upbit');
    await expect(gaps({ venue: 'upbit', symbols: ['BTCUSDT'] })).rejects.toThrow('invalid --symbol BTCUSDT for upbit');
    await expect(gaps({ from: t0, to: t0 })).rejects.toThrow('is not after --from');
  });
});
