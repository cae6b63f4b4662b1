// The backfill engine against the fake exchange over loopback, on both backends: what is stored
// is exactly what the venue serves, closed candles only, holes and no-trade minutes told apart
// by coverage, incremental from the cursor, and never a rate-limit violation.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { realFixturesDir } from '@cqt/test-support/realFixtures';
import { BinanceKlines, UpbitCandles, backfillSeries, candleOpen, parseUpbitCandle, readCoverage, readCursor } from '../index.js';
import { binanceServed, stored, upbitServed } from './support.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const recordings = `${realFixturesDir()}/smtm/commit-1706193f`;
const recordedFiles = [
  ...['data.json', 'data20.json', 'data50.json', 'data200.json', 'test_record.json'].map((f) => `${recordings}/${f}`),
  ...['upbit_1m_20200220_170000-20200220_202000.json', 'upbit_1m_20200220_202000-20200220_210000.json'].map((f) => `${realFixturesDir()}/smtm/${f}`),
];
// A Binance maintenance hole of 45 minutes, 20 hours before the fake starts.
const holeFromMs = candleOpen('1h', Date.now()) - 20 * HOUR;
const holeToMs = holeFromMs + 45 * MIN;

let ex: FakeExchange;
// One Upbit client for the file, as one process has: every request here shares the fake's per-IP
// budget, and fresh clients in quick succession (each with an empty pacer) could exceed it together.
let upbitClient: UpbitCandles;
beforeAll(async () => {
  ex = await startFakeExchange({
    seed: 7,
    markets: { upbit: ['KRW-BTC', 'KRW-DAWN'], binance: ['BTCUSDT', 'ETHUSDT'] },
    upbit: { candleFiles: recordedFiles },
    binance: { klineHoles: [{ symbol: 'BTCUSDT', fromMs: holeFromMs, toMs: holeToMs }] },
  });
  upbitClient = new UpbitCandles(ex.urls.UPBIT_REST_URL);
});
afterAll(() => ex?.close());

describeBackends('candle backfill', ({ db }) => {
  const upbit = () => upbitClient;
  const binance = () => new BinanceKlines(ex.urls.BINANCE_REST_URL);

  it('Upbit 1m: exactly the candles served, none forming, no-trade minutes covered, then incremental from the cursor', async () => {
    const series = { venue: 'upbit' as const, symbol: 'KRW-DAWN', timeframe: '1m' };
    const fromMs = candleOpen('1m', ex.nowMs()) - 5 * HOUR;
    const done: number[] = [];
    const first = await backfillSeries(db().sql, upbit(), series, { fromMs, onPage: (_, page) => done.push(page.done) });
    // Progress: 200 of ~300 minutes, then all of them.
    expect(done).toHaveLength(2);
    expect(done[0]).toBeCloseTo(200 / ((Date.parse(first.to) - fromMs) / MIN), 6);
    expect(done[1]).toBe(1);
    const endMs = Date.parse(first.to);
    // Closed by the exchange clock: the window ends at or before the forming minute.
    expect(endMs).toBeLessThanOrEqual(candleOpen('1m', ex.nowMs()));
    expect(endMs).toBeGreaterThanOrEqual(candleOpen('1m', ex.nowMs()) - 2 * MIN);
    expect(first.pages).toBe(Math.ceil((endMs - fromMs) / (200 * MIN)));
    const served = await upbitServed(upbit(), 'KRW-DAWN', fromMs, endMs);
    // A thin market: some minutes had no trade and have no candle.
    expect(served.length).toBeLessThan((endMs - fromMs) / MIN);
    expect(await stored(db().sql, 'upbit', 'KRW-DAWN', '1m')).toEqual(served);
    expect(first.candles).toBe(served.length);
    expect(await readCoverage(db().sql, series)).toEqual([{ kind: 'queried', fromMs, toMs: endMs }]);
    expect(await readCursor(db().sql, series)).toBe(endMs - MIN);

    // The next run continues where the cursor is (one page if a minute closed meanwhile, else none).
    const next = await backfillSeries(db().sql, upbit(), series);
    expect(Date.parse(next.from)).toBe(endMs);
    expect(next.pages).toBe(Date.parse(next.to) > endMs ? 1 : 0);
    const all = await stored(db().sql, 'upbit', 'KRW-DAWN', '1m');
    expect(new Set(all.map((c) => c.openMs)).size).toBe(all.length);
    expect(await readCoverage(db().sql, series)).toEqual([{ kind: 'queried', fromMs, toMs: Math.max(endMs, Date.parse(next.to)) }]);
    expect(ex.stats.rest.upbit.rateLimitViolations).toBe(0);
  });

  it.each([
    ['2021-01-30T10:10:00Z', '2021-01-30T13:48:00Z', 218, 2],
    ['2020-02-20T08:00:00Z', '2020-02-20T12:00:00Z', 240, 2],
    ['2020-03-10T12:13:00Z', '2020-03-10T13:53:00Z', 100, 1],
  ])('Upbit real recordings round-trip exactly (KRW-BTC %s → %s)', async (from, to, rowCount, pageCount) => {
    const series = { venue: 'upbit' as const, symbol: 'KRW-BTC', timeframe: '1m' };
    const fromMs = Date.parse(from);
    const toMs = Date.parse(to);
    const result = await backfillSeries(db().sql, upbit(), series, { fromMs, toMs });
    // The union of the files, the later state of a candle two files caught (13:47) kept.
    const byOpen = new Map<number, ReturnType<typeof parseUpbitCandle> & { lastTradeMs: number }>();
    for (const file of recordedFiles) {
      for (const row of JSON.parse(readFileSync(file, 'utf8')) as Array<{ timestamp: number; candle_date_time_utc: string }>) {
        const candle = { ...parseUpbitCandle(row as never), lastTradeMs: row.timestamp };
        const seen = byOpen.get(candle.openMs);
        if (candle.openMs >= fromMs && candle.openMs < toMs && (!seen || seen.lastTradeMs < candle.lastTradeMs)) byOpen.set(candle.openMs, candle);
      }
    }
    const expected = [...byOpen.values()].sort((a, b) => a.openMs - b.openMs).map(({ lastTradeMs: _, ...c }) => c);
    expect(expected).toHaveLength(rowCount);
    const inWindow = (await stored(db().sql, 'upbit', 'KRW-BTC', '1m')).filter((c) => c.openMs >= fromMs && c.openMs < toMs);
    expect(inWindow).toEqual(expected);
    expect(result.pages).toBe(pageCount);
  });

  it('Binance 1m: exactly the klines served, the maintenance hole recorded and not fetched again', async () => {
    const series = { venue: 'binance' as const, symbol: 'BTCUSDT', timeframe: '1m' };
    const fromMs = holeFromMs - 10 * HOUR;
    const toMs = holeToMs + 3 * HOUR;
    const done: number[] = [];
    const result = await backfillSeries(db().sql, binance(), series, { fromMs, toMs, onPage: (_, page) => done.push(page.done) });
    expect(done).toEqual([1]);
    expect(result.holeCandles).toBe(45);
    const served = await binanceServed(ex.urls.BINANCE_REST_URL, 'BTCUSDT', '1m', fromMs, toMs);
    expect(served).toHaveLength((toMs - fromMs) / MIN - 45);
    expect(await stored(db().sql, 'binance', 'BTCUSDT', '1m')).toEqual(served);
    expect(await readCoverage(db().sql, series)).toEqual([
      { kind: 'queried', fromMs, toMs },
      { kind: 'exchange_hole', fromMs: holeFromMs, toMs: holeToMs },
    ]);
    const again = await backfillSeries(db().sql, binance(), series, { fromMs, toMs });
    expect(again.pages).toBe(0);
  });

  it('Binance 1h and 1d up to now: the open kline is never stored', async () => {
    for (const timeframe of ['1h', '1d']) {
      const series = { venue: 'binance' as const, symbol: 'ETHUSDT', timeframe };
      const fromMs = candleOpen(timeframe, ex.nowMs()) - (timeframe === '1h' ? 48 * HOUR : 60 * 24 * HOUR);
      const result = await backfillSeries(db().sql, binance(), series, { fromMs });
      expect(Date.parse(result.to)).toBe(candleOpen(timeframe, ex.nowMs()));
      const rows = await stored(db().sql, 'binance', 'ETHUSDT', timeframe);
      expect(rows).toEqual(await binanceServed(ex.urls.BINANCE_REST_URL, 'ETHUSDT', timeframe, fromMs, Date.parse(result.to)));
      expect(rows.at(-1)!.openMs).toBeLessThan(candleOpen(timeframe, ex.nowMs()));
    }
    expect(ex.stats.rest.binance.rateLimitViolations).toBe(0);
  });

  it('Upbit 1d and 1h: exactly the candles served, the forming day left out', async () => {
    for (const [timeframe, back] of [['1d', 30 * 24 * HOUR], ['1h', 24 * HOUR]] as const) {
      const series = { venue: 'upbit' as const, symbol: 'KRW-BTC', timeframe };
      const fromMs = candleOpen(timeframe, ex.nowMs()) - back;
      const result = await backfillSeries(db().sql, upbit(), series, { fromMs });
      expect(Date.parse(result.to)).toBe(candleOpen(timeframe, ex.nowMs()));
      const page = await upbit().fetchPage('KRW-BTC', timeframe, fromMs, Date.parse(result.to));
      expect(await stored(db().sql, 'upbit', 'KRW-BTC', timeframe)).toEqual(page.candles.sort((a, b) => a.openMs - b.openMs));
    }
  });

  it('waits out a 429 and a 418 block as told, then completes exactly', async () => {
    const series = { venue: 'upbit' as const, symbol: 'KRW-BTC', timeframe: '5m' };
    const fromMs = candleOpen('5m', ex.nowMs()) - 24 * HOUR;
    const toMs = fromMs + 20 * HOUR;
    ex.faults.rateLimitRest('upbit', { calls: 2, retryAfterSec: 1 });
    const client = upbit();
    const before = { ...client.stats };
    const result = await backfillSeries(db().sql, client, series, { fromMs, toMs });
    expect(client.stats.rateLimited - before.rateLimited).toBe(2);
    // The 418 said "Blocked for 1 seconds": at least that long was waited, plus 1 s after the 429.
    expect(client.stats.waitedMs - before.waitedMs).toBeGreaterThanOrEqual(2000);
    expect(result.candles).toBe(240);
    expect(await readCoverage(db().sql, series)).toEqual([{ kind: 'queried', fromMs, toMs }]);
  });

  it('Binance without exchangeInfo keeps the documented budget and still pages exactly', async () => {
    ex.faults.failRest('binance', { status: 404, pathPrefix: '/fapi/v1/exchangeInfo' });
    const series = { venue: 'binance' as const, symbol: 'ETHUSDT', timeframe: '5m' };
    const fromMs = candleOpen('1h', ex.nowMs()) - 30 * HOUR;
    const toMs = fromMs + 24 * HOUR;
    const client = binance();
    const result = await backfillSeries(db().sql, client, series, { fromMs, toMs });
    expect(ex.stats.rest.binance.byPath['/fapi/v1/exchangeInfo']?.[404]).toBeGreaterThan(0);
    expect(result.candles).toBe(288);
    expect(await stored(db().sql, 'binance', 'ETHUSDT', '5m')).toEqual(await binanceServed(ex.urls.BINANCE_REST_URL, 'ETHUSDT', '5m', fromMs, toMs));
  });

  it('an unknown market is a usage error with the venue\'s answer', async () => {
    await expect(backfillSeries(db().sql, upbit(), { venue: 'upbit', symbol: 'KRW-NOPE', timeframe: '1m' }, { fromMs: Date.now() - HOUR })).rejects.toThrow('upbit refused /v1/candles/minutes/1: HTTP 404 Code not found');
  });

  it('a new series without --from is a usage error naming it', async () => {
    await expect(backfillSeries(db().sql, upbit(), { venue: 'upbit', symbol: 'KRW-BTC', timeframe: '4h' })).rejects.toThrow('no history yet for upbit KRW-BTC 4h');
  });
});
